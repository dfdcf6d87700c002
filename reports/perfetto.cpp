// trace.json (see perfetto.h). Times are microseconds, the format's unit.
#include "reports/perfetto.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "base/assert.h"

namespace kraftsim::reports {

namespace {

using json = nlohmann::ordered_json;

constexpr std::array<const char*, 5> band_kinds = {"raft", "broker", "process", "network", "messages"};
constexpr int world_pid = 0;

int kind_index(const std::string& kind) {
  for (std::size_t i = 0; i < band_kinds.size(); ++i) {
    if (kind == band_kinds[i]) return static_cast<int>(i);
  }
  return 0;
}

int tid_of(std::size_t lane, int kind) { return static_cast<int>(lane) * 10 + kind + 1; }

}  // namespace

std::string render_perfetto(const Timeline& t) {
  json events = json::array();
  events.push_back({{"ph", "M"}, {"pid", world_pid}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", "world (faults)"}}}});
  std::map<std::int32_t, bool> named;
  for (std::size_t i = 0; i < t.lanes.size(); ++i) {
    const Lane& lane = t.lanes[i];
    if (!named[lane.node]) {
      named[lane.node] = true;
      events.push_back({{"ph", "M"}, {"pid", lane.node}, {"tid", 0}, {"name", "process_name"},
                        {"args", {{"name", t.node_label(lane.node)}}}});
      events.push_back({{"ph", "M"}, {"pid", lane.node}, {"tid", 0}, {"name", "process_sort_index"}, {"args", {{"sort_index", i}}}});
    }
    for (std::size_t k = 0; k < band_kinds.size(); ++k) {
      events.push_back({{"ph", "M"}, {"pid", lane.node}, {"tid", tid_of(i, static_cast<int>(k))}, {"name", "thread_name"},
                        {"args", {{"name", fmt::format("{} {}", lane.role, band_kinds[k])}}}});
    }
  }
  // States: bands of one kind on one lane never overlap (the model closes one before the next).
  for (const Band& b : t.bands) {
    const Lane& lane = t.lanes[b.lane];
    json args = {{"state", b.state}};
    if (b.epoch >= 0) args["epoch"] = b.epoch;
    events.push_back({{"ph", "X"}, {"pid", lane.node}, {"tid", tid_of(b.lane, kind_index(b.kind))}, {"ts", b.from_us},
                      {"dur", std::max<std::int64_t>(0, b.to_us - b.from_us)}, {"name", b.state}, {"cat", b.kind}, {"args", args}});
  }
  // Messages: a 1 us slice at each end on the lane's messages thread (moved later by a
  // microsecond when another already sits there, so they never overlap), joined by a flow.
  std::map<std::size_t, std::int64_t> busy_until;  // messages thread -> end of its last slice
  auto slot = [&busy_until](std::size_t lane, std::int64_t ts) {
    std::int64_t& until = busy_until[lane];
    const std::int64_t at = std::max(ts, until);
    until = at + 1;
    return at;
  };
  const int messages_kind = kind_index("messages");
  std::size_t drawn = 0;
  for (std::size_t i = 0; i < t.messages.size() && drawn < perfetto_messages_max; ++i) {
    const Message& m = t.messages[i];
    if (m.from_lane < 0 || m.to_lane < 0 || m.end_us < 0) continue;
    ++drawn;
    const auto from_lane = static_cast<std::size_t>(m.from_lane);
    const auto to_lane = static_cast<std::size_t>(m.to_lane);
    const std::int64_t send_ts = slot(from_lane, m.send_us);
    const std::int64_t end_ts = slot(to_lane, std::max(m.end_us, send_ts + 1));
    const int from_pid = t.lanes[from_lane].node;
    const int to_pid = t.lanes[to_lane].node;
    const std::string end_name = m.dropped ? "dropped " + m.type : "receive " + m.type;
    events.push_back({{"ph", "X"}, {"pid", from_pid}, {"tid", tid_of(from_lane, messages_kind)}, {"ts", send_ts}, {"dur", 1},
                      {"name", "send " + m.type}, {"cat", "message"},
                      {"args", {{"to", m.to}, {"bytes", m.bytes}, {"fields", m.summary}}}});
    events.push_back({{"ph", "s"}, {"pid", from_pid}, {"tid", tid_of(from_lane, messages_kind)}, {"ts", send_ts},
                      {"id", m.seq}, {"name", m.type}, {"cat", "message"}});
    events.push_back({{"ph", "X"}, {"pid", to_pid}, {"tid", tid_of(to_lane, messages_kind)}, {"ts", end_ts}, {"dur", 1},
                      {"name", end_name}, {"cat", "message"},
                      {"args", {{"from", m.from}, {"reason", m.drop_reason}}}});
    events.push_back({{"ph", "f"}, {"bp", "e"}, {"pid", to_pid}, {"tid", tid_of(to_lane, messages_kind)}, {"ts", end_ts},
                      {"id", m.seq}, {"name", m.type}, {"cat", "message"}});
  }
  for (const Fault& f : t.faults) {
    events.push_back({{"ph", "i"}, {"s", "g"}, {"pid", world_pid}, {"tid", 0}, {"ts", f.t_us}, {"name", "fault " + f.name},
                      {"cat", "fault"}, {"args", {{"detail", f.detail}}}});
  }
  for (const ControllerEpoch& c : t.controller_epochs) {
    events.push_back({{"ph", "X"}, {"pid", world_pid}, {"tid", 1}, {"ts", c.from_us}, {"dur", std::max<std::int64_t>(0, c.to_us - c.from_us)},
                      {"name", fmt::format("controller epoch {}: node {}", c.epoch, c.node)}, {"cat", "controller"}});
  }
  events.push_back({{"ph", "M"}, {"pid", world_pid}, {"tid", 1}, {"name", "thread_name"}, {"args", {{"name", "active controller"}}}});
  for (std::size_t b = 0; b < t.throughput.size(); ++b) {
    const ThroughputBucket& tb = t.throughput[b];
    events.push_back({{"ph", "C"}, {"pid", world_pid}, {"ts", static_cast<std::int64_t>(b) * t.bucket_us}, {"name", "records"},
                      {"args", {{"acknowledged", tb.acked_records}, {"consumed", tb.consumed_records}}}});
  }
  json root = {{"traceEvents", events},
               {"displayTimeUnit", "ms"},
               {"otherData", {{"scenario", t.run.scenario}, {"seed", t.run.seed}, {"generator", "kraftsim report"}}}};
  KS_ASSERT(root["traceEvents"].is_array());
  return root.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace kraftsim::reports

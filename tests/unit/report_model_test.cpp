// The reports' timeline model on hand-made traces: messages matched to deliveries and drops
// (a node-down drop has no msg id: the oldest message in flight on that link), KRaft RPCs on
// controller lanes, state bands closed by crashes, fault periods, lost acknowledged records, and
// the window that keeps messages one by one while counting the rest; Mermaid's size limit.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "reports/mermaid.h"
#include "reports/model.h"
#include "reports/perfetto.h"

namespace {

using kraftsim::trace::Event;
using kraftsim::trace::Field;
using kraftsim::trace::Kind;

struct TraceBuilder {
  std::vector<Event> events;
  void add(std::int64_t t_us, std::int32_t node, Kind kind, std::string name, std::vector<Field> fields = {}) {
    events.push_back(Event{events.size(), t_us, node, kind, std::move(name), std::move(fields)});
  }
};

// Two combined nodes and a producer.
TraceBuilder cluster() {
  TraceBuilder b;
  b.add(0, -1, Kind::run, "run-started", {{"scenario", "unit"}, {"seed", 1}, {"duration_ms", 10}, {"cluster_id", "c"}});
  b.add(0, -1, Kind::run, "run-node", {{"node_id", 1}, {"roles", "broker,controller"}, {"formatted", true}});
  b.add(0, -1, Kind::run, "run-node", {{"node_id", 2}, {"roles", "broker,controller"}, {"formatted", true}});
  b.add(0, -1, Kind::run, "run-client", {{"node_id", 1001}, {"client", "producer"}, {"topic", "t"}, {"acks", "1"},
                                         {"compression", "lz4"}, {"idempotent", false}});
  return b;
}

const kraftsim::reports::Lane& lane(const kraftsim::reports::Timeline& t, int index) {
  REQUIRE(index >= 0);
  return t.lanes[static_cast<std::size_t>(index)];
}

}  // namespace

TEST_CASE("report model: lanes per role and client, KRaft RPCs between controller lanes, drops matched", "[report]") {
  TraceBuilder b = cluster();
  b.add(100, 1, Kind::send, "Vote", {{"msg", 1}, {"to", 2}, {"bytes", 10}, {"epoch", 1}});
  b.add(200, 2, Kind::deliver, "Vote", {{"msg", 1}, {"from", 1}});
  b.add(300, 1001, Kind::send, "Produce", {{"msg", 2}, {"to", 1}, {"bytes", 500}, {"topic", "t"}, {"records", 5}});
  b.add(310, 2, Kind::send, "Fetch", {{"msg", 3}, {"to", 1}, {"bytes", 20}, {"epoch", 1}});  // the quorum's Fetch: no topic
  b.add(320, 2, Kind::send, "Fetch", {{"msg", 4}, {"to", 1}, {"bytes", 20}, {"topic", "t"}});
  b.add(330, 2, Kind::send, "BrokerHeartbeat", {{"msg", 5}, {"to", 1}, {"bytes", 20}});
  b.add(400, 1, Kind::drop, "drop", {{"from", 1001}, {"to", 1}, {"reason", "node-down"}});  // no msg: the oldest in flight
  b.add(500, 1, Kind::drop, "drop", {{"msg", 3}, {"from", 2}, {"to", 1}, {"reason", "crashed"}});
  const auto t = kraftsim::reports::build_timeline(b.events, std::nullopt);
  REQUIRE(t.lanes.size() == 5);
  REQUIRE(t.lane_of(1, "controller") == 0);
  REQUIRE(t.lane_of(1, "broker") == 1);
  REQUIRE(t.lanes[4].id == "c1001");
  REQUIRE(t.lanes[4].role == "producer");
  REQUIRE(t.messages.size() == 5);
  const auto& vote = t.messages[0];
  REQUIRE(vote.end_us == 200);
  REQUIRE(!vote.dropped);
  REQUIRE(lane(t, vote.from_lane).role == "controller");
  REQUIRE(lane(t, vote.to_lane).role == "controller");
  const auto& produce = t.messages[1];
  REQUIRE(produce.dropped);
  REQUIRE(produce.end_us == 400);
  REQUIRE(produce.drop_reason == "node-down");
  REQUIRE(lane(t, produce.to_lane).role == "broker");
  REQUIRE(t.messages[2].dropped);
  REQUIRE(lane(t, t.messages[2].to_lane).role == "controller");
  REQUIRE(lane(t, t.messages[3].to_lane).role == "broker");
  REQUIRE(t.messages[3].end_us == -1);  // never delivered
  REQUIRE(lane(t, t.messages[4].from_lane).role == "broker");
  REQUIRE(lane(t, t.messages[4].to_lane).role == "controller");
  REQUIRE(t.messages_dropped == 2);
  REQUIRE(t.produce_bytes_by_codec.at("lz4") == 500);
  REQUIRE(t.clients[0].figures.produce_requests == 1);
  REQUIRE(t.clients[0].figures.records_in_requests == 5);
}

TEST_CASE("report model: a crash closes the Raft band, opens a crashed band and a fault period until the restart", "[report]") {
  TraceBuilder b = cluster();
  b.add(10, 1, Kind::state, "raft-state", {{"role", "Leader"}, {"epoch", 1}, {"reason", "won election"}});
  b.add(20, 1, Kind::state, "raft-state", {{"role", "Leader"}, {"epoch", 1}, {"reason", "high watermark"}});
  b.add(30, 1, Kind::state, "controller-activated", {{"epoch", 1}});
  b.add(1000, -1, Kind::fault, "crash", {{"target", 1}});
  b.add(1000, 1, Kind::process, "crashed", {{"incarnation", 1}});
  b.add(1500, -1, Kind::fault, "components", {{"groups", "1 | 2,1001"}});
  b.add(2000, -1, Kind::fault, "restart", {{"target", 1}});
  b.add(2000, 1, Kind::process, "started", {{"incarnation", 2}});
  b.add(2500, -1, Kind::fault, "components", {{"groups", "1,2,1001"}});
  b.add(3000, 2, Kind::state, "raft-state", {{"role", "Follower"}, {"epoch", 2}, {"reason", "x"}});
  const auto t = kraftsim::reports::build_timeline(b.events, std::nullopt);
  std::vector<std::string> controller1;
  for (const auto& band : t.bands) {
    if (band.lane == 0) controller1.push_back(fmt::format("{}:{}:{}-{}", band.kind, band.state, band.from_us, band.to_us));
  }
  // One Leader band (the high-watermark update does not split it), ended by the crash.
  REQUIRE(controller1 == std::vector<std::string>{"network:partitioned:1500-2500", "process:crashed:1000-2000",
                                                  "raft:Leader:10-1000"});
  REQUIRE(t.controller_epochs.size() == 1);
  REQUIRE(t.controller_epochs[0].to_us == 1000);
  REQUIRE(t.fault_periods.size() == 1);
  REQUIRE(t.fault_periods[0].from_us == 1000);
  REQUIRE(t.fault_periods[0].to_us == 2500);
  REQUIRE(t.faults.size() == 2);  // components events are topology, not faults
  REQUIRE(t.key_events.front().kind == "raft");
}

TEST_CASE("report model: acknowledged records past the final leader's log end are marked lost", "[report]") {
  TraceBuilder b = cluster();
  b.add(10, 1, Kind::state, "metadata-committed", {{"record", "PartitionRecord"}, {"topic", "t"}, {"partition", 0},
                                                   {"leader", 1}, {"leader_epoch", 0}, {"isr", "1,2"}});
  b.add(20, 1001, Kind::state, "produce-acked", {{"topic", "t"}, {"partition", 0}, {"base_offset", 0}, {"records", 10}, {"acks", "1"}});
  b.add(30, 1001, Kind::state, "produce-acked", {{"topic", "t"}, {"partition", 0}, {"base_offset", 10}, {"records", 5}, {"acks", "1"}});
  b.add(40, 1, Kind::state, "metadata-committed", {{"record", "PartitionChangeRecord"}, {"topic", "t"}, {"partition", 0},
                                                   {"leader", 2}, {"leader_epoch", 1}, {"isr", "2"}});
  b.add(50, 2, Kind::state, "partition-state", {{"topic", "t"}, {"partition", 0}, {"role", "Leader"}, {"leader", 2},
                                                {"leader_epoch", 1}, {"high_watermark", 12}, {"log_end_offset", 12}, {"isr", "2"}});
  const auto t = kraftsim::reports::build_timeline(b.events, std::nullopt);
  REQUIRE(t.partitions.size() == 1);
  const auto& p = t.partitions[0];
  REQUIRE(p.leader_changes.size() == 2);
  REQUIRE(p.leader_changes[1].from_leader == 1);
  REQUIRE(p.leader_changes[1].to_leader == 2);
  REQUIRE(p.final_log_end_offset == 12);
  REQUIRE(p.acked_records_lost == 3);  // offsets 12, 13, 14
  REQUIRE(!p.acked[0].lost);
  REQUIRE(p.acked[1].lost);
}

TEST_CASE("report model: outside the window messages are counted per bucket, inside they are kept", "[report]") {
  TraceBuilder b = cluster();
  for (std::int64_t i = 0; i < 100; ++i) {
    b.add(i * 1000, 1, Kind::send, "Vote", {{"msg", i}, {"to", 2}, {"bytes", 10}});
    b.add(i * 1000 + 500, 2, Kind::deliver, "Vote", {{"msg", i}, {"from", 1}});
  }
  const auto t = kraftsim::reports::build_timeline(b.events, kraftsim::reports::Window{40'000, 60'000});
  REQUIRE(t.messages.size() == 20);
  std::int64_t counted = 0;
  for (const auto& c : t.message_counts) counted += c.count;
  REQUIRE(counted == 80);
  REQUIRE(t.messages_total == 100);
  REQUIRE(t.messages_by_type.at("Vote") == 100);
}

TEST_CASE("report mermaid: a diagram too long even with control RPCs only is cut under the limit and says so", "[report]") {
  TraceBuilder b = cluster();
  for (std::int64_t i = 0; i < 3000; ++i) {
    b.add(i * 10, 1, Kind::send, "Vote", {{"msg", i}, {"to", 2}, {"bytes", 10}, {"epoch", i}});
    b.add(i * 10 + 5, 2, Kind::deliver, "Vote", {{"msg", i}, {"from", 1}});
  }
  const auto t = kraftsim::reports::build_timeline(b.events, std::nullopt);
  const std::string mmd = kraftsim::reports::render_sequence_mermaid(t);
  REQUIRE(mmd.rfind("sequenceDiagram\n", 0) == 0);
  REQUIRE(mmd.size() <= kraftsim::reports::mermaid_chars_max);
  REQUIRE(mmd.find("cut here to stay under Mermaid's 50,000-character limit") != std::string::npos);
  REQUIRE(mmd.find("coarser: only control-plane RPCs") != std::string::npos);
}

TEST_CASE("report perfetto: messages at the same instant on one lane do not overlap", "[report]") {
  TraceBuilder b = cluster();
  for (std::int64_t i = 0; i < 5; ++i) b.add(100, 1, Kind::send, "Vote", {{"msg", i}, {"to", 2}, {"bytes", 10}});
  for (std::int64_t i = 0; i < 5; ++i) b.add(200, 2, Kind::deliver, "Vote", {{"msg", i}, {"from", 1}});
  const auto t = kraftsim::reports::build_timeline(b.events, std::nullopt);
  const auto j = nlohmann::json::parse(kraftsim::reports::render_perfetto(t));
  std::map<std::pair<int, int>, std::vector<std::int64_t>> starts;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X" && e["cat"] == "message") starts[{e["pid"].get<int>(), e["tid"].get<int>()}].push_back(e["ts"].get<std::int64_t>());
  }
  REQUIRE(starts.size() == 2);
  for (auto& [track, ts] : starts) {
    REQUIRE(ts.size() == 5);
    std::sort(ts.begin(), ts.end());
    for (std::size_t i = 1; i < ts.size(); ++i) REQUIRE(ts[i] >= ts[i - 1] + 1);  // 1 us slices, back to back
  }
}

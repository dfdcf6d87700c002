// Builds the timeline model from a run's trace events (see model.h). One pass over the events in
// trace order, with small per-entity state (open bands, messages in flight); then a finishing
// step closes what is still open at the run's end and derives fault periods and lost records.
#include "reports/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/assert.h"
#include "reports/escape.h"

namespace kraftsim::reports {

namespace {

constexpr std::int64_t default_window_before_fault_us = 5'000'000;
constexpr std::int64_t default_window_after_fault_us = 25'000'000;
constexpr std::size_t summary_fields_max = 5;
constexpr std::size_t summary_value_chars_max = 40;

std::string value_text(const trace::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

// "k=v k=v" of an event's fields, skipping the ones the envelope or the arrow already shows.
std::string summarize(const trace::Event& e, std::size_t fields_max) {
  std::string out;
  std::size_t n = 0;
  for (const trace::Field& f : e.fields) {
    if (f.key == "msg" || f.key == "to" || f.key == "from" || f.key == "bytes" || f.key == "correlation") continue;
    if (n++ == fields_max) break;
    const std::string v = truncate_utf8(value_text(f.value), summary_value_chars_max);
    if (!out.empty()) out += ' ';
    out += f.key + '=' + v;
  }
  return out;
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Which role of a combined node a message belongs to: the KRaft quorum's RPCs (KIP-595; the
// quorum's Fetch has no topic) run between controllers; the broker-to-controller RPCs go from a
// broker to the active controller; everything else is broker (or client) traffic.
std::pair<std::string, std::string> message_roles(const trace::Event& send) {
  const bool response = ends_with(send.name, "Response");
  const std::string base = response ? send.name.substr(0, send.name.size() - 8) : send.name;
  if (base == "Vote" || base == "BeginQuorumEpoch" || base == "EndQuorumEpoch" || base == "FetchSnapshot" ||
      base == "DescribeQuorum" || (base == "Fetch" && send.find("topic") == nullptr)) {
    return {"controller", "controller"};
  }
  if (base == "BrokerRegistration" || base == "BrokerHeartbeat" || base == "AlterPartition" ||
      base == "AllocateProducerIds" || base == "CreateTopics" || base == "UnregisterBroker") {
    return response ? std::make_pair(std::string("controller"), std::string("broker"))
                    : std::make_pair(std::string("broker"), std::string("controller"));
  }
  return {"broker", "broker"};
}

std::vector<std::int32_t> parse_ids(const std::string& text) {
  std::vector<std::int32_t> out;
  std::int64_t current = 0;
  bool in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      current = current * 10 + (c - '0');
      in_number = true;
      if (current > 1'000'000'000) return out;  // not a node id list
    } else {
      if (in_number) out.push_back(static_cast<std::int32_t>(current));
      current = 0;
      in_number = false;
    }
  }
  if (in_number) out.push_back(static_cast<std::int32_t>(current));
  return out;
}

// Splits "1 | 2,3" into groups.
std::vector<std::vector<std::int32_t>> parse_groups(const std::string& text) {
  std::vector<std::vector<std::int32_t>> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t bar = text.find('|', start);
    if (bar == std::string::npos) bar = text.size();
    auto ids = parse_ids(text.substr(start, bar - start));
    if (!ids.empty()) out.push_back(std::move(ids));
    start = bar + 1;
  }
  return out;
}

class Builder {
 public:
  Builder(const std::vector<trace::Event>& events, std::optional<Window> window) : events_(events) {
    t_.window_given = window.has_value();
    if (window) t_.window = *window;
  }

  Timeline build() {
    scan_run_description();
    make_lanes();
    choose_window();
    t_.throughput.assign(time_buckets, ThroughputBucket{});
    for (const trace::Event& e : events_) on_event(e);
    finish();
    return std::move(t_);
  }

 private:
  // ------------------------------------------------------------ what the run is

  void scan_run_description() {
    std::set<std::int32_t> node_ids;
    std::map<std::int32_t, std::string> started_roles;  // node-started (traces without run-node)
    std::map<std::int32_t, std::string> inferred_clients;
    for (const trace::Event& e : events_) {
      t_.run.end_us = std::max(t_.run.end_us, e.t_us);
      ++t_.events_total;
      if (e.kind == trace::Kind::run) {
        if (e.name == "run-started") {
          t_.run.scenario = e.string_or("scenario", "");
          t_.run.description = e.string_or("description", "");
          t_.run.program = e.string_or("program", "");
          t_.run.cluster_id = e.string_or("cluster_id", "");
          t_.run.seed = e.int_or("seed", 0);
          t_.run.duration_ms = e.int_or("duration_ms", 0);
        } else if (e.name == "run-node") {
          NodeInfo n;
          n.node = static_cast<std::int32_t>(e.int_or("node_id", 0));
          n.roles = e.string_or("roles", "");
          if (node_ids.insert(n.node).second) t_.nodes.push_back(n);
        } else if (e.name == "run-client") {
          ClientInfo c;
          c.node = static_cast<std::int32_t>(e.int_or("node_id", 0));
          c.kind = e.string_or("client", "client");
          c.topic = e.string_or("topic", "");
          c.group = e.string_or("group", "");
          c.acks = e.string_or("acks", "");
          c.compression = e.string_or("compression", "");
          const trace::Value* idem = e.find("idempotent");
          c.idempotent = idem != nullptr && std::holds_alternative<bool>(*idem) && std::get<bool>(*idem);
          c.figures.linger_ms = e.int_or("linger_ms", -1);
          c.figures.batch_size = e.int_or("batch_size", -1);
          t_.clients.push_back(c);
        } else if (e.name == "run-topic") {
          t_.topics.push_back(TopicInfo{e.string_or("topic", ""), e.int_or("partitions", 0),
                                        e.int_or("replication_factor", 0), e.string_or("config", "")});
        } else if (e.name == "run-config") {
          t_.config[e.string_or("key", "")] = e.string_or("value", "");
        } else if (e.name == "run-stats") {
          for (const trace::Field& f : e.fields) {
            if (const auto* i = std::get_if<std::int64_t>(&f.value)) t_.stats[f.key] = *i;
          }
        } else if (e.name == "run-ended") {
          t_.run.ended = true;
          const trace::Value* p = e.find("passed");
          t_.run.passed = p != nullptr && std::holds_alternative<bool>(*p) && std::get<bool>(*p);
          t_.run.stop = e.string_or("stop", "");
        }
      } else if (e.kind == trace::Kind::state && e.node >= 0) {
        if (e.name == "node-started") started_roles[e.node] = e.string_or("roles", "");
        if (e.name == "history" && e.string_or("f", "") == "send") inferred_clients.emplace(e.node, "producer");
        if (e.name == "consumed" || e.name == "consumer-position") inferred_clients.emplace(e.node, "consumer");
        if (e.name == "create-topic-result") inferred_clients.emplace(e.node, "admin");
      }
    }
    // A trace written before run-node existed: the nodes' own start events name their roles.
    for (const auto& [node, roles] : started_roles) {
      if (node_ids.insert(node).second) t_.nodes.push_back(NodeInfo{node, roles, false, false});
    }
    if (t_.clients.empty()) {
      for (const auto& [node, kind] : inferred_clients) {
        if (node_ids.count(node) == 0) t_.clients.push_back(ClientInfo{node, kind, "", "", "", "", false, ProducerFigures{}});
      }
    }
    for (NodeInfo& n : t_.nodes) {
      n.broker = n.roles.find("broker") != std::string::npos;
      n.controller = n.roles.find("controller") != std::string::npos;
      if (!n.broker && !n.controller) n.broker = true;  // the kernel demo's programs: one lane
    }
    std::sort(t_.nodes.begin(), t_.nodes.end(), [](const NodeInfo& a, const NodeInfo& b) { return a.node < b.node; });
    std::sort(t_.clients.begin(), t_.clients.end(), [](const ClientInfo& a, const ClientInfo& b) { return a.node < b.node; });
  }

  void make_lanes() {
    for (const NodeInfo& n : t_.nodes) {
      if (n.controller) add_lane(n.node, "controller", fmt::format("node {} controller", n.node));
      if (n.broker) add_lane(n.node, "broker", fmt::format("node {} broker", n.node));
    }
    for (const ClientInfo& c : t_.clients) add_lane(c.node, c.kind, fmt::format("{} {}", c.kind, c.node));
  }

  void add_lane(std::int32_t node, const std::string& role, std::string label) {
    const bool client = role != "controller" && role != "broker";
    Lane lane{client ? fmt::format("c{}", node) : fmt::format("n{}-{}", node, role), node, role, std::move(label)};
    lane_index_[{node, role}] = t_.lanes.size();
    lanes_of_node_[node].push_back(t_.lanes.size());
    t_.lanes.push_back(std::move(lane));
  }

  void choose_window() {
    const std::int64_t end = t_.run.end_us + 1;
    t_.bucket_us = std::max<std::int64_t>(1, (end + static_cast<std::int64_t>(time_buckets) - 1) /
                                                 static_cast<std::int64_t>(time_buckets));
    if (t_.window_given) return;
    std::int64_t sends = 0;
    std::int64_t first_fault_us = -1;
    for (const trace::Event& e : events_) {
      if (e.kind == trace::Kind::send) ++sends;
      if (e.kind == trace::Kind::fault && first_fault_us < 0 && e.name != "components") first_fault_us = e.t_us;
    }
    if (sends <= static_cast<std::int64_t>(messages_in_window_max)) {
      t_.window = Window{0, end};
    } else if (first_fault_us >= 0) {
      t_.window = Window{std::max<std::int64_t>(0, first_fault_us - default_window_before_fault_us),
                         first_fault_us + default_window_after_fault_us};
    } else {
      t_.window = Window{0, default_window_after_fault_us};
    }
  }

  std::size_t bucket_of(std::int64_t t_us) const {
    const auto b = static_cast<std::size_t>(std::max<std::int64_t>(0, t_us) / t_.bucket_us);
    return std::min(b, time_buckets - 1);
  }

  // ------------------------------------------------------------ bands

  void open_band(std::size_t lane, const std::string& kind, const std::string& state, std::int64_t t_us,
                 std::int64_t epoch) {
    close_band(lane, kind, t_us);
    open_[{lane, kind}] = t_.bands.size();
    t_.bands.push_back(Band{lane, kind, state, t_us, -1, epoch});
  }

  void close_band(std::size_t lane, const std::string& kind, std::int64_t t_us) {
    auto it = open_.find({lane, kind});
    if (it == open_.end()) return;
    Band& b = t_.bands[it->second];
    b.to_us = t_us;
    KS_ASSERT(b.to_us >= b.from_us);
    open_.erase(it);
  }

  const Band* open_band_of(std::size_t lane, const std::string& kind) const {
    auto it = open_.find({lane, kind});
    return it == open_.end() ? nullptr : &t_.bands[it->second];
  }

  void on_node_lanes(std::int32_t node, const std::function<void(std::size_t)>& f) {
    auto it = lanes_of_node_.find(node);
    if (it == lanes_of_node_.end()) return;
    for (std::size_t lane : it->second) f(lane);
  }

  // ------------------------------------------------------------ events

  void key(const trace::Event& e, std::string kind, std::int32_t node, std::string text) {
    if (t_.key_events.size() >= key_events_max) return;
    t_.key_events.push_back(KeyEvent{e.t_us, e.seq, std::move(kind), node, std::move(text)});
  }

  void on_event(const trace::Event& e) {
    switch (e.kind) {
      case trace::Kind::send: on_send(e); break;
      case trace::Kind::deliver: on_deliver(e); break;
      case trace::Kind::drop: on_drop(e); break;
      case trace::Kind::fault: on_fault(e); break;
      case trace::Kind::process: on_process(e); break;
      case trace::Kind::state: on_state(e); break;
      case trace::Kind::check: on_check(e); break;
      default: break;
    }
  }

  void on_send(const trace::Event& e) {
    const std::int64_t msg = e.int_or("msg", -1);
    const auto to = static_cast<std::int32_t>(e.int_or("to", -1));
    const std::int64_t bytes = e.int_or("bytes", 0);
    ++t_.messages_total;
    ++t_.messages_by_type[e.name];
    if (e.name == "Produce") {
      ClientInfo* c = client_mut(e.node);
      const std::string codec = c != nullptr && !c->compression.empty() ? c->compression : "unknown";
      t_.produce_bytes_by_codec[codec] += bytes;
      if (c != nullptr) {
        ++c->figures.produce_requests;
        c->figures.produce_bytes += bytes;
        c->figures.records_in_requests += e.int_or("records", 0);
      }
    }
    // The first time a pair of nodes answers an RPC with an error: what was refused, and why.
    const std::string error = e.string_or("error", "NONE");
    if (error != "NONE" && !error.empty() && error_seen_.insert({e.name, error, e.node, to}).second) {
      key(e, "rpc-error", e.node, fmt::format("{} answers {} of {} with {}", t_.node_label(e.node), e.name, t_.node_label(to), error));
    }
    const auto [from_role, to_role] = message_roles(e);
    const int from_lane = lane_for(e.node, from_role);
    const int to_lane = lane_for(to, to_role);
    if (t_.window.contains(e.t_us) && t_.messages.size() < messages_in_window_max) {
      in_window_[msg] = t_.messages.size();
      in_flight_[{e.node, to}].push_back(msg);
      t_.messages.push_back(Message{e.seq, e.t_us, -1, e.node, to, from_lane, to_lane, e.name, bytes, false, "",
                                    summarize(e, summary_fields_max)});
      return;
    }
    if (t_.window.contains(e.t_us)) t_.messages_truncated = true;
    const auto k = std::make_tuple(bucket_of(e.t_us), e.node, to, e.name);
    auto [it, inserted] = count_index_.try_emplace(k, t_.message_counts.size());
    if (inserted) t_.message_counts.push_back(MessageCount{std::get<0>(k), e.node, to, from_lane, to_lane, e.name, 0, 0, 0});
    MessageCount& c = t_.message_counts[it->second];
    ++c.count;
    c.bytes += bytes;
    if (msg >= 0) counted_[msg] = it->second;
  }

  int lane_for(std::int32_t node, const std::string& role) const {
    auto it = lane_index_.find({node, role});
    if (it != lane_index_.end()) return static_cast<int>(it->second);
    return t_.default_lane(node);
  }

  ClientInfo* client_mut(std::int32_t node) {
    for (ClientInfo& c : t_.clients) {
      if (c.node == node) return &c;
    }
    return nullptr;
  }

  void forget_in_flight(std::int32_t from, std::int32_t to, std::int64_t msg) {
    auto it = in_flight_.find({from, to});
    if (it == in_flight_.end()) return;
    auto& q = it->second;
    auto pos = std::find(q.begin(), q.end(), msg);
    if (pos != q.end()) q.erase(pos);
  }

  void on_deliver(const trace::Event& e) {
    const std::int64_t msg = e.int_or("msg", -1);
    auto it = in_window_.find(msg);
    if (it != in_window_.end()) {
      Message& m = t_.messages[it->second];
      m.end_us = e.t_us;
      forget_in_flight(m.from, m.to, msg);
      in_window_.erase(it);
    }
    counted_.erase(msg);
  }

  void on_drop(const trace::Event& e) {
    ++t_.messages_dropped;
    std::int64_t msg = e.int_or("msg", -1);
    const auto from = static_cast<std::int32_t>(e.int_or("from", -1));
    const auto to = static_cast<std::int32_t>(e.int_or("to", -1));
    if (msg < 0) {
      // node-down drops carry no msg id; links are FIFO, so it is the oldest one in flight.
      auto q = in_flight_.find({from, to});
      if (q != in_flight_.end() && !q->second.empty()) msg = q->second.front();
    }
    auto it = in_window_.find(msg);
    if (it != in_window_.end()) {
      Message& m = t_.messages[it->second];
      m.end_us = e.t_us;
      m.dropped = true;
      m.drop_reason = e.string_or("reason", "");
      forget_in_flight(m.from, m.to, msg);
      in_window_.erase(it);
      return;
    }
    auto c = counted_.find(msg);
    if (c != counted_.end()) {
      ++t_.message_counts[c->second].dropped;
      counted_.erase(c);
    }
  }

  void on_fault(const trace::Event& e) {
    if (e.name == "components") {
      on_components(e);
      return;
    }
    std::string detail;
    std::vector<std::int32_t> nodes;
    for (const trace::Field& f : e.fields) {
      if (!detail.empty()) detail += ' ';
      detail += f.key + '=' + value_text(f.value);
      if (f.key == "target" || f.key == "from" || f.key == "to") {
        if (const auto* i = std::get_if<std::int64_t>(&f.value)) nodes.push_back(static_cast<std::int32_t>(*i));
      }
    }
    t_.faults.push_back(Fault{e.seq, e.t_us, e.name, detail, nodes});
    std::string text = fmt::format("fault: {}", e.name);
    if (e.name == "skipped") {
      text = fmt::format("fault skipped: {} ({})", e.string_or("fault", ""), e.string_or("why", ""));
    } else if (!nodes.empty() && e.find("target") != nullptr) {
      text = fmt::format("fault: {} node {}", e.name, nodes.front());
    } else if (!detail.empty()) {
      text = fmt::format("fault: {} {}", e.name, detail);
    }
    key(e, "fault", nodes.empty() ? trace::world_node : nodes.front(), text);
  }

  void on_components(const trace::Event& e) {
    const auto groups = parse_groups(e.string_or("groups", ""));
    std::size_t largest = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (groups[i].size() > groups[largest].size()) largest = i;
    }
    std::set<std::int32_t> cut;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (i == largest) continue;
      cut.insert(groups[i].begin(), groups[i].end());
    }
    for (const auto& [node, lanes] : lanes_of_node_) {
      for (std::size_t lane : lanes) {
        const bool was = open_band_of(lane, "network") != nullptr;
        if (cut.count(node) != 0 && !was) open_band(lane, "network", "partitioned", e.t_us, -1);
        if (cut.count(node) == 0 && was) close_band(lane, "network", e.t_us);
      }
    }
  }

  void on_process(const trace::Event& e) {
    const std::int32_t node = e.node;
    if (e.name == "crashed" || e.name == "power-lost" || e.name == "paused") {
      on_node_lanes(node, [&](std::size_t lane) {
        if (e.name != "paused") {
          close_band(lane, "raft", e.t_us);
          close_band(lane, "broker", e.t_us);
        }
        open_band(lane, "process", e.name, e.t_us, -1);
      });
      if (e.name != "paused") close_controller_epoch_of(node, e.t_us);
      key(e, "process", node, fmt::format("{} {}", t_.node_label(node), e.name == "paused" ? "paused (like a long GC pause)" : e.name));
    } else if (e.name == "started" || e.name == "resumed") {
      const bool restart = e.name == "started" && e.int_or("incarnation", 1) > 1;
      on_node_lanes(node, [&](std::size_t lane) { close_band(lane, "process", e.t_us); });
      if (restart || e.name == "resumed") key(e, "process", node, fmt::format("{} {}", t_.node_label(node), restart ? "restarted" : "resumed"));
    }
  }

  void close_controller_epoch_of(std::int32_t node, std::int64_t t_us) {
    if (!t_.controller_epochs.empty() && t_.controller_epochs.back().node == node && t_.controller_epochs.back().to_us < 0) {
      t_.controller_epochs.back().to_us = t_us;
    }
  }

  PartitionTimeline& partition(const std::string& topic, std::int64_t index) {
    auto k = std::make_pair(topic, index);
    auto it = partition_index_.find(k);
    if (it == partition_index_.end()) {
      it = partition_index_.emplace(k, t_.partitions.size()).first;
      PartitionTimeline p;
      p.topic = topic;
      p.partition = static_cast<std::int32_t>(index);
      t_.partitions.push_back(std::move(p));
    }
    return t_.partitions[it->second];
  }

  void on_state(const trace::Event& e) {
    const std::string& n = e.name;
    if (n == "raft-state") {
      on_raft_state(e);
    } else if (n == "controller-activated") {
      if (!t_.controller_epochs.empty() && t_.controller_epochs.back().to_us < 0) t_.controller_epochs.back().to_us = e.t_us;
      t_.controller_epochs.push_back(ControllerEpoch{e.int_or("epoch", 0), e.node, e.t_us, -1});
      key(e, "controller", e.node,
          fmt::format("node {} became the active controller (KRaft leader of epoch {})", e.node, e.int_or("epoch", 0)));
    } else if (n == "controller-deactivated") {
      close_controller_epoch_of(e.node, e.t_us);
    } else if (n == "broker-lifecycle") {
      const int lane = t_.lane_of(e.node, "broker");
      if (lane >= 0) open_band(static_cast<std::size_t>(lane), "broker", e.string_or("state", ""), e.t_us, e.int_or("broker_epoch", -1));
    } else if (n == "metadata-committed") {
      on_metadata(e);
    } else if (n == "partition-state") {
      on_partition_state(e);
    } else if (n == "partition-log") {
      on_partition_log(e);
    } else if (n == "produce-acked") {
      on_acked(e);
    } else if (n == "history") {
      on_history(e);
    } else if (n == "consumed") {
      t_.throughput[bucket_of(e.t_us)].consumed_records += e.int_or("records", 0);
    } else if (n == "produce-error") {
      const std::string error = e.string_or("error", "");
      auto& last = last_produce_error_[e.node];
      if (last.first != error || e.t_us - last.second > 1'000'000) {
        key(e, "produce", e.node, fmt::format("producer {}: {} on {}-{} (retrying)", e.node, error, e.string_or("topic", ""), e.int_or("partition", 0)));
      }
      last = {error, e.t_us};
    } else if (n == "produce-failed") {
      key(e, "produce", e.node, fmt::format("producer {}: {} records failed: {}", e.node, e.int_or("records", 0), e.string_or("error", "")));
    } else if (n == "group-generation") {
      key(e, "group", e.node, fmt::format("group {} generation {}: {} members, assignor {}", e.string_or("group", ""),
                                          e.int_or("generation", 0), e.int_or("members", 0), e.string_or("reason", "")));
    } else if (n == "group-rebalance") {
      key(e, "group", e.node, fmt::format("group {} rebalances (generation {} ends): {}", e.string_or("group", ""),
                                          e.int_or("generation", 0), e.string_or("reason", "")));
    } else if (n == "group-member-removed") {
      key(e, "group", e.node, fmt::format("group {}: member {} removed: {}", e.string_or("group", ""), e.string_or("member", ""),
                                          e.string_or("reason", "")));
    } else if (n == "group-joined") {
      key(e, "group", e.node, fmt::format("consumer {} joined {} generation {}, owns [{}]", e.node, e.string_or("group", ""),
                                          e.int_or("generation", 0), e.string_or("partitions", "")));
    } else if (n == "node-started" && !t_.run.cluster_id.empty() && e.string_or("cluster_id", "") != t_.run.cluster_id) {
      key(e, "error", e.node, fmt::format("node {} started with cluster.id {} in its meta.properties, but the cluster's is {}",
                                          e.node, e.string_or("cluster_id", ""), t_.run.cluster_id));
    } else if (n == "create-topic-result" && e.string_or("error", "NONE") != "NONE") {
      key(e, "error", e.node, fmt::format("CreateTopics {} refused: {} ({})", e.string_or("topic", ""), e.string_or("error", ""),
                                          e.string_or("message", "")));
    } else if (n == "partition-log-opened" && e.int_or("truncated_bytes", 0) > 0) {
      // Log recovery after an unclean shutdown checks each batch's CRC and cuts at the first bad one.
      key(e, "truncate", e.node,
          fmt::format("node {} recovered {}-{} from disk: {} segment(s) scanned, {} bytes cut at the first bad batch, log end "
                      "offset now {}",
                      e.node, e.string_or("topic", ""), e.int_or("partition", 0), e.int_or("segments_recovered", 0),
                      e.int_or("truncated_bytes", 0), e.int_or("log_end_offset", 0)));
    } else if (n == "segment-rolled") {
      // One line per replica's first roll (the rest are counted): rolls are frequent.
      ++t_.segments_rolled;
      if (first_roll_.insert({e.node, std::string(e.string_or("topic", "")), e.int_or("partition", 0)}).second) {
        key(e, "log", e.node,
            fmt::format("node {} rolled {}-{}: new segment {:020}.log (reason {}; the previous segment holds {} bytes)", e.node,
                        e.string_or("topic", ""), e.int_or("partition", 0), e.int_or("base_offset", 0),
                        e.string_or("reason", ""), e.int_or("size_bytes", 0)));
      }
    } else if (n == "segment-deleted") {
      ++t_.segments_deleted;
    } else if (n == "partition-retention") {
      key(e, "log", e.node,
          fmt::format("node {} deleted {} old segment(s) of {}-{} by retention; log start offset now {}", e.node,
                      e.int_or("segments_deleted", 0), e.string_or("topic", ""), e.int_or("partition", 0),
                      e.int_or("log_start_offset", 0)));
    } else if (n == "consumer-offset-out-of-range") {
      key(e, "log", e.node,
          fmt::format("consumer {}: offset {} of {}-{} is out of range (the log now starts at {}): OFFSET_OUT_OF_RANGE, "
                      "the consumer resets by auto.offset.reset",
                      e.node, e.int_or("offset", 0), e.string_or("topic", ""), e.int_or("partition", 0),
                      e.int_or("log_start_offset", 0)));
    } else if (n == "startup-failed") {
      key(e, "error", e.node, fmt::format("node {} refused to start: {}", e.node, e.string_or("reason", "")));
    } else if (n == "partition-offline" || n == "consumer-corrupt") {
      key(e, "error", e.node, fmt::format("{} {}: {}", t_.node_label(e.node), n, summarize(e, 4)));
    } else if (n == "raft-truncated") {
      key(e, "truncate", e.node, fmt::format("node {} truncated its metadata log at offset {}", e.node, e.int_or("offset", 0)));
    }
  }

  void on_raft_state(const trace::Event& e) {
    const int lane = t_.lane_of(e.node, "controller");
    if (lane < 0) return;  // a broker-only node observes the quorum; it has no controller lane
    const std::string role = e.string_or("role", "");
    const std::int64_t epoch = e.int_or("epoch", 0);
    const Band* open = open_band_of(static_cast<std::size_t>(lane), "raft");
    if (open != nullptr && open->state == role && open->epoch == epoch) return;  // a high watermark update
    open_band(static_cast<std::size_t>(lane), "raft", role, e.t_us, epoch);
    if (role == "Leader" || role == "Candidate" || role == "Resigned") {
      key(e, "raft", e.node, fmt::format("node {} is {} of the metadata quorum, epoch {} ({})", e.node, role, epoch,
                                         e.string_or("reason", "")));
    }
  }

  void on_metadata(const trace::Event& e) {
    const std::string record = e.string_or("record", "");
    if (record == "FenceBrokerRecord") {
      key(e, "fenced", static_cast<std::int32_t>(e.int_or("broker", -1)),
          fmt::format("the controller fenced broker {}", e.int_or("broker", -1)));
    } else if (record == "UnfenceBrokerRecord") {
      key(e, "unfenced", static_cast<std::int32_t>(e.int_or("broker", -1)),
          fmt::format("the controller unfenced broker {}", e.int_or("broker", -1)));
    } else if (record == "PartitionRecord" || record == "PartitionChangeRecord") {
      PartitionTimeline& p = partition(e.string_or("topic", ""), e.int_or("partition", 0));
      auto known = partition_leader_.find({p.topic, p.partition});
      const std::int32_t old_leader = known == partition_leader_.end() ? -1 : known->second.first;
      const std::int64_t old_epoch = known == partition_leader_.end() ? -1 : known->second.second;
      const auto leader = static_cast<std::int32_t>(e.int_or("leader", old_leader));
      const std::int64_t epoch = e.int_or("leader_epoch", old_epoch);
      const std::string isr = e.string_or("isr", "");
      if (e.find("isr") != nullptr && record == "PartitionChangeRecord") ++p.isr_changes;
      // Internal topics (__consumer_offsets) change with every broker fault; they get a kind
      // of their own so the user's partitions stand out.
      const bool internal = p.topic.rfind("__", 0) == 0;
      if (record == "PartitionRecord" || leader != old_leader || epoch != old_epoch) {
        p.leader_changes.push_back(LeaderChange{e.t_us, e.seq, old_leader, leader, old_epoch, epoch, isr});
        partition_leader_[{p.topic, p.partition}] = {leader, epoch};
        if (record == "PartitionRecord") {
          key(e, internal ? "internal" : "leader", leader, fmt::format("{} created: leader {}, leader epoch {}, ISR {}", p.name(), leader, epoch, isr));
        } else {
          key(e, internal ? "internal" : "leader", leader,
              fmt::format("{}: leader moved from {} to {}, leader epoch {} to {}{}", p.name(), old_leader < 0 ? std::string("none") : std::to_string(old_leader),
                          leader < 0 ? std::string("none") : std::to_string(leader), old_epoch, epoch,
                          isr.empty() ? std::string() : ", ISR " + isr));
        }
      } else if (!isr.empty()) {
        key(e, internal ? "internal" : "isr", leader, fmt::format("{}: ISR is now {} (partition epoch {})", p.name(), isr, e.int_or("partition_epoch", 0)));
      }
    }
  }

  void on_partition_state(const trace::Event& e) {
    PartitionTimeline& p = partition(e.string_or("topic", ""), e.int_or("partition", 0));
    if (std::find(p.replicas.begin(), p.replicas.end(), e.node) == p.replicas.end()) {
      p.replicas.push_back(e.node);
      std::sort(p.replicas.begin(), p.replicas.end());
    }
    ReplicaSample s{e.t_us, e.node, e.string_or("role", ""), static_cast<std::int32_t>(e.int_or("leader", -1)),
                    e.int_or("leader_epoch", -1), e.int_or("high_watermark", 0), e.int_or("log_end_offset", 0),
                    e.string_or("isr", "")};
    auto k = std::make_tuple(p.topic, static_cast<std::int64_t>(p.partition), e.node);
    auto last = last_sample_.find(k);
    if (last != last_sample_.end()) {
      ReplicaSample& prev = p.samples[last->second];
      const bool structural = prev.role != s.role || prev.leader != s.leader || prev.leader_epoch != s.leader_epoch ||
                              (s.role == "Leader" && prev.isr != s.isr) || s.log_end_offset < prev.log_end_offset;
      const bool same_bucket = bucket_of(prev.t_us) == bucket_of(s.t_us);
      const bool crowded = p.samples.size() >= samples_per_replica_max * std::max<std::size_t>(1, p.replicas.size());
      if (!structural && ((same_bucket && !t_.window.contains(s.t_us)) || crowded)) {
        prev = s;  // keep the bucket's last state only
        return;
      }
    }
    last_sample_[k] = p.samples.size();
    p.samples.push_back(std::move(s));
  }

  void on_partition_log(const trace::Event& e) {
    PartitionTimeline& p = partition(e.string_or("topic", ""), e.int_or("partition", 0));
    LogChange c{e.t_us, e.seq, e.node, e.string_or("change", ""), e.int_or("offset", 0), -1, e.int_or("epoch", -1), false};
    const trace::Value* below = e.find("below_high_watermark");
    c.below_high_watermark = below != nullptr && std::holds_alternative<bool>(*below) && std::get<bool>(*below);
    auto last = last_sample_.find(std::make_tuple(p.topic, static_cast<std::int64_t>(p.partition), e.node));
    if (last != last_sample_.end()) c.old_log_end_offset = p.samples[last->second].log_end_offset;
    if (c.change == "assign-epoch") {
      auto known = std::find_if(p.epochs.begin(), p.epochs.end(), [&](const EpochStart& s) { return s.epoch == c.epoch; });
      if (known == p.epochs.end()) {
        p.epochs.push_back(EpochStart{c.epoch, c.offset, e.t_us});
      } else {
        known->start_offset = c.offset;  // the newest leader's word
      }
    } else {
      key(e, "truncate", e.node,
          fmt::format("node {} truncated {} to offset {}{}", e.node, p.name(), c.offset,
                      c.below_high_watermark ? " (BELOW its high watermark: committed records removed)" : ""));
    }
    p.log_changes.push_back(std::move(c));
  }

  void on_acked(const trace::Event& e) {
    PartitionTimeline& p = partition(e.string_or("topic", ""), e.int_or("partition", 0));
    const std::int64_t base = e.int_or("base_offset", -1);
    const std::int64_t records = e.int_or("records", 0);
    t_.throughput[bucket_of(e.t_us)].acked_records += records;
    if (ClientInfo* c = client_mut(e.node)) c->figures.acked_records += records;
    if (base < 0) return;  // acks=0: no offset
    if (!p.acked.empty()) {
      AckedRange& prev = p.acked.back();
      if (prev.producer == e.node && prev.base_offset + prev.records == base && !t_.window.contains(e.t_us) &&
          bucket_of(prev.t_us) == bucket_of(e.t_us)) {
        prev.records += records;
        return;
      }
    }
    p.acked.push_back(AckedRange{e.t_us, e.node, base, records, e.string_or("acks", ""), false});
  }

  void on_history(const trace::Event& e) {
    if (e.string_or("f", "") != "send") return;
    const std::string type = e.string_or("type", "");
    const std::int64_t id = e.int_or("id", -1);
    if (type == "invoke") {
      invoked_[std::make_pair(e.node, id)] = e.t_us;
      return;
    }
    // A completion stands for the sends id..id+count-1 (a batch's callbacks fire together):
    // the invoked ones among them, however large a trace file's count.
    const std::int64_t count = e.int_or("count", 1);
    if (id < 0 || count < 1) return;
    const std::int64_t last = count - 1 > std::numeric_limits<std::int64_t>::max() - id ? std::numeric_limits<std::int64_t>::max() : id + count - 1;
    const auto end = invoked_.upper_bound(std::make_pair(e.node, last));
    ThroughputBucket& b = t_.throughput[bucket_of(e.t_us)];
    for (auto it = invoked_.lower_bound(std::make_pair(e.node, id)); it != end;) {
      if (type == "ok") {
        const std::int64_t latency = e.t_us - it->second;
        b.latency_us_sum += latency;
        b.latency_us_max = std::max(b.latency_us_max, latency);
        ++b.latency_count;
      } else if (type == "fail") {
        ++b.failed_records;
      }
      it = invoked_.erase(it);
    }
  }

  void on_check(const trace::Event& e) {
    CheckVerdict v{e.name, e.string_or("status", ""), e.string_or("detail", ""), e.int_or("violation_t_us", -1), e.t_us};
    if (v.violation_t_us >= 0) {
      trace::Event at = e;
      at.t_us = v.violation_t_us;
      key(at, "violation", trace::world_node, fmt::format("{} {}: {}", v.id, v.status, v.detail));
    }
    t_.checks.push_back(std::move(v));
  }

  // ------------------------------------------------------------ the end

  void finish() {
    const std::int64_t end = t_.run.end_us;
    for (const auto& [k, index] : open_) t_.bands[index].to_us = end;
    open_.clear();
    for (ControllerEpoch& c : t_.controller_epochs) {
      if (c.to_us < 0) c.to_us = end;
    }
    for (Message& m : t_.messages) KS_ASSERT(m.end_us < 0 || m.end_us >= m.send_us);
    std::sort(t_.bands.begin(), t_.bands.end(), [](const Band& a, const Band& b) {
      return std::tie(a.lane, a.kind, a.from_us, a.to_us) < std::tie(b.lane, b.kind, b.from_us, b.to_us);
    });
    // Drop zero-length bands (two state changes at the same instant): nothing to draw.
    std::erase_if(t_.bands, [](const Band& b) { return b.to_us == b.from_us && b.to_us != 0; });
    // The user's topics first, internal ones (__consumer_offsets) after them.
    std::stable_sort(t_.partitions.begin(), t_.partitions.end(), [](const PartitionTimeline& a, const PartitionTimeline& b) {
      const bool a_internal = a.topic.rfind("__", 0) == 0;
      const bool b_internal = b.topic.rfind("__", 0) == 0;
      return std::tie(a_internal, a.topic, a.partition) < std::tie(b_internal, b.topic, b.partition);
    });
    make_fault_periods();
    mark_lost_records();
    std::stable_sort(t_.key_events.begin(), t_.key_events.end(), [](const KeyEvent& a, const KeyEvent& b) {
      return std::tie(a.t_us, a.seq) < std::tie(b.t_us, b.seq);
    });
  }

  void make_fault_periods() {
    // One interval per node (its first lane) and kind, merged where they overlap.
    std::vector<FaultPeriod> spans;
    std::set<std::int32_t> seen_nodes;
    for (const Band& b : t_.bands) {
      if (b.kind != "process" && b.kind != "network") continue;
      const Lane& lane = t_.lanes[b.lane];
      if (lane.role != "broker" && lane.role != "controller") continue;
      if (lanes_of_node_[lane.node].front() != b.lane) continue;
      spans.push_back(FaultPeriod{b.from_us, b.to_us, fmt::format("node {} {}", lane.node, b.state)});
    }
    std::sort(spans.begin(), spans.end(), [](const FaultPeriod& a, const FaultPeriod& b) {
      return std::tie(a.from_us, a.to_us, a.label) < std::tie(b.from_us, b.to_us, b.label);
    });
    for (const FaultPeriod& s : spans) {
      if (!t_.fault_periods.empty() && s.from_us <= t_.fault_periods.back().to_us) {
        FaultPeriod& last = t_.fault_periods.back();
        last.to_us = std::max(last.to_us, s.to_us);
        if (last.label.find(s.label) == std::string::npos) last.label += ", " + s.label;
      } else {
        t_.fault_periods.push_back(s);
      }
    }
  }

  void mark_lost_records() {
    for (PartitionTimeline& p : t_.partitions) {
      // The final leader's log end: the last sample of whoever the controller named last.
      std::int32_t leader = p.leader_changes.empty() ? -1 : p.leader_changes.back().to_leader;
      for (auto it = p.samples.rbegin(); it != p.samples.rend(); ++it) {
        if (it->node == leader || (leader < 0 && it->role == "Leader")) {
          p.final_log_end_offset = it->log_end_offset;
          break;
        }
      }
      if (p.final_log_end_offset < 0) continue;
      for (AckedRange& a : p.acked) {
        if (a.base_offset + a.records > p.final_log_end_offset) {
          a.lost = true;
          p.acked_records_lost += a.base_offset + a.records - std::max(a.base_offset, p.final_log_end_offset);
        }
      }
    }
  }

  const std::vector<trace::Event>& events_;
  Timeline t_;
  std::map<std::pair<std::int32_t, std::string>, std::size_t> lane_index_;
  std::map<std::int32_t, std::vector<std::size_t>> lanes_of_node_;
  std::map<std::pair<std::size_t, std::string>, std::size_t> open_;  // (lane, kind) -> band
  std::map<std::int64_t, std::size_t> in_window_;                    // msg -> messages index
  std::map<std::pair<std::int32_t, std::int32_t>, std::deque<std::int64_t>> in_flight_;
  std::map<std::tuple<std::size_t, std::int32_t, std::int32_t, std::string>, std::size_t> count_index_;
  std::map<std::int64_t, std::size_t> counted_;  // msg -> message_counts index
  std::map<std::pair<std::string, std::int64_t>, std::size_t> partition_index_;
  std::map<std::pair<std::string, std::int32_t>, std::pair<std::int32_t, std::int64_t>> partition_leader_;
  std::map<std::tuple<std::string, std::int64_t, std::int32_t>, std::size_t> last_sample_;
  std::map<std::pair<std::int32_t, std::int64_t>, std::int64_t> invoked_;
  std::map<std::int32_t, std::pair<std::string, std::int64_t>> last_produce_error_;
  std::set<std::tuple<std::int32_t, std::string, std::int64_t>> first_roll_;  // (node, topic, partition) that rolled
  std::set<std::tuple<std::string, std::string, std::int32_t, std::int32_t>> error_seen_;  // (rpc, error, from, to)

};

}  // namespace

int Timeline::lane_of(std::int32_t node, const std::string& role) const {
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].node == node && lanes[i].role == role) return static_cast<int>(i);
  }
  return -1;
}

int Timeline::default_lane(std::int32_t node) const {
  int controller = -1;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    if (lanes[i].node != node) continue;
    if (lanes[i].role != "controller") return static_cast<int>(i);
    controller = static_cast<int>(i);
  }
  return controller;
}

const ClientInfo* Timeline::client(std::int32_t node) const {
  for (const ClientInfo& c : clients) {
    if (c.node == node) return &c;
  }
  return nullptr;
}

std::string Timeline::node_label(std::int32_t node) const {
  if (const ClientInfo* c = client(node)) return fmt::format("{} {}", c->kind, node);
  return fmt::format("node {}", node);
}

Timeline build_timeline(const std::vector<trace::Event>& events, std::optional<Window> window) {
  if (window) KS_ASSERT(window->from_us < window->to_us);
  Timeline t = Builder(events, window).build();
  KS_ASSERT(t.throughput.size() == time_buckets);
  KS_ASSERT(t.messages.size() <= messages_in_window_max);
  return t;
}

std::string format_time(std::int64_t t_us) {
  const std::int64_t ms = t_us / 1000;
  return fmt::format("{}.{:03} s", ms / 1000, ms % 1000);
}

}  // namespace kraftsim::reports

// timeline.html (see html.h): the model as compact JSON (arrays rather than objects for the
// numerous items: bands, messages, counts, samples) inside the page.
#include "reports/html.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "reports/escape.h"

namespace kraftsim::reports {

namespace {

using json = nlohmann::ordered_json;

json partition_json(const PartitionTimeline& p) {
  json samples = json::array();
  for (const ReplicaSample& s : p.samples) {
    samples.push_back({s.t_us, s.node, s.role, s.leader, s.leader_epoch, s.high_watermark, s.log_end_offset, s.isr});
  }
  json changes = json::array();
  for (const LogChange& c : p.log_changes) {
    changes.push_back({c.t_us, c.node, c.change, c.offset, c.old_log_end_offset, c.epoch, c.below_high_watermark});
  }
  json epochs = json::array();
  for (const EpochStart& e : p.epochs) epochs.push_back({e.epoch, e.start_offset, e.t_us});
  json acked = json::array();
  for (const AckedRange& a : p.acked) acked.push_back({a.t_us, a.producer, a.base_offset, a.records, a.lost});
  json leaders = json::array();
  for (const LeaderChange& l : p.leader_changes) {
    leaders.push_back({l.t_us, l.from_leader, l.to_leader, l.from_epoch, l.to_epoch, l.isr});
  }
  return {{"name", p.name()},       {"replicas", p.replicas},        {"samples", samples},
          {"changes", changes},     {"epochs", epochs},              {"acked", acked},
          {"leaders", leaders},     {"lost", p.acked_records_lost},  {"final_leo", p.final_log_end_offset}};
}

}  // namespace

std::string timeline_data_json(const Timeline& t, const std::string& replay_command) {
  json lanes = json::array();
  for (const Lane& l : t.lanes) lanes.push_back({{"id", l.id}, {"node", l.node}, {"role", l.role}, {"label", l.label}});
  json bands = json::array();
  for (const Band& b : t.bands) bands.push_back({b.lane, b.kind, b.state, b.from_us, b.to_us, b.epoch});
  // Message types are numbered to keep the data small.
  std::map<std::string, std::size_t> type_index;
  json types = json::array();
  auto type_of = [&](const std::string& type) {
    auto [it, inserted] = type_index.try_emplace(type, type_index.size());
    if (inserted) types.push_back(type);
    return it->second;
  };
  json messages = json::array();
  for (const Message& m : t.messages) {
    messages.push_back({m.send_us, m.end_us, m.from_lane, m.to_lane, type_of(m.type), m.bytes, m.dropped ? 1 : 0,
                        m.drop_reason, m.summary, m.seq});
  }
  json counts = json::array();
  for (const MessageCount& c : t.message_counts) {
    counts.push_back({c.bucket, c.from_lane, c.to_lane, type_of(c.type), c.count, c.bytes, c.dropped});
  }
  json faults = json::array();
  for (const Fault& f : t.faults) faults.push_back({{"t", f.t_us}, {"name", f.name}, {"detail", f.detail}, {"nodes", f.nodes}});
  json periods = json::array();
  for (const FaultPeriod& p : t.fault_periods) periods.push_back({p.from_us, p.to_us, p.label});
  json epochs = json::array();
  for (const ControllerEpoch& c : t.controller_epochs) epochs.push_back({c.epoch, c.node, c.from_us, c.to_us});
  json partitions = json::array();
  for (const PartitionTimeline& p : t.partitions) partitions.push_back(partition_json(p));
  json checks = json::array();
  for (const CheckVerdict& c : t.checks) {
    checks.push_back({{"id", c.id}, {"status", c.status}, {"detail", c.detail}, {"violation", c.violation_t_us}, {"at", c.at_us}});
  }
  json throughput = json::array();
  for (const ThroughputBucket& b : t.throughput) {
    throughput.push_back({b.acked_records, b.failed_records, b.consumed_records, b.latency_us_sum, b.latency_us_max, b.latency_count});
  }
  json keys = json::array();
  for (const KeyEvent& k : t.key_events) keys.push_back({k.t_us, k.kind, k.node, k.text, k.seq});
  json chapters = json::array();
  for (const Chapter& c : t.chapters) chapters.push_back({{"t", c.t_us}, {"anchor", c.anchor}, {"title", c.title}, {"text", c.text}});
  json nodes = json::array();
  for (const NodeInfo& n : t.nodes) nodes.push_back({{"node", n.node}, {"roles", n.roles}});
  json clients = json::array();
  for (const ClientInfo& c : t.clients) {
    clients.push_back({{"node", c.node}, {"kind", c.kind}, {"topic", c.topic}, {"group", c.group}, {"acks", c.acks},
                       {"compression", c.compression}, {"idempotent", c.idempotent}});
  }
  json topics = json::array();
  for (const TopicInfo& tp : t.topics) {
    topics.push_back({{"name", tp.name}, {"partitions", tp.partitions}, {"replication_factor", tp.replication_factor}, {"config", tp.config}});
  }
  json root = {
      {"run", {{"scenario", t.run.scenario}, {"description", t.run.description}, {"seed", t.run.seed},
               {"duration_ms", t.run.duration_ms}, {"end_us", t.run.end_us}, {"ended", t.run.ended},
               {"passed", t.run.passed}, {"cluster_id", t.run.cluster_id}, {"replay", replay_command}}},
      {"window", {{"from", t.window.from_us}, {"to", t.window.to_us}, {"given", t.window_given}}},
      {"bucket_us", t.bucket_us},
      {"lanes", lanes},
      {"bands", bands},
      {"types", types},
      {"messages", messages},
      {"messages_truncated", t.messages_truncated},
      {"counts", counts},
      {"messages_by_type", t.messages_by_type},
      {"faults", faults},
      {"periods", periods},
      {"epochs", epochs},
      {"partitions", partitions},
      {"checks", checks},
      {"throughput", throughput},
      {"keys", keys},
      {"chapters", chapters},
      {"stats", t.stats},
      {"config", t.config},
      {"nodes", nodes},
      {"clients", clients},
      {"topics", topics},
      {"events_total", t.events_total},
  };
  // A hand-made trace may hold invalid UTF-8: replace it (U+FFFD) rather than fail.
  return root.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string render_timeline_html(const Timeline& t, const std::string& replay_command) {
  const std::string data = escape_json_for_script(timeline_data_json(t, replay_command));
  KS_ASSERT(data.find("</") == std::string::npos);  // nothing can close the script element
  std::string html;
  html.reserve(data.size() + 80'000);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += fmt::format("<title>kraftsim: {}</title>\n", escape_html(t.run.scenario));
  html += "<style>\n";
  html += timeline_css;
  html += "</style>\n</head>\n<body>\n";
  html += "<noscript><p>This report draws itself with JavaScript; summary.md has the same story as text.</p></noscript>\n";
  html += "<script type=\"application/json\" id=\"kraftsim-data\">";
  html += data;
  html += "</script>\n<script>\n";
  html += timeline_js;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace kraftsim::reports

// The run's own trace events (see run_trace.h).
#include "sim/runner/run_trace.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "broker/node/config_keys.h"
#include "sim/runner/kafka_cluster.h"

namespace kraftsim::runner {

namespace {

// The broker keys a report explains a run with (fencing delay, ISR lag, durability knobs): their
// effective value is traced even when the scenario keeps Kafka's default, so the narrative can
// say "broker.session.timeout.ms = 9000" without knowing kraftsim's defaults.
constexpr std::array<std::string_view, 9> explained_keys = {
    "broker.session.timeout.ms",   "broker.heartbeat.interval.ms", "replica.lag.time.max.ms",
    "min.insync.replicas",         "unclean.leader.election.enable", "default.replication.factor",
    "controller.quorum.election.timeout.ms", "controller.quorum.fetch.timeout.ms", "log.segment.bytes",
};

std::string join_config(const std::map<std::string, std::string>& config) {
  std::string out;
  for (const auto& [k, v] : config) {
    if (!out.empty()) out += ',';
    out += k + '=' + v;
  }
  return out;
}

void trace_config(trace::Trace& trace, const Scenario& scenario) {
  // Every key the scenario sets, then the explained keys it leaves at Kafka's default.
  for (const auto& [key, value] : scenario.config) {
    trace.append(0, trace::world_node, trace::Kind::run, "run-config",
                 {{"key", key}, {"value", value}, {"source", "scenario"}});
  }
  for (std::string_view key : explained_keys) {
    if (scenario.config.count(std::string(key)) != 0) continue;
    const node::ConfigKey* known = node::find_config_key(key);
    if (known == nullptr || known->default_value.empty()) continue;
    trace.append(0, trace::world_node, trace::Kind::run, "run-config",
                 {{"key", key}, {"value", known->default_value}, {"source", "default"}});
  }
}

void trace_clients(trace::Trace& trace, const Scenario& scenario) {
  if (scenario.program != "kafka" || scenario.topics.empty()) return;  // no clients run then
  trace.append(0, trace::world_node, trace::Kind::run, "run-client",
               {{"node_id", admin_node_id(scenario)}, {"client", "admin"}, {"topic", ""}});
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& p = scenario.producers[i];
    trace.append(0, trace::world_node, trace::Kind::run, "run-client",
                 {{"node_id", producer_node_id(scenario, i)},
                  {"client", "producer"},
                  {"topic", p.topic},
                  {"acks", p.acks},
                  {"compression", p.compression},
                  {"idempotent", p.idempotent()},
                  {"records_per_s", p.records_per_s},
                  {"records", p.records},
                  {"linger_ms", p.linger.ms()},
                  {"batch_size", p.batch_size},
                  {"max_in_flight", static_cast<std::int64_t>(p.max_in_flight)},
                  {"start_ms", p.start.ms()}});
  }
  for (std::size_t i = 0; i < scenario.consumers.size(); ++i) {
    const ConsumerSpec& c = scenario.consumers[i];
    trace.append(0, trace::world_node, trace::Kind::run, "run-client",
                 {{"node_id", consumer_node_id(scenario, i)},
                  {"client", "consumer"},
                  {"topic", c.topic},
                  {"group", c.group_id},
                  {"auto_offset_reset", c.auto_offset_reset},
                  {"assignment", c.assignment_strategy},
                  {"auto_commit", c.enable_auto_commit},
                  {"start_ms", c.start.ms()}});
  }
}

}  // namespace

void trace_run_started(trace::Trace& trace, const Scenario& scenario, std::uint64_t seed) {
  KS_ASSERT(trace.size() == 0);  // the run's first event
  trace.append(0, trace::world_node, trace::Kind::run, "run-started",
               {{"scenario", scenario.name},
                {"seed", static_cast<std::int64_t>(seed)},
                {"nodes", static_cast<std::int64_t>(scenario.nodes.size())},
                {"description", scenario.description},
                {"duration_ms", scenario.duration.ms()},
                {"program", scenario.program},
                {"cluster_id", scenario.cluster_id}});
  // What a report needs to draw lanes and explain the run from events.jsonl alone.
  for (const NodeSpec& n : scenario.nodes) {
    trace.append(0, trace::world_node, trace::Kind::run, "run-node",
                 {{"node_id", n.id}, {"roles", n.roles}, {"formatted", n.formatted}});
  }
  for (const TopicSpec& t : scenario.topics) {
    const std::string config = join_config(t.config);
    trace.append(0, trace::world_node, trace::Kind::run, "run-topic",
                 {{"topic", t.name},
                  {"partitions", t.partitions},
                  {"replication_factor", t.replication_factor},
                  {"config", config}});
  }
  trace_clients(trace, scenario);
  trace_config(trace, scenario);
  for (const FaultSpec& f : scenario.faults) {
    trace.append(0, trace::world_node, trace::Kind::run, "run-fault-planned",
                 {{"at_ms", f.at.ms()}, {"fault", to_string(f.kind)}});
  }
}

void trace_run_verdicts(trace::Trace& trace, std::int64_t t_us, const RunResult& result) {
  for (const CheckResult& c : result.checks) {
    trace.append(t_us, trace::world_node, trace::Kind::check, c.id,
                 {{"status", to_string(c.status)}, {"detail", c.detail}, {"violation_t_us", c.violation_t_us}});
  }
  const RunStats& s = result.stats;
  trace.append(t_us, trace::world_node, trace::Kind::run, "run-stats",
               {{"records_sent", s.records_sent},
                {"records_acknowledged", s.records_acknowledged},
                {"records_failed", s.records_failed},
                {"records_lost", s.records_lost},
                {"records_duplicated", s.records_duplicated},
                {"duplicates_answered", s.duplicates_answered},
                {"records_consumed", s.records_consumed},
                {"controller_elections", s.controller_elections},
                {"partition_leader_elections", s.partition_leader_elections},
                {"isr_changes", s.isr_changes},
                {"bytes_on_wire", s.bytes_on_wire},
                {"bytes_written_to_disk", s.bytes_written_to_disk},
                {"fsyncs", s.fsyncs},
                {"log_bytes_none", s.log_bytes_none},
                {"log_bytes_gzip", s.log_bytes_gzip},
                {"log_bytes_snappy", s.log_bytes_snappy},
                {"log_bytes_lz4", s.log_bytes_lz4},
                {"log_bytes_zstd", s.log_bytes_zstd}});
}

}  // namespace kraftsim::runner

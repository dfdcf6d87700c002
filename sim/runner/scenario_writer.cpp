// Scenario -> scenario-file JSON, field for field what scenario_loader.cpp reads.
#include "sim/runner/scenario_writer.h"

#include <fmt/format.h>

#include "sim/runner/kafka_cluster.h"

namespace kraftsim::runner {

namespace {

using nlohmann::ordered_json;

// Client nodes are named in files ("producer:0"): the loader only accepts cluster node ids as
// numbers, so a client's node id must go back to its name.
ordered_json node_ref(const Scenario& s, NodeId id) {
  for (std::size_t i = 0; i < s.producers.size(); ++i) {
    if (producer_node_id(s, i) == id) return fmt::format("producer:{}", i);
  }
  for (std::size_t i = 0; i < s.consumers.size(); ++i) {
    if (consumer_node_id(s, i) == id) return fmt::format("consumer:{}", i);
  }
  return id;
}

ordered_json target_ref(const Scenario& s, const Target& t) {
  if (const auto* name = std::get_if<std::string>(&t.value)) return *name;
  return node_ref(s, std::get<NodeId>(t.value));
}

// Latency is in milliseconds with microsecond resolution: whole milliseconds as integers, the
// rest as the exact decimal (us / 1000 is read back as lo * 1000 truncated, so add no error).
ordered_json latency_ms(Duration d) {
  if (d.us() % 1000 == 0) return d.ms();
  return static_cast<double>(d.us()) / 1000.0;
}

ordered_json kafka_config(const std::map<std::string, std::string>& config) {
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : config) out[key] = value;  // the loader accepts every type as a string
  return out;
}

const char* distribution_name(sim::LatencyDistribution d) {
  switch (d) {
    case sim::LatencyDistribution::uniform: return "uniform";
    case sim::LatencyDistribution::exponential: return "exponential";
    case sim::LatencyDistribution::pareto: return "pareto";
  }
  return "exponential";
}

ordered_json fault_json(const Scenario& s, const FaultSpec& f) {
  ordered_json out = ordered_json::object();
  out["at_ms"] = (f.at - Time::zero()).ms();
  const char* kind = to_string(f.kind);
  switch (f.kind) {
    case FaultKind::crash:
    case FaultKind::power_loss:
    case FaultKind::pause:
    case FaultKind::isolate:
    case FaultKind::shutdown:
    case FaultKind::disk_lost:
    case FaultKind::resume:
    case FaultKind::drop_caches:
    case FaultKind::restart:
      out[kind] = target_ref(s, f.target);
      break;
    case FaultKind::heal:
      out[kind] = "all";
      break;
    case FaultKind::partition: {
      ordered_json groups = ordered_json::array();
      for (const auto& g : f.groups) {
        ordered_json group = ordered_json::array();
        for (NodeId id : g) group.push_back(node_ref(s, id));
        groups.push_back(std::move(group));
      }
      out[kind] = std::move(groups);
      break;
    }
    case FaultKind::one_way_partition:
      out[kind] = ordered_json{{"from", node_ref(s, f.from)}, {"to", node_ref(s, f.to)}};
      break;
    case FaultKind::clog:
      out[kind] = ordered_json{{"a", node_ref(s, f.from)}, {"b", node_ref(s, f.to)}, {"extra_delay_ms", f.extra_delay.ms()}};
      break;
    case FaultKind::disk_corrupt:
    case FaultKind::disk_read_error:
      out[kind] = ordered_json{{"node", target_ref(s, f.target)}, {"path", f.path}, {"offset", f.offset}, {"length", f.length}};
      break;
    case FaultKind::disk_full:
      out[kind] = ordered_json{{"node", target_ref(s, f.target)}, {"capacity_bytes", f.capacity_bytes}};
      break;
    case FaultKind::disk_slow:
      out[kind] = ordered_json{{"node", target_ref(s, f.target)}, {"factor", f.slow_factor}};
      break;
  }
  return out;
}

ordered_json producer_json(const ProducerSpec& p) {
  ordered_json out = ordered_json::object();
  out["topic"] = p.topic;
  out["acks"] = p.acks;
  out["compression.type"] = p.compression;
  out["start_ms"] = p.start.ms();
  out["records_per_s"] = p.records_per_s;
  out["records"] = p.records;
  out["value_bytes"] = p.value_bytes;
  out["keys"] = p.keys;
  out["key_distribution"] = p.key_distribution;
  out["zipf_exponent"] = p.zipf_exponent;
  out["batch.size"] = p.batch_size;
  out["linger.ms"] = p.linger.ms();
  out["max.in.flight.requests.per.connection"] = p.max_in_flight;
  out["request.timeout.ms"] = p.request_timeout.ms();
  out["delivery.timeout.ms"] = p.delivery_timeout.ms();
  out["retry.backoff.ms"] = p.retry_backoff.ms();
  out["retries"] = p.retries;
  out["buffer.memory"] = p.buffer_memory;
  out["max.block.ms"] = p.max_block.ms();
  // Unset stays unset: Kafka's default turns itself off on conflicting settings, an explicit
  // true would be refused.
  if (p.idempotence.has_value()) out["enable.idempotence"] = *p.idempotence;
  return out;
}

ordered_json consumer_json(const ConsumerSpec& c) {
  ordered_json out = ordered_json::object();
  out["topic"] = c.topic;
  out["start_ms"] = c.start.ms();
  out["auto.offset.reset"] = c.auto_offset_reset;
  out["fetch.min.bytes"] = c.fetch_min_bytes;
  out["fetch.max.wait.ms"] = c.fetch_max_wait.ms();
  out["max.partition.fetch.bytes"] = c.max_partition_fetch_bytes;
  out["max.poll.records"] = c.max_poll_records;
  out["processing_ms_per_record"] = c.processing_time_per_record.ms();
  // The loader refuses group settings without a group.id, so they go out only with one.
  if (!c.group_id.empty()) {
    out["group.id"] = c.group_id;
    out["partition.assignment.strategy"] = c.assignment_strategy;
    out["enable.auto.commit"] = c.enable_auto_commit;
    out["auto.commit.interval.ms"] = c.auto_commit_interval.ms();
    out["session.timeout.ms"] = c.session_timeout.ms();
    out["heartbeat.interval.ms"] = c.heartbeat_interval.ms();
    out["max.poll.interval.ms"] = c.max_poll_interval.ms();
    out["commit_before_processing"] = c.commit_before_processing;
    out["commit_after_processing"] = c.commit_after_processing;
    out["kraftsim.consumer.ignore.revocation"] = c.ignore_revocation;
  }
  return out;
}

}  // namespace

nlohmann::ordered_json scenario_to_json(const Scenario& s, const std::string& schema_path) {
  ordered_json out = ordered_json::object();
  if (!schema_path.empty()) out["$schema"] = schema_path;
  out["name"] = s.name;
  out["description"] = s.description;
  out["seed"] = s.seed;
  out["duration_ms"] = s.duration.ms();
  out["quiet_phase_ms"] = s.quiet_phase.ms();
  out["max_events"] = s.max_events;
  out["program"] = s.program;
  if (s.program == "pinger") {
    out["pinger"] = ordered_json{{"interval_ms", s.pinger.interval.ms()},
                                 {"padding_bytes", s.pinger.padding_bytes},
                                 {"sync_every", s.pinger.sync_every}};
  }

  ordered_json cluster = ordered_json::object();
  ordered_json nodes = ordered_json::array();
  for (const NodeSpec& n : s.nodes) {
    ordered_json node = ordered_json::object();
    node["node.id"] = n.id;
    node["process.roles"] = n.roles;
    node["formatted"] = n.formatted;
    if (!n.format_cluster_id.empty()) node["format_cluster_id"] = n.format_cluster_id;
    if (!n.config.empty()) node["config"] = kafka_config(n.config);
    nodes.push_back(std::move(node));
  }
  cluster["nodes"] = std::move(nodes);
  cluster["cluster.id"] = s.cluster_id;
  if (!s.voters.empty()) cluster["controller.quorum.voters"] = s.voters;
  if (!s.config.empty()) cluster["config"] = kafka_config(s.config);
  cluster["network"] = ordered_json{{"latency_ms", ordered_json::array({latency_ms(s.network.latency_min), latency_ms(s.network.latency_max)})},
                                    {"distribution", distribution_name(s.network.distribution)},
                                    {"bandwidth_bytes_per_s", s.network.bandwidth_bytes_per_s},
                                    {"disconnect_detection_ms", s.network.disconnect_detection_delay.ms()},
                                    {"loss_probability", s.network.loss_probability},
                                    {"duplicate_probability", s.network.duplicate_probability},
                                    {"reorder_probability", s.network.reorder_probability}};
  cluster["disk"] = ordered_json{{"capacity_bytes", s.disk.capacity_bytes},
                                 {"fsync_latency_us", s.disk.fsync_latency.us()},
                                 {"read_miss_latency_us", s.disk.read_miss_latency_per_page.us()},
                                 {"torn_writes", s.disk.torn_writes}};
  out["cluster"] = std::move(cluster);

  ordered_json topics = ordered_json::array();
  for (const TopicSpec& t : s.topics) {
    ordered_json topic = ordered_json::object();
    topic["name"] = t.name;
    topic["partitions"] = t.partitions;
    topic["replication.factor"] = t.replication_factor;
    if (!t.config.empty()) topic["config"] = kafka_config(t.config);
    topics.push_back(std::move(topic));
  }
  out["topics"] = std::move(topics);
  out["metadata_writes_per_s"] = s.metadata_writes_per_s;

  ordered_json producers = ordered_json::array();
  for (const ProducerSpec& p : s.producers) producers.push_back(producer_json(p));
  out["producers"] = std::move(producers);
  ordered_json consumers = ordered_json::array();
  for (const ConsumerSpec& c : s.consumers) consumers.push_back(consumer_json(c));
  out["consumers"] = std::move(consumers);

  ordered_json faults = ordered_json::array();
  for (const FaultSpec& f : s.faults) faults.push_back(fault_json(s, f));
  out["faults"] = std::move(faults);

  if (!s.expect_violated.empty() || !s.expect_may_violate.empty() || !s.expect_create_topics.empty()) {
    out["expect"] = ordered_json{{"violated", s.expect_violated}, {"may_violate", s.expect_may_violate}};
    if (!s.expect_create_topics.empty()) out["expect"]["create_topics"] = s.expect_create_topics;
  }
  if (!s.test_only_mutations.empty()) out["test_only_mutations"] = s.test_only_mutations;
  return out;
}

}  // namespace kraftsim::runner

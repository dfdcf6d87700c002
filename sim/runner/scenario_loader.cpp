// Scenario loading: JSON text -> validated Scenario, with JSON-pointer error messages.
#include "sim/runner/scenario_loader.h"
#include "sim/check/checker_ids.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "broker/client/producer.h"
#include "broker/common/uuid.h"
#include "broker/node/config_keys.h"
#include "broker/node/node_config.h"
#include "sim/runner/json_reader.h"
#include "sim/runner/kafka_cluster.h"

namespace kraftsim::runner {

namespace {

using nlohmann::json;

constexpr std::int64_t time_ms_max = 365LL * 24 * 3600 * 1000;  // one simulated year
constexpr std::size_t nodes_max = 64;
constexpr std::size_t faults_max = 100'000;

// The nodes a fault may name: the cluster's node ids, and the clients by name ("producer:0",
// "consumer:1"), which run on nodes of their own (kafka_cluster.h numbers them).
struct KnownNodes {
  std::set<NodeId> ids;
  std::map<std::string, NodeId> clients;
};

NodeId read_node_id(const json& v, const std::string& pointer, const KnownNodes& known) {
  if (v.is_string()) {
    const auto it = known.clients.find(v.get<std::string>());
    if (it != known.clients.end()) return it->second;
    std::vector<std::string> names;
    for (const auto& [name, id] : known.clients) names.push_back(name);
    throw InputError(pointer, fmt::format("unknown client \"{}\" (the scenario has {})", v.get<std::string>(),
                                          names.empty() ? std::string("no clients")
                                                        : fmt::format("\"{}\"", fmt::join(names, "\", \""))));
  }
  if (!v.is_number_integer()) {
    throw InputError(pointer, "expected a node id (integer) or a client (\"producer:<n>\", \"consumer:<n>\"), got " +
                                  describe_json_type(v));
  }
  const auto id = v.get<std::int64_t>();
  if (!known.ids.contains(static_cast<NodeId>(id)) || id < 0 || id > INT32_MAX) {
    throw InputError(pointer, fmt::format("unknown node id {} (the cluster has nodes {})", id,
                                          fmt::format("{}", fmt::join(known.ids, ", "))));
  }
  return static_cast<NodeId>(id);
}

Target read_target(const json& v, const std::string& pointer, const KnownNodes& known,
                   const std::vector<std::string>& names) {
  if (v.is_string() && (v.get<std::string>().starts_with("producer:") || v.get<std::string>().starts_with("consumer:"))) {
    return Target{read_node_id(v, pointer, known)};
  }
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    for (const auto& n : names) {
      if (s == n) return Target{s};
      // "coordinator-of:<group>": the broker leading the group's __consumer_offsets partition when
      // the fault fires. (Clients, "producer:<n>" and "consumer:<n>", are node ids by now.)
      if (n == "coordinator-of:" && s.rfind(n, 0) == 0) {
        if (s.size() == n.size()) throw InputError(pointer, "expected \"coordinator-of:<group.id>\"");
        return Target{s};
      }
      // "partition-leader:orders-0": resolved when the fault fires; the partition is checked
      // against the scenario's topics once they are read (check_partition_targets).
      if (n.back() == ':' && s.rfind(n, 0) == 0) {
        const auto dash = s.rfind('-');
        std::int32_t index = -1;
        if (dash == std::string::npos || dash <= n.size() ||
            std::from_chars(s.data() + dash + 1, s.data() + s.size(), index).ptr != s.data() + s.size() || index < 0) {
          throw InputError(pointer, fmt::format("expected \"{}<topic>-<partition>\", got \"{}\"", n, s));
        }
        return Target{s};
      }
    }
    throw InputError(pointer, fmt::format("expected a node id or one of \"{}\", got \"{}\"", fmt::join(names, "\", \""), s));
  }
  return Target{read_node_id(v, pointer, known)};
}

sim::NetworkConfig read_network(ObjectReader& r) {
  sim::NetworkConfig c;
  if (r.has("latency_ms")) {
    const auto& v = r.raw("latency_ms");
    const auto p = r.child_pointer("latency_ms");
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) {
      throw InputError(p, "expected [min, max] in milliseconds, got " + v.dump());
    }
    const double lo = v[0].get<double>(), hi = v[1].get<double>();
    if (!(lo >= 0) || !(hi >= lo) || hi > 60'000) throw InputError(p, "expected 0 <= min <= max <= 60000, got " + v.dump());
    c.latency_min = microseconds(static_cast<std::int64_t>(lo * 1000));
    c.latency_max = microseconds(static_cast<std::int64_t>(hi * 1000));
  }
  const auto dist = r.choice_or("distribution", "exponential", {"uniform", "exponential", "pareto"});
  c.distribution = dist == "uniform" ? sim::LatencyDistribution::uniform
                   : dist == "pareto" ? sim::LatencyDistribution::pareto
                                      : sim::LatencyDistribution::exponential;
  c.bandwidth_bytes_per_s = r.integer_or("bandwidth_bytes_per_s", c.bandwidth_bytes_per_s, 0, INT64_MAX / 2'000'000);
  c.disconnect_detection_delay =
      milliseconds(r.integer_or("disconnect_detection_ms", c.disconnect_detection_delay.ms(), 0, 600'000));
  c.loss_probability = r.number_or("loss_probability", 0, 0, 1);
  c.duplicate_probability = r.number_or("duplicate_probability", 0, 0, 1);
  c.reorder_probability = r.number_or("reorder_probability", 0, 0, 1);
  r.finish();
  return c;
}

sim::DiskConfig read_disk(ObjectReader& r) {
  sim::DiskConfig c;
  c.capacity_bytes = r.unsigned_or("capacity_bytes", c.capacity_bytes);
  c.fsync_latency = microseconds(r.integer_or("fsync_latency_us", c.fsync_latency.us(), 0, 60'000'000));
  c.read_miss_latency_per_page =
      microseconds(r.integer_or("read_miss_latency_us", c.read_miss_latency_per_page.us(), 0, 60'000'000));
  c.torn_writes = r.boolean_or("torn_writes", c.torn_writes);
  r.finish();
  return c;
}

std::vector<std::vector<NodeId>> read_groups(const json& v, const std::string& pointer, const KnownNodes& known) {
  if (!v.is_array() || v.empty()) throw InputError(pointer, "expected an array of node-id groups, e.g. [[1], [2, 3]]");
  std::vector<std::vector<NodeId>> groups;
  std::set<NodeId> used;
  for (std::size_t g = 0; g < v.size(); ++g) {
    const auto gp = fmt::format("{}/{}", pointer, g);
    if (!v[g].is_array()) throw InputError(gp, "expected an array of node ids, got " + describe_json_type(v[g]));
    std::vector<NodeId> group;
    for (std::size_t i = 0; i < v[g].size(); ++i) {
      const NodeId id = read_node_id(v[g][i], fmt::format("{}/{}", gp, i), known);
      if (!used.insert(id).second) throw InputError(fmt::format("{}/{}", gp, i), fmt::format("node {} is in two groups", id));
      group.push_back(id);
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

// Kafka configuration as a JSON object of key -> number, boolean or string, checked against the
// registry of keys kraftsim understands (broker/node/config_keys.h).
std::map<std::string, std::string> read_kafka_config(const json& v, const std::string& pointer, node::KeyScope scope) {
  if (!v.is_object()) throw InputError(pointer, "expected an object of Kafka configuration keys, got " + describe_json_type(v));
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : v.items()) {
    const std::string p = pointer + "/" + pointer_escape(key);
    const node::ConfigKey* k = node::find_config_key(key);
    if (k == nullptr) throw InputError(p, "unknown Kafka configuration key (docs/configuration.md lists the known ones)");
    if (k->scope != node::KeyScope::both && k->scope != scope) {
      throw InputError(p, scope == node::KeyScope::topic ? "not a topic configuration key" : "a topic-level key, not a broker key");
    }
    if (key == "node.id" || key == "process.roles" || key == "cluster.id" || key == "controller.quorum.voters") {
      throw InputError(p, "set this in the node or cluster section, not in config");
    }
    std::string text;
    if (value.is_string()) text = value.get<std::string>();
    else if (value.is_boolean()) text = value.get<bool>() ? "true" : "false";
    else if (value.is_number_integer()) text = value.dump();
    else throw InputError(p, "expected a number, boolean or string, got " + describe_json_type(value));
    auto checked = node::validate_config_value(*k, text);
    if (!checked.ok()) throw InputError(p, checked.error());
    out.emplace(key, text);
  }
  return out;
}

void check_cluster_id(const std::string& id, const std::string& pointer) {
  auto parsed = uuid_from_string(id);
  if (!parsed.ok()) {
    throw InputError(pointer, fmt::format("expected a cluster id as kafka-storage.sh random-uuid prints it "
                                          "(22 base64url characters): {}", parsed.error()));
  }
  if (uuid_is_reserved(*parsed)) throw InputError(pointer, "the zero and \"one\" UUIDs are reserved");
}

FaultSpec read_fault(const json& v, const std::string& pointer, const KnownNodes& known) {
  ObjectReader r(v, pointer);
  FaultSpec f;
  f.pointer = pointer;
  f.at = Time::zero() + milliseconds(r.integer("at_ms", 0, time_ms_max));

  static const std::map<std::string, FaultKind> kinds = {
      {"crash", FaultKind::crash},
      {"power-loss", FaultKind::power_loss},
      {"restart", FaultKind::restart},
      {"pause", FaultKind::pause},
      {"resume", FaultKind::resume},
      {"isolate", FaultKind::isolate},
      {"partition", FaultKind::partition},
      {"one-way-partition", FaultKind::one_way_partition},
      {"clog", FaultKind::clog},
      {"heal", FaultKind::heal},
      {"disk-corrupt", FaultKind::disk_corrupt},
      {"disk-read-error", FaultKind::disk_read_error},
      {"disk-full", FaultKind::disk_full},
      {"disk-slow", FaultKind::disk_slow},
      {"drop-caches", FaultKind::drop_caches},
      {"shutdown", FaultKind::shutdown},
      {"disk-lost", FaultKind::disk_lost},
  };
  std::vector<std::string> present;
  for (const auto& [name, kind] : kinds) {
    if (r.has(name)) present.push_back(name);
  }
  if (present.size() != 1) {
    std::vector<std::string> all;
    for (const auto& [name, kind] : kinds) all.push_back(name);
    throw InputError(pointer, fmt::format("expected exactly one fault kind among \"{}\", got {}", fmt::join(all, "\", \""),
                                          present.empty() ? std::string("none") : fmt::format("\"{}\"", fmt::join(present, "\", \""))));
  }
  const std::string& name = present.front();
  f.kind = kinds.at(name);
  const json& body = r.raw(name);
  const std::string bp = r.child_pointer(name);
  switch (f.kind) {
    case FaultKind::crash:
    case FaultKind::power_loss:
    case FaultKind::pause:
    case FaultKind::isolate:
    case FaultKind::shutdown:
    case FaultKind::disk_lost:
      f.target = read_target(body, bp, known, {"active-controller", "all-brokers", "leader-of:", "follower-of:", "random-broker",
                                               "coordinator-of:"});
      break;
    case FaultKind::resume:
    case FaultKind::drop_caches:
      f.target = read_target(body, bp, known, {"leader-of:", "follower-of:"});
      break;
    case FaultKind::restart:
      f.target = read_target(body, bp, known, {"crashed"});
      break;
    case FaultKind::heal:
      if (!body.is_string() || body.get<std::string>() != "all") throw InputError(bp, "expected \"all\"");
      break;
    case FaultKind::partition:
      f.groups = read_groups(body, bp, known);
      break;
    case FaultKind::one_way_partition: {
      ObjectReader o(body, bp);
      f.from = read_node_id(o.raw("from"), o.child_pointer("from"), known);
      f.to = read_node_id(o.raw("to"), o.child_pointer("to"), known);
      if (f.from == f.to) throw InputError(o.child_pointer("to"), "expected a node other than \"from\"");
      o.finish();
      break;
    }
    case FaultKind::clog: {
      ObjectReader o(body, bp);
      f.from = read_node_id(o.raw("a"), o.child_pointer("a"), known);
      f.to = read_node_id(o.raw("b"), o.child_pointer("b"), known);
      if (f.from == f.to) throw InputError(o.child_pointer("b"), "expected a node other than \"a\"");
      f.extra_delay = milliseconds(o.integer("extra_delay_ms", 0, 3'600'000));
      o.finish();
      break;
    }
    case FaultKind::disk_corrupt:
    case FaultKind::disk_read_error: {
      ObjectReader o(body, bp);
      f.target = read_target(o.raw("node"), o.child_pointer("node"), known, {"crashed", "leader-of:", "follower-of:"});
      f.path = o.string("path");
      if (f.path.empty()) throw InputError(o.child_pointer("path"), "expected a non-empty file path");
      f.offset = static_cast<std::uint64_t>(o.integer("offset", 0, INT64_MAX));
      f.length = static_cast<std::uint64_t>(o.integer("length", 1, INT64_MAX));
      o.finish();
      break;
    }
    case FaultKind::disk_full: {
      ObjectReader o(body, bp);
      f.target = read_target(o.raw("node"), o.child_pointer("node"), known, {});
      f.capacity_bytes = static_cast<std::uint64_t>(o.integer("capacity_bytes", 0, INT64_MAX));
      o.finish();
      break;
    }
    case FaultKind::disk_slow: {
      ObjectReader o(body, bp);
      f.target = read_target(o.raw("node"), o.child_pointer("node"), known, {});
      f.slow_factor = o.integer("factor", 1, 1'000'000);
      o.finish();
      break;
    }
  }
  r.finish();
  return f;
}

// A client's "topic": one of the scenario's topics (read before the clients).
std::string read_topic_ref(ObjectReader& r, const std::vector<TopicSpec>& topics) {
  std::string topic = r.string("topic");
  if (std::none_of(topics.begin(), topics.end(), [&topic](const TopicSpec& t) { return t.name == topic; })) {
    throw InputError(r.child_pointer("topic"), fmt::format("expected one of the scenario's topics, got \"{}\"", topic));
  }
  return topic;
}

// A consumer's group settings (Kafka's consumer configs; defaults are Kafka's).
void read_group_settings(ObjectReader& c, ConsumerSpec& spec) {
  constexpr std::int64_t int32_max = 2'147'483'647;
  spec.group_id = c.string_or("group.id", "");
  spec.assignment_strategy = c.choice_or("partition.assignment.strategy", "range", {"range", "roundrobin", "cooperative-sticky"});
  spec.enable_auto_commit = c.boolean_or("enable.auto.commit", true);
  spec.auto_commit_interval = milliseconds(c.integer_or("auto.commit.interval.ms", 5000, 1, int32_max));
  spec.session_timeout = milliseconds(c.integer_or("session.timeout.ms", 45000, 1, int32_max));
  spec.heartbeat_interval = milliseconds(c.integer_or("heartbeat.interval.ms", 3000, 1, int32_max));
  spec.max_poll_interval = milliseconds(c.integer_or("max.poll.interval.ms", 300000, 1, int32_max));
  spec.max_poll_records = static_cast<std::int32_t>(c.integer_or("max.poll.records", 500, 1, int32_max));
  spec.fetch_min_bytes = static_cast<std::int32_t>(c.integer_or("fetch.min.bytes", 1, 0, int32_max));
  spec.fetch_max_wait = milliseconds(c.integer_or("fetch.max.wait.ms", 500, 0, int32_max));
  spec.max_partition_fetch_bytes = static_cast<std::int32_t>(c.integer_or("max.partition.fetch.bytes", 1048576, 1, int32_max));
  spec.processing_time_per_record = milliseconds(c.integer_or("processing_ms_per_record", 0, 0, 60'000));
  spec.commit_before_processing = c.boolean_or("commit_before_processing", false);
  spec.commit_after_processing = c.boolean_or("commit_after_processing", false);
  spec.ignore_revocation = c.boolean_or("kraftsim.consumer.ignore.revocation", false);
  // Kafka's ConsumerConfig checks: a heartbeat must fit in the session (else the group
  // coordinator would expire the member between two heartbeats).
  if (spec.heartbeat_interval >= spec.session_timeout) {
    throw InputError(c.child_pointer("heartbeat.interval.ms"), "heartbeat.interval.ms must be lower than session.timeout.ms");
  }
  const bool group_key_set = c.has("partition.assignment.strategy") || c.has("enable.auto.commit") ||
                             c.has("auto.commit.interval.ms") || c.has("session.timeout.ms") ||
                             c.has("heartbeat.interval.ms") || c.has("max.poll.interval.ms") ||
                             c.has("commit_before_processing") || c.has("commit_after_processing") ||
                             c.has("kraftsim.consumer.ignore.revocation");
  if (spec.group_id.empty() && group_key_set) {
    throw InputError(c.pointer(), "group settings need a \"group.id\" (without one the consumer assigns itself every partition)");
  }
  if (spec.commit_before_processing && spec.enable_auto_commit) {
    throw InputError(c.child_pointer("commit_before_processing"), "set \"enable.auto.commit\": false with commit_before_processing");
  }
  if (spec.commit_after_processing && spec.enable_auto_commit) {
    throw InputError(c.child_pointer("commit_after_processing"), "set \"enable.auto.commit\": false with commit_after_processing");
  }
  if (spec.commit_after_processing && spec.commit_before_processing) {
    throw InputError(c.child_pointer("commit_after_processing"), "expected one of commit_before_processing and commit_after_processing");
  }
}

Scenario read_scenario(const json& doc, const std::string& source) {
  ObjectReader r(doc, "");
  Scenario s;
  s.source_path = source;
  s.name = r.string("name");
  if (s.name.empty()) throw InputError("/name", "expected a non-empty name");
  s.description = r.string_or("description", "");
  s.seed = r.unsigned_or("seed", 1);
  s.duration = milliseconds(r.integer("duration_ms", 1, time_ms_max));
  s.quiet_phase = milliseconds(r.integer_or("quiet_phase_ms", 0, 0, s.duration.ms() - 1));
  s.max_events = r.unsigned_or("max_events", s.max_events);
  if (s.max_events == 0) throw InputError("/max_events", "expected a positive integer");
  s.program = r.choice_or("program", "kafka", {"kafka", "pinger"});
  if (r.has("test_only_mutations")) {
    const auto& m = r.raw("test_only_mutations");
    const std::vector<std::string> known = {"raft-grant-vote-without-log-check", "raft-advance-hw-without-own-epoch-commit"};
    if (!m.is_array()) throw InputError("/test_only_mutations", "expected an array of mutation names");
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto p = fmt::format("/test_only_mutations/{}", i);
      if (!m[i].is_string() || std::find(known.begin(), known.end(), m[i].get<std::string>()) == known.end()) {
        throw InputError(p, fmt::format("expected one of \"{}\"", fmt::join(known, "\", \"")));
      }
      s.test_only_mutations.push_back(m[i].get<std::string>());
    }
  }
  if (r.has("topics")) {
    const auto& topics = r.raw("topics");
    if (!topics.is_array()) throw InputError("/topics", "expected an array of topics");
    std::set<std::string> names;
    for (std::size_t i = 0; i < topics.size(); ++i) {
      ObjectReader t(topics[i], fmt::format("/topics/{}", i));
      TopicSpec spec;
      spec.pointer = t.pointer();
      spec.name = t.string("name");
      if (!names.insert(spec.name).second) throw InputError(t.child_pointer("name"), "duplicate topic name");
      // Ranges are checked loosely here on purpose: the controller answers partitions < 1 or a
      // replication factor above the broker count with Kafka's errors, which scenarios show.
      spec.partitions = static_cast<std::int32_t>(t.integer_or("partitions", 1, -1000, 10'000));
      spec.replication_factor = static_cast<std::int32_t>(t.integer_or("replication.factor", 1, -1000, 1000));
      if (t.has("config")) spec.config = read_kafka_config(t.raw("config"), t.child_pointer("config"), node::KeyScope::topic);
      t.finish();
      s.topics.push_back(std::move(spec));
    }
  }
  s.metadata_writes_per_s = r.integer_or("metadata_writes_per_s", 0, 0, 100'000);
  if (r.has("expect")) {
    ObjectReader e(r.raw("expect"), "/expect");
    auto read_ids = [&e](const char* key, std::vector<std::string>& out) {
      if (!e.has(key)) return;
      const auto& v = e.raw(key);
      const std::string p = e.child_pointer(key);
      if (!v.is_array()) throw InputError(p, "expected an array of checker ids");
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string() || !check::is_checker_id(v[i].get<std::string>())) {
          throw InputError(fmt::format("{}/{}", p, i), fmt::format("expected a checker id ({}), got {}",
                                                                    fmt::join(check::all_checker_ids, ", "), v[i].dump()));
        }
        out.push_back(v[i].get<std::string>());
      }
    };
    read_ids("violated", s.expect_violated);
    read_ids("may_violate", s.expect_may_violate);
    if (e.has("create_topics")) {
      const auto& v = e.raw("create_topics");
      const std::string p = e.child_pointer("create_topics");
      if (!v.is_object()) throw InputError(p, "expected an object of topic name -> CreateTopics error name");
      for (const auto& [topic, error] : v.items()) {
        const std::string tp = p + "/" + pointer_escape(topic);
        const bool known = std::any_of(s.topics.begin(), s.topics.end(), [&](const TopicSpec& t) { return t.name == topic; });
        if (!known) throw InputError(tp, fmt::format("expected one of the scenario's topics, got \"{}\"", topic));
        const auto& names = check::create_topics_error_names;
        if (!error.is_string() || std::find(names.begin(), names.end(), error.get<std::string>()) == names.end()) {
          throw InputError(tp, fmt::format("expected a CreateTopics error name ({}), got {}", fmt::join(names, ", "), error.dump()));
        }
        s.expect_create_topics[topic] = error.get<std::string>();
      }
    }
    e.finish();
  }
  if (r.has("consumers")) {
    const auto& consumers = r.raw("consumers");
    if (!consumers.is_array() || consumers.size() > 64) throw InputError("/consumers", "expected an array of at most 64 consumers");
    for (std::size_t i = 0; i < consumers.size(); ++i) {
      ObjectReader c(consumers[i], fmt::format("/consumers/{}", i));
      ConsumerSpec spec;
      spec.pointer = c.pointer();
      spec.topic = read_topic_ref(c, s.topics);
      spec.start = milliseconds(c.integer_or("start_ms", 8000, 0, 1'000'000'000));
      spec.auto_offset_reset = c.choice_or("auto.offset.reset", "latest", {"earliest", "latest", "none"});
      read_group_settings(c, spec);
      c.finish();
      s.consumers.push_back(std::move(spec));
    }
  }
  if (r.has("producers")) {
    const auto& producers = r.raw("producers");
    if (!producers.is_array() || producers.size() > 64) throw InputError("/producers", "expected an array of at most 64 producers");
    for (std::size_t i = 0; i < producers.size(); ++i) {
      ObjectReader pr(producers[i], fmt::format("/producers/{}", i));
      ProducerSpec spec;
      spec.pointer = pr.pointer();
      spec.topic = read_topic_ref(pr, s.topics);
      spec.acks = pr.choice_or("acks", "all", {"0", "1", "all", "-1"});
      if (spec.acks == "-1") spec.acks = "all";
      spec.compression = pr.choice_or("compression.type", "none", {"none", "gzip", "snappy", "lz4", "zstd"});
      spec.start = milliseconds(pr.integer_or("start_ms", 8000, 0, 1'000'000'000));
      spec.records_per_s = pr.integer_or("records_per_s", 100, 1, 1'000'000);
      spec.records = pr.integer_or("records", 1000, 0, 100'000'000);
      spec.value_bytes = pr.integer_or("value_bytes", 16, 0, 1'000'000);
      spec.keys = static_cast<std::int32_t>(pr.integer_or("keys", 0, 0, 1'000'000));
      spec.key_distribution = pr.choice_or("key_distribution", "round-robin", {"round-robin", "uniform", "zipf"});
      spec.zipf_exponent = pr.number_or("zipf_exponent", 1.0, 0.01, 10.0);
      if (spec.key_distribution == "zipf" && spec.keys > client::zipf_keys_max) {
        throw InputError(pr.child_pointer("keys"), fmt::format("at most {} keys with key_distribution zipf", client::zipf_keys_max));
      }
      spec.batch_size = pr.integer_or("batch.size", 16384, 1, 16 * 1024 * 1024);
      spec.linger = milliseconds(pr.integer_or("linger.ms", 5, 0, 3'600'000));
      spec.max_in_flight = static_cast<int>(pr.integer_or("max.in.flight.requests.per.connection", 5, 1, 1000));
      spec.request_timeout = milliseconds(pr.integer_or("request.timeout.ms", 30000, 1, 2'147'483'647));
      spec.delivery_timeout = milliseconds(pr.integer_or("delivery.timeout.ms", 120000, 1, 2'147'483'647));
      spec.retry_backoff = milliseconds(pr.integer_or("retry.backoff.ms", 100, 0, 2'147'483'647));
      spec.retries = static_cast<std::int32_t>(pr.integer_or("retries", 2'147'483'647, 0, 2'147'483'647));
      spec.buffer_memory = pr.integer_or("buffer.memory", 33554432, 1, std::int64_t{1} << 40);
      spec.max_block = milliseconds(pr.integer_or("max.block.ms", 60000, 0, 2'147'483'647));
      // ProducerConfig.postProcessAndValidateIdempotenceConfigs: an explicit enable.idempotence=true
      // with acks other than all, retries=0 or more than 5 requests in flight is a ConfigException;
      // left unset, such settings turn the default idempotence off.
      if (pr.has("enable.idempotence")) {
        spec.idempotence = pr.boolean_or("enable.idempotence", true);
        if (*spec.idempotence && spec.idempotence_conflicts()) {
          throw InputError(pr.child_pointer("enable.idempotence"),
                           "enable.idempotence=true needs acks=all, retries > 0 and "
                           "max.in.flight.requests.per.connection <= 5 (Kafka's ConfigException)");
        }
      }
      pr.finish();
      s.producers.push_back(std::move(spec));
    }
  }

  {
    ObjectReader c(r.raw("cluster"), "/cluster");
    const auto& nodes = c.raw("nodes");
    if (!nodes.is_array() || nodes.empty() || nodes.size() > nodes_max) {
      throw InputError("/cluster/nodes", fmt::format("expected an array of 1 to {} nodes", nodes_max));
    }
    std::set<NodeId> ids;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      ObjectReader n(nodes[i], fmt::format("/cluster/nodes/{}", i));
      NodeSpec spec;
      spec.id = static_cast<NodeId>(n.integer("node.id", 0, INT32_MAX));
      if (!ids.insert(spec.id).second) {
        throw InputError(n.child_pointer("node.id"), fmt::format("duplicate node.id {}", spec.id));
      }
      spec.roles = n.choice_or("process.roles", "broker,controller", {"broker", "controller", "broker,controller"});
      spec.formatted = n.boolean_or("formatted", true);
      spec.format_cluster_id = n.string_or("format_cluster_id", "");
      if (!spec.format_cluster_id.empty()) check_cluster_id(spec.format_cluster_id, n.child_pointer("format_cluster_id"));
      if (n.has("config")) spec.config = read_kafka_config(n.raw("config"), n.child_pointer("config"), node::KeyScope::broker);
      n.finish();
      s.nodes.push_back(spec);
    }
    s.cluster_id = c.string_or("cluster.id", s.cluster_id);
    check_cluster_id(s.cluster_id, "/cluster/cluster.id");
    if (c.has("controller.quorum.voters")) {
      s.voters = c.string("controller.quorum.voters");
      auto voters = node::parse_voters(s.voters);
      if (!voters.ok()) throw InputError("/cluster/controller.quorum.voters", voters.error().message);
      for (const auto& v : voters.value()) {
        if (!ids.contains(v.id)) {
          throw InputError("/cluster/controller.quorum.voters", fmt::format("voter {} is not a node of the cluster", v.id));
        }
      }
    }
    if (c.has("config")) s.config = read_kafka_config(c.raw("config"), "/cluster/config", node::KeyScope::broker);
    if (c.has("network")) {
      ObjectReader n(c.raw("network"), "/cluster/network");
      s.network = read_network(n);
    }
    if (c.has("disk")) {
      ObjectReader d(c.raw("disk"), "/cluster/disk");
      s.disk = read_disk(d);
    }
    c.finish();

    if (r.has("pinger")) {
      ObjectReader p(r.raw("pinger"), "/pinger");
      s.pinger.interval = milliseconds(p.integer_or("interval_ms", s.pinger.interval.ms(), 1, 3'600'000));
      s.pinger.padding_bytes = static_cast<std::int32_t>(p.integer_or("padding_bytes", 0, 0, 1 << 24));
      s.pinger.sync_every = p.integer_or("sync_every", s.pinger.sync_every, 1, 1'000'000);
      p.finish();
    }

    if (r.has("faults")) {
      const auto& faults = r.raw("faults");
      if (!faults.is_array() || faults.size() > faults_max) {
        throw InputError("/faults", fmt::format("expected an array of at most {} faults", faults_max));
      }
      KnownNodes known{ids, {}};
      for (std::size_t i = 0; i < s.producers.size(); ++i) known.clients[fmt::format("producer:{}", i)] = producer_node_id(s, i);
      for (std::size_t i = 0; i < s.consumers.size(); ++i) known.clients[fmt::format("consumer:{}", i)] = consumer_node_id(s, i);
      for (std::size_t i = 0; i < faults.size(); ++i) {
        s.faults.push_back(read_fault(faults[i], fmt::format("/faults/{}", i), known));
      }
      for (const FaultSpec& f : s.faults) {
        const auto* name = std::get_if<std::string>(&f.target.value);
        if (name == nullptr || name->find(':') == std::string::npos) continue;
        if (name->rfind("coordinator-of:", 0) == 0) continue;
        const std::string tp = name->substr(name->find(':') + 1);
        const auto dash = tp.rfind('-');
        const std::string topic = tp.substr(0, dash);
        const int index = std::stoi(tp.substr(dash + 1));
        const auto t = std::find_if(s.topics.begin(), s.topics.end(), [&topic](const TopicSpec& x) { return x.name == topic; });
        if (t == s.topics.end() || index >= t->partitions) {
          throw InputError(f.pointer, fmt::format("\"{}\" names no partition of the scenario's topics", *name));
        }
      }
      std::stable_sort(s.faults.begin(), s.faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
      if (s.quiet_phase > Duration{}) {
        for (const FaultSpec& f : s.faults) {
          if (f.at >= s.quiet_phase_start()) {
            throw InputError(f.pointer + "/at_ms",
                             fmt::format("expected a time before the quiet phase, which starts at {} ms (duration_ms - quiet_phase_ms)",
                                         (s.duration - s.quiet_phase).ms()));
          }
        }
      }
    }
  }
  r.finish();
  if (s.program == "kafka") {
    // The node configurations as Kafka would build them: cluster keys, node keys, roles and
    // voters together (a controller outside the voters, a malformed voters string, ...).
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {
      auto config = node::parse_node_config(node_properties(s, s.nodes[i]));
      if (!config.ok()) {
        throw InputError(fmt::format("/cluster/nodes/{}", i), fmt::format("node {}: {}: {}", s.nodes[i].id,
                                                                         config.error().key, config.error().message));
      }
    }
  }
  return s;
}

}  // namespace

const char* to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::crash: return "crash";
    case FaultKind::power_loss: return "power-loss";
    case FaultKind::restart: return "restart";
    case FaultKind::pause: return "pause";
    case FaultKind::resume: return "resume";
    case FaultKind::isolate: return "isolate";
    case FaultKind::partition: return "partition";
    case FaultKind::one_way_partition: return "one-way-partition";
    case FaultKind::clog: return "clog";
    case FaultKind::heal: return "heal";
    case FaultKind::disk_corrupt: return "disk-corrupt";
    case FaultKind::disk_read_error: return "disk-read-error";
    case FaultKind::disk_full: return "disk-full";
    case FaultKind::disk_slow: return "disk-slow";
    case FaultKind::drop_caches: return "drop-caches";
    case FaultKind::shutdown: return "shutdown";
    case FaultKind::disk_lost: return "disk-lost";
  }
  return "unknown";
}

Result<Scenario, LoadError> parse_scenario(const std::string& text, const std::string& source_name) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() names the line and column of the syntax error.
    return unexpected(LoadError{fmt::format("{}: malformed JSON: {}", source_name, e.what())});
  }
  try {
    return read_scenario(doc, source_name);
  } catch (const InputError& e) {
    return unexpected(LoadError{fmt::format("{}: {}", source_name, e.what())});
  }
}

Result<Scenario, LoadError> load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(LoadError{fmt::format("{}: cannot open scenario file", path)});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unexpected(LoadError{fmt::format("{}: cannot read scenario file", path)});
  return parse_scenario(text.str(), path);
}

}  // namespace kraftsim::runner

// The configuration key table (see config_keys.h). Defaults and meanings are Kafka's
// (kafka.apache.org/documentation/#brokerconfigs, #topicconfigs); rows say where kraftsim
// differs.
#include "broker/node/config_keys.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace kraftsim::node {

namespace {

constexpr std::int64_t int32_max = 2147483647;

constexpr std::array keys = {
    ConfigKey{"node.id", KeyType::integer, KeyScope::broker, "", 0, int32_max, "", "The node's id in the cluster (KRaft)."},
    ConfigKey{"process.roles", KeyType::choice, KeyScope::broker, "", 0, 0, "broker|controller|broker,controller",
              "The roles this node plays."},
    ConfigKey{"controller.quorum.voters", KeyType::string, KeyScope::broker, "", 0, 0, "",
              "The controller quorum as id@host:port entries, e.g. 1@kafka1:9093,2@kafka2:9093."},
    ConfigKey{"cluster.id", KeyType::string, KeyScope::broker, "", 0, 0, "",
              "The cluster id written by kafka-storage.sh format (22-character base64url Uuid).",
              "Set per scenario; the runner formats each node's storage with it before the run."},
    ConfigKey{"controller.quorum.election.timeout.ms", KeyType::integer, KeyScope::broker, "1000", 1, int32_max, "",
              "Election timeout T; the effective timeout is T + random(T)."},
    ConfigKey{"controller.quorum.fetch.timeout.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "A follower that hears nothing from the leader this long starts an election; check-quorum uses 1.5x."},
    ConfigKey{"controller.quorum.election.backoff.max.ms", KeyType::integer, KeyScope::broker, "1000", 1, int32_max, "",
              "Cap of the binary exponential backoff between elections."},
    ConfigKey{"controller.quorum.request.timeout.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "Quorum RPC timeout before retrying."},
    ConfigKey{"controller.quorum.retry.backoff.ms", KeyType::integer, KeyScope::broker, "20", 0, int32_max, "",
              "Pause after a failed quorum RPC."},
    ConfigKey{"broker.heartbeat.interval.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "How often a broker heartbeats to the active controller."},
    ConfigKey{"broker.session.timeout.ms", KeyType::integer, KeyScope::broker, "9000", 1, int32_max, "",
              "The controller fences a broker that has not heartbeated this long."},
    ConfigKey{"metadata.log.max.record.bytes.between.snapshots", KeyType::integer, KeyScope::broker, "20971520", 1,
              INT64_MAX, "", "Bytes of new metadata records after which a node writes a metadata snapshot."},
    ConfigKey{"metadata.log.max.snapshot.interval.ms", KeyType::integer, KeyScope::broker, "3600000", 0, INT64_MAX, "",
              "Longest time between metadata snapshots (0 disables time-based snapshots)."},
    ConfigKey{"metadata.max.idle.interval.ms", KeyType::integer, KeyScope::broker, "500", 0, int32_max, "",
              "The active controller writes a NoOpRecord this often (KIP-835); 0 disables it."},
    ConfigKey{"metadata.log.segment.bytes", KeyType::integer, KeyScope::broker, "1073741824", 12, int32_max, "",
              "Size of a metadata log segment before it rolls.",
              "Default 1 MiB in kraftsim (the runs are short); set it to see segments roll."},
    ConfigKey{"unclean.leader.election.enable", KeyType::boolean, KeyScope::both, "false", 0, 0, "",
              "Elect a replica outside the ISR when no ISR member is alive, at the risk of losing data (KIP-106)."},
    ConfigKey{"min.insync.replicas", KeyType::integer, KeyScope::both, "1", 1, int32_max, "",
              "With acks=all, the fewest in-sync replicas a produce needs."},
    // ---- partition replication (broker/replication, broker/node/replica_manager) ----
    ConfigKey{"replica.lag.time.max.ms", KeyType::integer, KeyScope::broker, "30000", 1, int32_max, "",
              "A follower that has not caught up to the leader's log end this long leaves the ISR."},
    ConfigKey{"replica.fetch.wait.max.ms", KeyType::integer, KeyScope::broker, "500", 0, int32_max, "",
              "How long the leader holds a follower's Fetch that has nothing to return."},
    ConfigKey{"replica.fetch.backoff.ms", KeyType::integer, KeyScope::broker, "1000", 0, int32_max, "",
              "A follower's pause after a failed fetch."},
    ConfigKey{"replica.fetch.max.bytes", KeyType::integer, KeyScope::broker, "1048576", 1, int32_max, "",
              "Bytes a follower asks for per partition and Fetch (at least one batch comes)."},
    ConfigKey{"replica.socket.timeout.ms", KeyType::integer, KeyScope::broker, "30000", 1, int32_max, "",
              "A follower gives up on an unanswered fetch after this."},
    ConfigKey{"replica.high.watermark.checkpoint.interval.ms", KeyType::integer, KeyScope::broker, "5000", 1,
              int32_max, "", "How often each broker writes replication-offset-checkpoint (the high watermarks)."},
    ConfigKey{"legacy.truncate.to.high.watermark", KeyType::boolean, KeyScope::broker, "false", 0, 0, "",
              "Teaching and tests only: a restarted follower truncates to its own high watermark, as before KIP-101 "
              "(Kafka < 0.11); loses acknowledged records and lets replicas diverge.",
              "Not a Kafka key: a kraftsim switch that brings back the pre-KIP-101 behaviour."},
    ConfigKey{"legacy.advance.high.watermark.below.min.isr", KeyType::boolean, KeyScope::broker, "false", 0, 0, "",
              "Teaching and tests only: the leader advances the high watermark while the ISR is below "
              "min.insync.replicas, as before KIP-966 (Kafka < 3.7).",
              "Not a Kafka key: a kraftsim switch."},
    ConfigKey{"kraftsim.replica.truncate.on.fetch", KeyType::boolean, KeyScope::broker, "false", 0, 0, "",
              "Followers truncate from the DivergingEpoch of Fetch responses (Kafka 2.7+) instead of "
              "OffsetsForLeaderEpoch rounds first (KIP-101/279).",
              "Not a Kafka key: Kafka chooses by inter.broker.protocol.version."},
    // ---- partition logs (broker/log); topic-level names override the broker's ----
    ConfigKey{"log.segment.bytes", KeyType::integer, KeyScope::broker, "1073741824", 14, int32_max, "",
              "Size of a partition log segment before it rolls."},
    ConfigKey{"segment.bytes", KeyType::integer, KeyScope::topic, "1073741824", 14, int32_max, "",
              "Topic-level log.segment.bytes."},
    ConfigKey{"log.roll.ms", KeyType::integer, KeyScope::broker, "604800000", 1, INT64_MAX, "",
              "Age after which a segment rolls (log.roll.hours is 168)."},
    ConfigKey{"segment.ms", KeyType::integer, KeyScope::topic, "604800000", 1, INT64_MAX, "", "Topic-level log.roll.ms."},
    ConfigKey{"log.index.interval.bytes", KeyType::integer, KeyScope::broker, "4096", 0, int32_max, "",
              "Bytes between entries of the sparse offset index."},
    ConfigKey{"log.retention.ms", KeyType::integer, KeyScope::broker, "604800000", -1, INT64_MAX, "",
              "Delete whole segments older than this (-1: no time limit)."},
    ConfigKey{"retention.ms", KeyType::integer, KeyScope::topic, "604800000", -1, INT64_MAX, "",
              "Topic-level log.retention.ms."},
    ConfigKey{"log.retention.bytes", KeyType::integer, KeyScope::broker, "-1", -1, INT64_MAX, "",
              "Delete old segments while the partition is larger than this (-1: no size limit)."},
    ConfigKey{"retention.bytes", KeyType::integer, KeyScope::topic, "-1", -1, INT64_MAX, "",
              "Topic-level log.retention.bytes."},
    ConfigKey{"log.retention.check.interval.ms", KeyType::integer, KeyScope::broker, "300000", 1, INT64_MAX, "",
              "How often retention runs."},
    ConfigKey{"log.flush.interval.messages", KeyType::integer, KeyScope::broker, "9223372036854775807", 1, INT64_MAX,
              "", "fsync after this many messages; the default never does (the page cache and replication carry durability)."},
    ConfigKey{"flush.messages", KeyType::integer, KeyScope::topic, "9223372036854775807", 1, INT64_MAX, "",
              "Topic-level log.flush.interval.messages."},
    ConfigKey{"log.flush.interval.ms", KeyType::integer, KeyScope::broker, "9223372036854775807", 0, INT64_MAX, "",
              "fsync when the oldest unflushed message is this old; the default never does."},
    ConfigKey{"flush.ms", KeyType::integer, KeyScope::topic, "9223372036854775807", 0, INT64_MAX, "",
              "Topic-level log.flush.interval.ms."},
    ConfigKey{"log.flush.offset.checkpoint.interval.ms", KeyType::integer, KeyScope::broker, "60000", 0, int32_max, "",
              "How often the recovery point is checkpointed."},
    ConfigKey{"compression.type", KeyType::choice, KeyScope::both, "producer", 0, 0,
              "producer|none|gzip|snappy|lz4|zstd|uncompressed",
              "Topic compression; 'producer' keeps what the producer sent.",
              "The broker stores batches as the producer compressed them; it does not recompress."},
    ConfigKey{"default.replication.factor", KeyType::integer, KeyScope::broker, "1", 1, int32_max, "",
              "Replication factor of topics created without one."},
    ConfigKey{"num.partitions", KeyType::integer, KeyScope::broker, "1", 1, int32_max, "",
              "Partition count of topics created without one."},
    // ---- the group coordinator (broker/coordinator, broker/node/coordinator_driver) ----
    ConfigKey{"offsets.topic.num.partitions", KeyType::integer, KeyScope::broker, "50", 1, 1000, "",
              "Partitions of __consumer_offsets; a group's coordinator leads partition "
              "abs(hashCode(group.id)) % this. Must not change once the topic exists.",
              "Scenarios usually set it small (each partition is a real replicated log)."},
    ConfigKey{"offsets.topic.replication.factor", KeyType::integer, KeyScope::broker, "3", 1, 32767, "",
              "Replication factor of __consumer_offsets. Its creation fails (COORDINATOR_NOT_AVAILABLE to "
              "clients) until this many brokers are up."},
    ConfigKey{"offsets.commit.timeout.ms", KeyType::integer, KeyScope::broker, "5000", 1, int32_max, "",
              "How long an offset commit waits for the replicas of __consumer_offsets (acks=all) before "
              "REQUEST_TIMED_OUT."},
    ConfigKey{"group.initial.rebalance.delay.ms", KeyType::integer, KeyScope::broker, "3000", 0, int32_max, "",
              "How long the first rebalance of an empty group waits for more members (KIP-134)."},
    ConfigKey{"group.min.session.timeout.ms", KeyType::integer, KeyScope::broker, "6000", 1, int32_max, "",
              "The smallest session.timeout.ms a member may ask for (else INVALID_SESSION_TIMEOUT)."},
    ConfigKey{"group.max.session.timeout.ms", KeyType::integer, KeyScope::broker, "1800000", 1, int32_max, "",
              "The largest session.timeout.ms a member may ask for (else INVALID_SESSION_TIMEOUT)."},
    ConfigKey{"group.max.size", KeyType::integer, KeyScope::broker, "2147483647", 1, int32_max, "",
              "Members a group may have (GROUP_MAX_SIZE_REACHED beyond).",
              "kraftsim caps it at 256 members."},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return keys; }

std::string config_keys_markdown() {
  std::string out =
      "# Configuration keys\n\n"
      "Every Kafka configuration key kraftsim understands, generated from the registry in\n"
      "`broker/node/config_keys.cpp` (`kraftsim config-keys > docs/configuration.md`; a test keeps this file\n"
      "in step). Broker keys go in a scenario's `cluster.config` or a node's `config`; topic keys in a\n"
      "topic's `config` (a broker key such as `min.insync.replicas` there is the cluster-wide default).\n"
      "Defaults are Kafka's; the last column says where kraftsim differs. Any other key is refused\n"
      "before the run starts, with the JSON pointer of the field.\n\n"
      "Client settings (`acks`, `linger.ms`, `batch.size`, `compression.type`,\n"
      "`max.in.flight.requests.per.connection`, `request.timeout.ms`, `delivery.timeout.ms`) are keys of\n"
      "a scenario's `producers` entries; `scenarios/scenario.schema.json` lists them with their defaults.\n\n"
      "| key | scope | type | default | valid values | meaning | kraftsim |\n"
      "|-----|-------|------|---------|--------------|---------|----------|\n";
  auto scope = [](KeyScope s) {
    switch (s) {
      case KeyScope::broker: return "broker";
      case KeyScope::topic: return "topic";
      case KeyScope::both: return "broker, topic";
    }
    return "?";
  };
  auto type = [](KeyType t) {
    switch (t) {
      case KeyType::integer: return "integer";
      case KeyType::boolean: return "boolean";
      case KeyType::string: return "string";
      case KeyType::choice: return "choice";
      case KeyType::list: return "list";
    }
    return "?";
  };
  for (const ConfigKey& k : keys) {
    std::string valid;
    if (k.type == KeyType::integer) valid = fmt::format("{} .. {}", k.min, k.max);
    if (k.type == KeyType::choice) valid = fmt::format("`{}`", k.choices);
    if (k.type == KeyType::boolean) valid = "true, false";
    std::string note(k.kraftsim_note.empty() ? std::string_view("as Kafka") : k.kraftsim_note);
    for (auto& c : valid) if (c == '|') c = '/';
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", k.name, scope(k.scope), type(k.type),
                       k.default_value.empty() ? "(none)" : fmt::format("`{}`", k.default_value), valid, k.meaning, note);
  }
  return out;
}

const ConfigKey* find_config_key(std::string_view name) {
  for (const ConfigKey& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Result<std::string, std::string> validate_config_value(const ConfigKey& key, const std::string& value) {
  switch (key.type) {
    case KeyType::integer: {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() || v < key.min || v > key.max) {
        return unexpected(fmt::format("expected an integer in [{}, {}], got \"{}\"", key.min, key.max, value));
      }
      return value;
    }
    case KeyType::boolean:
      if (value != "true" && value != "false") return unexpected(fmt::format("expected true or false, got \"{}\"", value));
      return value;
    case KeyType::choice: {
      std::string_view rest = key.choices;
      while (!rest.empty()) {
        const auto bar = rest.find('|');
        const auto choice = rest.substr(0, bar);
        if (choice == value) return value;
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      return unexpected(fmt::format("expected one of {}, got \"{}\"", key.choices, value));
    }
    case KeyType::string:
    case KeyType::list:
      return value;
  }
  return value;
}

}  // namespace kraftsim::node

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
    // ---- test-only mutations: each breaks the protocol on purpose so that a checker must fail ----
    ConfigKey{"kraftsim.test.partition.leader.epoch.not.bumped", KeyType::boolean, KeyScope::broker, "false", 0, 0, "",
              "Tests only: a partition change that names a new leader keeps the leader epoch (Kafka's "
              "PartitionRegistration.merge always bumps it), so two brokers lead one partition in the same epoch. "
              "Set it on every node (the cluster config): every node replays the metadata log.",
              "Not a Kafka key: a kraftsim switch that breaks the protocol (single-partition-leader-per-epoch "
              "reports it)."},
    ConfigKey{"kraftsim.test.leader.hw.may.decrease", KeyType::boolean, KeyScope::broker, "false", 0, 0, "",
              "Tests only: the leader's high watermark is the smallest log end over the ISR and every lagging "
              "replica that fetched, set even when lower (Kafka's maybeIncrementLeaderHW counts the ISR only and "
              "only moves forward).",
              "Not a Kafka key: a kraftsim switch that breaks the protocol (partition-hw-monotonic reports it)."},
    ConfigKey{"kraftsim.test.coordinator.accepts.stale.generation.commits", KeyType::boolean, KeyScope::broker,
              "false", 0, 0, "",
              "Tests only: the group coordinator stores OffsetCommit from a removed member or a stale generation "
              "instead of answering UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION, so a zombie member overwrites the new "
              "owner's commit.",
              "Not a Kafka key: a kraftsim switch that breaks the protocol (committed-offset-monotonic reports "
              "it)."},
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

constexpr auto producer = KeyScope::producer;
constexpr auto consumer = KeyScope::consumer;
const ConfigKey client_keys[] = {
    ConfigKey{"acks", KeyType::choice, producer, "all", 0, 0, "0|1|all|-1",
              "How many replicas must have a record before the producer hears it is written (Kafka 3.0+: all)."},
    ConfigKey{"enable.idempotence", KeyType::boolean, producer, "true", 0, 0, "",
              "KIP-98: producer id, epoch and per-partition sequences; the leader answers retried batches with their "
              "original offsets. Unset, it turns itself off when acks, retries or max.in.flight conflict; set, they are "
              "an error.",
              "No transactions (transactional.id)."},
    ConfigKey{"compression.type", KeyType::choice, producer, "none", 0, 0, "none|gzip|snappy|lz4|zstd",
              "Codec of the producer's record batches."},
    ConfigKey{"batch.size", KeyType::integer, producer, "16384", 1, 16 * 1024 * 1024, "",
              "Bytes of records a partition's batch gathers before it is sent."},
    ConfigKey{"linger.ms", KeyType::integer, producer, "5", 0, 3'600'000, "",
              "How long a batch waits for more records (Kafka 4.0's default, KIP-1030)."},
    ConfigKey{"max.in.flight.requests.per.connection", KeyType::integer, producer, "5", 1, 1000, "",
              "Produce requests in flight to one broker; above 1 without idempotence retries can reorder records.",
              "One partition per Produce request (Kafka sends every ready partition of a broker in one)."},
    ConfigKey{"request.timeout.ms", KeyType::integer, producer, "30000", 1, int32_max, "",
              "How long the producer waits for an answer before it retries."},
    ConfigKey{"delivery.timeout.ms", KeyType::integer, producer, "120000", 1, int32_max, "",
              "Upper bound on the time from send() to the callback, retries included; queued batches expire too."},
    ConfigKey{"retries", KeyType::integer, producer, "2147483647", 0, int32_max, "",
              "Attempts after the first before a batch fails (delivery.timeout.ms usually ends it first)."},
    ConfigKey{"retry.backoff.ms", KeyType::integer, producer, "100", 0, int32_max, "",
              "Pause before a failed batch or a metadata request is retried.",
              "Fixed; Kafka 3.7+ backs off exponentially up to retry.backoff.max.ms (KIP-580)."},
    ConfigKey{"buffer.memory", KeyType::integer, producer, "33554432", 1, INT64_C(1) << 40, "",
              "Bytes of records the producer holds (waiting or in flight); a send that does not fit blocks.",
              "A record counts value_bytes + 16."},
    ConfigKey{"max.block.ms", KeyType::integer, producer, "60000", 0, int32_max, "",
              "How long a blocked send() waits for buffer.memory before it fails with TimeoutException."},

    ConfigKey{"auto.offset.reset", KeyType::choice, consumer, "latest", 0, 0, "earliest|latest|none",
              "Where a partition starts without a committed offset, and after OFFSET_OUT_OF_RANGE."},
    ConfigKey{"group.id", KeyType::string, consumer, "", 0, 0, "",
              "The consumer group; without one the consumer reads every partition (assign())."},
    ConfigKey{"partition.assignment.strategy", KeyType::choice, consumer, "range", 0, 0, "range|roundrobin|cooperative-sticky",
              "The assignor the group leader runs (RangeAssignor, RoundRobinAssignor, CooperativeStickyAssignor).",
              "One assignor, not a list (Kafka's default list is range then cooperative-sticky)."},
    ConfigKey{"enable.auto.commit", KeyType::boolean, consumer, "true", 0, 0, "",
              "Commit the processed positions every auto.commit.interval.ms from poll, and before a rebalance."},
    ConfigKey{"auto.commit.interval.ms", KeyType::integer, consumer, "5000", 1, int32_max, "", "How often poll auto-commits."},
    ConfigKey{"session.timeout.ms", KeyType::integer, consumer, "45000", 1, int32_max, "",
              "The coordinator removes a member that has not heartbeated this long (KIP-735)."},
    ConfigKey{"heartbeat.interval.ms", KeyType::integer, consumer, "3000", 1, int32_max, "", "How often a member heartbeats."},
    ConfigKey{"max.poll.interval.ms", KeyType::integer, consumer, "300000", 1, int32_max, "",
              "The rebalance timeout; a poll loop silent this long leaves the group."},
    ConfigKey{"max.poll.records", KeyType::integer, consumer, "500", 1, int32_max, "", "Records one poll returns at most."},
    ConfigKey{"fetch.min.bytes", KeyType::integer, consumer, "1", 0, int32_max, "",
              "The broker holds a fetch until this many bytes are readable or fetch.max.wait.ms passes."},
    ConfigKey{"fetch.max.wait.ms", KeyType::integer, consumer, "500", 0, int32_max, "", "How long the broker holds a fetch."},
    ConfigKey{"max.partition.fetch.bytes", KeyType::integer, consumer, "1048576", 1, int32_max, "",
              "Bytes one fetch returns per partition (at least one batch)."},
    ConfigKey{"kraftsim.consumer.ignore.revocation", KeyType::boolean, consumer, "false", 0, 0, "",
              "Keep the partitions owned before a rebalance instead of revoking them.",
              "Not Kafka's: a test and teaching switch that breaks the group protocol (group-single-owner reports it)."},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return keys; }
std::span<const ConfigKey> client_config_keys() { return client_keys; }

const ConfigKey* find_client_config_key(KeyScope scope, std::string_view name) {
  for (const ConfigKey& k : client_keys) {
    if (k.scope == scope && k.name == name) return &k;
  }
  return nullptr;
}

namespace {

const char* scope_name(KeyScope s) {
  switch (s) {
    case KeyScope::broker: return "broker";
    case KeyScope::topic: return "topic";
    case KeyScope::both: return "broker, topic";
    case KeyScope::producer: return "producer";
    case KeyScope::consumer: return "consumer";
  }
  return "?";
}

const char* type_name(KeyType t) {
  switch (t) {
    case KeyType::integer: return "integer";
    case KeyType::boolean: return "boolean";
    case KeyType::string: return "string";
    case KeyType::choice: return "choice";
    case KeyType::list: return "list";
  }
  return "?";
}

std::string markdown_table(std::span<const ConfigKey> table) {
  std::string out =
      "| key | scope | type | default | valid values | meaning | kraftsim |\n"
      "|-----|-------|------|---------|--------------|---------|----------|\n";
  for (const ConfigKey& k : table) {
    std::string valid;
    if (k.type == KeyType::integer) valid = fmt::format("{} .. {}", k.min, k.max);
    if (k.type == KeyType::choice) valid = fmt::format("`{}`", k.choices);
    if (k.type == KeyType::boolean) valid = "true, false";
    std::string note(k.kraftsim_note.empty() ? std::string_view("as Kafka") : k.kraftsim_note);
    for (auto& c : valid) if (c == '|') c = '/';
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", k.name, scope_name(k.scope), type_name(k.type),
                       k.default_value.empty() ? "(none)" : fmt::format("`{}`", k.default_value), valid, k.meaning, note);
  }
  return out;
}

}  // namespace

std::string config_keys_markdown() {
  std::string out =
      "# Configuration keys\n\n"
      "Every Kafka configuration key kraftsim understands, generated from the registry in\n"
      "`broker/node/config_keys.cpp` (`kraftsim config-keys > docs/configuration.md`; a test keeps this file\n"
      "in step). Broker keys go in a scenario's `cluster.config` or a node's `config`; topic keys in a\n"
      "topic's `config` (a broker key such as `min.insync.replicas` there is the cluster-wide default).\n"
      "Defaults are Kafka's; the last column says where kraftsim differs. Any other key is refused\n"
      "before the run starts, with the JSON pointer of the field.\n\n"
      "## Broker and topic keys\n\n";
  out += markdown_table(keys);
  out +=
      "\n## Client keys\n\n"
      "Keys of a scenario's `producers` and `consumers` entries (Kafka's ProducerConfig and\n"
      "ConsumerConfig). The entries also take workload keys that are not Kafka's (`topic`, `start_ms`;\n"
      "producers: `records_per_s`, `records`, `value_bytes`, `keys`, `key_distribution`, `zipf_exponent`;\n"
      "consumers: `processing_ms_per_record`, `commit_before_processing`, `commit_after_processing`);\n"
      "`scenarios/scenario.schema.json` lists all of them.\n\n";
  out += markdown_table(client_keys);
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

// The scenario model: what a scenario file says, after validation. Loading (scenario_loader)
// turns JSON into this; the runner turns this into a World and a fault schedule. The JSON
// Schema scenarios/scenario.schema.json describes the same format for editors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/time.h"
#include "broker/env/node_id.h"
#include "sim/world/disk.h"
#include "sim/world/network.h"

namespace kraftsim::runner {

struct NodeSpec {
  NodeId id = 0;
  std::string roles;  // process.roles, e.g. "broker,controller"
  // Storage formatting before the run (kafka-storage.sh format): false leaves the disk empty,
  // and the node must refuse to start. format_cluster_id formats it with another cluster id
  // than the cluster's (a node from another cluster: INCONSISTENT_CLUSTER_ID).
  bool formatted = true;
  std::string format_cluster_id;  // "" = the cluster's
  std::map<std::string, std::string> config;  // per-node overrides of Kafka keys
};

struct TopicSpec {
  std::string name;
  std::int32_t partitions = 1;
  std::int32_t replication_factor = 1;
  std::map<std::string, std::string> config;  // topic configs (min.insync.replicas, ...)
  std::string pointer;                        // for messages
};

// A fault target: a node id, or a name resolved when the fault fires ("crashed", "all").
// A producer client (broker/client/producer.h) on a node of its own.
struct ProducerSpec {
  std::string topic;
  std::string acks = "all";           // "0" | "1" | "all"
  std::string compression = "none";   // compression.type: none | gzip | snappy | lz4 | zstd
  Duration start = milliseconds(8000);
  std::int64_t records_per_s = 100;
  std::int64_t records = 1000;
  std::int64_t value_bytes = 16;
  std::int32_t keys = 0;  // 0: keyless records (sticky partitioning)
  std::string key_distribution = "round-robin";  // round-robin | uniform | zipf
  double zipf_exponent = 1.0;
  std::int64_t batch_size = 16384;
  Duration linger = milliseconds(5);  // linger.ms (Kafka 4.0's default, KIP-1030)
  int max_in_flight = 5;              // max.in.flight.requests.per.connection
  Duration request_timeout = milliseconds(30000);
  Duration delivery_timeout = milliseconds(120000);
  Duration retry_backoff = milliseconds(100);
  std::int32_t retries = 2147483647;
  // enable.idempotence as set; unset, Kafka's default true turns itself off when acks, retries
  // or max.in.flight conflict (ProducerConfig.postProcessAndValidateIdempotenceConfigs).
  std::optional<bool> idempotence;
  bool idempotence_conflicts() const { return acks != "all" || retries == 0 || max_in_flight > 5; }
  bool idempotent() const { return idempotence.value_or(!idempotence_conflicts()); }
  std::int64_t buffer_memory = 33554432;
  Duration max_block = milliseconds(60000);
  std::string pointer;
};

// A consumer client (broker/client/consumer.h): without group.id it reads every partition of the
// topic; with group.id it is a member of that consumer group and runs a poll loop.
struct ConsumerSpec {
  std::string topic;
  Duration start = milliseconds(8000);
  std::string pointer;
  std::string auto_offset_reset = "latest";  // auto.offset.reset: earliest | latest | none (Kafka's default)
  std::string group_id{};                    // group.id ("" = no group: assign every partition)
  std::string assignment_strategy = "range";  // partition.assignment.strategy: range | roundrobin
  bool enable_auto_commit = true;
  Duration auto_commit_interval = milliseconds(5000);
  Duration session_timeout = milliseconds(45000);
  Duration heartbeat_interval = milliseconds(3000);
  Duration max_poll_interval = milliseconds(300000);
  std::int32_t max_poll_records = 500;
  std::int32_t fetch_min_bytes = 1;
  Duration fetch_max_wait = milliseconds(500);
  std::int32_t max_partition_fetch_bytes = 1048576;
  Duration processing_time_per_record{};  // processing_ms_per_record: the application's work
  bool commit_before_processing = false;  // kraftsim: commit the polled positions before processing
  bool commit_after_processing = false;   // kraftsim: commitSync of the processed positions after each poll
  bool ignore_revocation = false;         // kraftsim.consumer.ignore.revocation (test only)
};

struct Target {
  std::variant<NodeId, std::string> value;
};

enum class FaultKind {
  crash, power_loss, restart, pause, resume, isolate,
  partition, one_way_partition, clog, heal,
  disk_corrupt, disk_read_error, disk_full, disk_slow, drop_caches,
  shutdown,   // graceful (SIGTERM): a leader resigns first
  disk_lost,  // the node loses its whole disk; an operator formats a new one and it restarts
};
const char* to_string(FaultKind kind);

struct FaultSpec {
  Time at;
  FaultKind kind = FaultKind::heal;
  std::string pointer;                        // where the fault is in the file, for messages
  Target target;                              // single-node faults
  std::vector<std::vector<NodeId>> groups;    // partition
  NodeId from = no_node, to = no_node;        // one-way partition, clog (a, b)
  Duration extra_delay;                       // clog
  std::string path;                           // disk faults
  std::uint64_t offset = 0, length = 0;       // disk-corrupt, disk-read-error
  std::uint64_t capacity_bytes = 0;           // disk-full
  std::int64_t slow_factor = 1;               // disk-slow
};

struct PingerSpec {
  Duration interval = milliseconds(100);
  std::int32_t padding_bytes = 0;
  std::int64_t sync_every = 10;
};

struct Scenario {
  std::string source_path;  // the file it came from ("" if built in code)
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  Duration duration = seconds(10);
  // The run's last quiet_phase: at its start every fault is healed (network healed, paused nodes
  // resumed, crashed nodes restarted, disks back to normal) and no fault fires in it; by its end
  // the cluster must have recovered (the liveness-after-heal check). Zero: no quiet phase, and
  // liveness-after-heal does not apply. Faults must all fire before it starts.
  Duration quiet_phase{};
  Time quiet_phase_start() const { return Time::zero() + (duration - quiet_phase); }
  std::uint64_t max_events = 50'000'000;  // the run's event budget
  std::string program = "kafka";          // what the nodes run: "kafka" or the kernel demo "pinger"
  PingerSpec pinger;
  std::vector<NodeSpec> nodes;
  std::string cluster_id = "tUeiYSM4QW2qCFizw1jz8Q";  // the seed document's CLUSTER_ID
  std::string voters;                               // controller.quorum.voters ("" = derived)
  std::map<std::string, std::string> config;        // cluster-wide Kafka keys
  std::vector<TopicSpec> topics;                    // created through CreateTopics at start
  std::int64_t metadata_writes_per_s = 0;           // extra metadata load (NoOp-style records)
  std::vector<ProducerSpec> producers;              // client nodes after the admin client
  std::vector<ConsumerSpec> consumers;              // client nodes after the producers
  // Deliberately broken protocol variants, to show that checkers catch them (tests and
  // teaching only): "raft-grant-vote-without-log-check", "raft-advance-hw-without-own-epoch-commit".
  std::vector<std::string> test_only_mutations;
  sim::NetworkConfig network;
  sim::DiskConfig disk;
  std::vector<FaultSpec> faults;  // sorted by time, ties in file order
  // Teaching scenarios that show a failure say so (checker ids): `violated` must be violated in
  // this run (expected-violation; missing-expected-violation fails the run), `may_violate` may
  // be either way (the failure depends on timing; the description says so).
  std::vector<std::string> expect_violated;
  std::vector<std::string> expect_may_violate;
  // The answer CreateTopics must give for a topic, by topic name: Kafka's error name, e.g.
  // "INVALID_REPLICATION_FACTOR" (seed 3.1.1), or "NONE". Judged by topics-created-as-expected.
  std::map<std::string, std::string> expect_create_topics;
};

}  // namespace kraftsim::runner

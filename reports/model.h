// The timeline model: everything the reports draw, built once from a run's trace events (the
// parsed events.jsonl) and shared by every renderer (HTML, Markdown, Mermaid, Perfetto). It reads
// the trace only: never node state, never the scenario file, so `kraftsim report` re-renders a
// run from events.jsonl alone. docs/reports.md describes what each part means.
//
// Large runs stay bounded: messages are kept one by one only inside the detail window; outside
// it they are counted per time bucket, lane pair and RPC. Every list has a named limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trace/event.h"

namespace kraftsim::reports {

// Limits: a report of any run fits a browser (the issue asks for under ~20 MB for the standard
// benchmark scenario).
inline constexpr std::size_t messages_in_window_max = 60'000;   // beyond: counted, not drawn
inline constexpr std::size_t time_buckets = 240;                // aggregates and charts
inline constexpr std::size_t samples_per_replica_max = 4'000;   // log-strip samples per replica
inline constexpr std::size_t key_events_max = 2'000;            // the event list
inline constexpr std::size_t chapters_max = 60;                 // guided mode

// The simulated-time range shown in full detail: [from_us, to_us).
struct Window {
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
  bool contains(std::int64_t t_us) const { return t_us >= from_us && t_us < to_us; }
};

struct RunInfo {
  std::string scenario;
  std::string description;
  std::string program;
  std::string cluster_id;
  std::int64_t seed = 0;
  std::int64_t duration_ms = 0;
  std::int64_t end_us = 0;  // the last event's time
  bool ended = false;       // run-ended seen
  bool passed = false;
  std::string stop;
};

struct NodeInfo {
  std::int32_t node = 0;
  std::string roles;  // process.roles
  bool broker = false;
  bool controller = false;
};

// What one producer's batching and compression did (seed 3.2.3, 3.2.4).
struct ProducerFigures {
  std::int64_t produce_requests = 0;  // Produce requests sent (retries included)
  std::int64_t produce_bytes = 0;     // their bytes on the wire
  std::int64_t records_in_requests = 0;
  std::int64_t acked_records = 0;
  std::int64_t linger_ms = -1;   // from run-client; -1 unknown
  std::int64_t batch_size = -1;
};

struct ClientInfo {
  std::int32_t node = 0;
  std::string kind;  // producer | consumer | admin
  std::string topic;
  std::string group;        // consumers in a group
  std::string acks;         // producers
  std::string compression;  // producers
  bool idempotent = false;
  ProducerFigures figures;  // producers
};

struct TopicInfo {
  std::string name;
  std::int64_t partitions = 0;
  std::int64_t replication_factor = 0;
  std::string config;
};

// One swimlane: a node's role (a combined node has two) or a client.
struct Lane {
  std::string id;     // "n1-controller", "n1-broker", "c1004" (stable: HTML element ids)
  std::int32_t node = 0;
  std::string role;   // controller | broker | producer | consumer | admin
  std::string label;  // "node 1 controller"
};

// A state band on a lane. Kinds: raft (the KRaft role), broker (registration/fencing), process
// (crashed, power-lost, paused), network (partitioned). Bands of one kind never overlap on a lane.
struct Band {
  std::size_t lane = 0;
  std::string kind;
  std::string state;
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
  std::int64_t epoch = -1;  // raft bands
};

// One message: a send matched with its delivery or drop by msg id.
struct Message {
  std::uint64_t seq = 0;
  std::int64_t send_us = 0;
  std::int64_t end_us = -1;  // delivery or drop; -1: still in flight at the end
  std::int32_t from = 0;
  std::int32_t to = 0;
  int from_lane = -1;  // the role that sent it (KRaft RPCs: controller lanes)
  int to_lane = -1;
  std::string type;
  std::int64_t bytes = 0;
  bool dropped = false;
  std::string drop_reason;
  std::string summary;  // a few of the message's fields, "epoch=2 pre_vote=true"
};

// Messages outside the window, counted per time bucket, sender, receiver and type.
struct MessageCount {
  std::size_t bucket = 0;
  std::int32_t from = 0;
  std::int32_t to = 0;
  int from_lane = -1;
  int to_lane = -1;
  std::string type;
  std::int64_t count = 0;
  std::int64_t bytes = 0;
  std::int64_t dropped = 0;
};

struct Fault {
  std::uint64_t seq = 0;
  std::int64_t t_us = 0;
  std::string name;    // crash, restart, partition, heal, ...
  std::string detail;  // "target=2" / "groups=1 | 2,3"
  std::vector<std::int32_t> nodes;  // the nodes it affects (empty: all or none)
};

// A stretch of time during which the cluster was not whole (a node down, paused or cut off).
struct FaultPeriod {
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
  std::string label;
};

// An active controller: KRaft leader of the metadata quorum for an epoch.
struct ControllerEpoch {
  std::int64_t epoch = 0;
  std::int32_t node = 0;
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
};

// One replica's partition-state at a moment (a sample of the log strip).
struct ReplicaSample {
  std::int64_t t_us = 0;
  std::int32_t node = 0;
  std::string role;  // Leader | Follower | offline
  std::int32_t leader = -1;
  std::int64_t leader_epoch = -1;
  std::int64_t high_watermark = 0;
  std::int64_t log_end_offset = 0;
  std::string isr;  // leaders only
};

struct LogChange {
  std::int64_t t_us = 0;
  std::uint64_t seq = 0;
  std::int32_t node = 0;
  std::string change;  // assign-epoch | truncate | truncate-fully
  std::int64_t offset = 0;
  std::int64_t old_log_end_offset = -1;  // before a truncation (from the last sample), -1 unknown
  std::int64_t epoch = -1;
  bool below_high_watermark = false;
};

struct EpochStart {
  std::int64_t epoch = 0;
  std::int64_t start_offset = 0;
  std::int64_t t_us = 0;
};

struct AckedRange {
  std::int64_t t_us = 0;
  std::int32_t producer = 0;
  std::int64_t base_offset = 0;
  std::int64_t records = 0;
  std::string acks;
  bool lost = false;  // at or past the final leader's log end (the record is gone)
};

struct LeaderChange {
  std::int64_t t_us = 0;
  std::uint64_t seq = 0;
  std::int32_t from_leader = -1;
  std::int32_t to_leader = -1;
  std::int64_t from_epoch = -1;
  std::int64_t to_epoch = -1;
  std::string isr;
};

struct PartitionTimeline {
  std::string topic;
  std::int32_t partition = 0;
  std::vector<std::int32_t> replicas;  // every node that hosted it
  std::vector<ReplicaSample> samples;  // by time
  std::vector<LogChange> log_changes;
  std::vector<EpochStart> epochs;        // leader epochs and their start offsets
  std::vector<AckedRange> acked;         // merged per producer request
  std::vector<LeaderChange> leader_changes;
  std::int64_t isr_changes = 0;
  std::int64_t final_log_end_offset = -1;  // the last leader's
  std::int64_t acked_records_lost = 0;
  std::string name() const { return topic + "-" + std::to_string(partition); }
};

struct CheckVerdict {
  std::string id;
  std::string status;
  std::string detail;
  std::int64_t violation_t_us = -1;
  std::int64_t at_us = 0;  // when it was judged (the end)
};

// Per time bucket: produce throughput and latency (invoke to acknowledgement).
struct ThroughputBucket {
  std::int64_t acked_records = 0;
  std::int64_t failed_records = 0;
  std::int64_t consumed_records = 0;
  std::int64_t latency_us_sum = 0;
  std::int64_t latency_us_max = 0;
  std::int64_t latency_count = 0;
};

// A moment worth a marker and a line in the event list.
struct KeyEvent {
  std::int64_t t_us = 0;
  std::uint64_t seq = 0;
  // fault | process | raft | controller | leader | isr | internal (__consumer_offsets) | fenced |
  // unfenced | truncate | group | produce | error | violation
  std::string kind;
  std::int32_t node = trace::world_node;
  std::string text;
};

// A narrated chapter of the guided mode.
struct Chapter {
  std::int64_t t_us = 0;
  std::string anchor;  // URL hash, "ch-3"
  std::string title;
  std::string text;
};

struct Timeline {
  RunInfo run;
  Window window;
  bool window_given = false;
  std::int64_t bucket_us = 1;
  std::vector<NodeInfo> nodes;
  std::vector<ClientInfo> clients;
  std::vector<TopicInfo> topics;
  std::map<std::string, std::string> config;  // run-config key -> value
  std::vector<Lane> lanes;
  std::vector<Band> bands;
  std::vector<Message> messages;  // in the window, at most messages_in_window_max
  std::vector<MessageCount> message_counts;  // outside the window (and past the limit)
  std::map<std::string, std::int64_t> messages_by_type;  // the whole run
  std::map<std::string, std::int64_t> produce_bytes_by_codec;  // Produce requests on the wire
  std::int64_t messages_total = 0;
  std::int64_t messages_dropped = 0;
  std::int64_t segments_rolled = 0;   // segment-rolled events, every replica (seed 3.1.3)
  std::int64_t segments_deleted = 0;  // segment-deleted events: retention
  bool messages_truncated = false;  // the window held more than messages_in_window_max
  std::vector<Fault> faults;
  std::vector<FaultPeriod> fault_periods;
  std::vector<ControllerEpoch> controller_epochs;
  std::vector<PartitionTimeline> partitions;
  std::vector<CheckVerdict> checks;
  std::vector<ThroughputBucket> throughput;  // time_buckets entries
  std::vector<KeyEvent> key_events;
  std::vector<Chapter> chapters;
  std::map<std::string, std::int64_t> stats;  // run-stats fields
  std::uint64_t events_total = 0;

  // The lane of a node's role, or of a client; -1 when none.
  int lane_of(std::int32_t node, const std::string& role) const;
  // The lane a node's event belongs to by default (its broker lane, else controller, else client).
  int default_lane(std::int32_t node) const;
  const ClientInfo* client(std::int32_t node) const;
  std::string node_label(std::int32_t node) const;  // "node 2", "producer 1004"
};

// Builds the model. `window` defaults to the whole run, or, for a run with more messages than
// fit, to a span around the first fault.
Timeline build_timeline(const std::vector<trace::Event>& events, std::optional<Window> window);

// "12.000 s"
std::string format_time(std::int64_t t_us);

}  // namespace kraftsim::reports

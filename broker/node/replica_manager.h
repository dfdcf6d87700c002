// ReplicaManager: the partitions a broker hosts (Kafka's ReplicaManager with its LogManager,
// ReplicaFetcherManager and AlterPartitionManager, one object per broker process).
//
// For every partition the metadata image assigns to this broker it opens the on-disk log
// (broker/log, recovered at open), wraps it for the replication core (PartitionReplicaLog) and
// drives one PartitionReplica (broker/replication): leader or follower as the image says. It is
// the core's I/O: it maps the core's Output to messages (Produce, Fetch and OffsetsForLeaderEpoch
// to and from other brokers, AlterPartition to the active controller) in the order output.h
// fixes, reads the batches a Fetch response names, and runs one timer per partition at the
// core's next deadline.
//
// Also here, because they belong to the broker and not to one partition:
//  - Metadata requests from clients, answered from the image;
//  - consumer Fetch (replica id -1): whole batches below the high watermark only;
//  - `replication-offset-checkpoint` (Kafka's format: version, count, "topic partition hw"
//    lines), written and fsynced every replica.high.watermark.checkpoint.interval.ms and read at
//    start; a restarted follower starts from that possibly stale high watermark (KIP-101 s.1);
//  - the log flush policy and retention checks (log.flush.* and log.retention.check.interval.ms);
//  - AlterPartition retries on NOT_CONTROLLER and broken connections (AlterPartitionManager).
//
// Where kraftsim differs: one Fetch per partition (Kafka's fetcher threads batch the partitions
// of one leader); a partition unassigned from this broker keeps its log (no reassignment or
// topic deletion yet); a leaderless partition keeps its last role until the image names a leader.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/controller/requests.h"
#include "broker/env/env.h"
#include "broker/metadata/image.h"
#include "broker/node/node_config.h"
#include "broker/node/partition_replica_log.h"
#include "broker/protocol/kafka_rpc.h"
#include "broker/replication/partition_replica.h"

namespace kraftsim::node {

// A runaway, not a workload: scenarios host a handful of partitions per broker.
inline constexpr std::size_t hosted_partitions_max = 4096;
// Consumer fetches parked on one partition (one per consumer and partition in practice).
inline constexpr std::size_t parked_consumer_fetches_max = 1024;
// Kafka caps fetch.max.wait.ms by the request's own timeout; kraftsim caps what it will hold.
inline constexpr Duration consumer_fetch_wait_max = milliseconds(30'000);
// Waits for a flush (a follower's next fetch, a leader's produce answers): at most two per
// hosted partition.
inline constexpr std::size_t flush_waits_max = 2 * hosted_partitions_max;
// Produce answers held behind a flush on one partition: the producers' in-flight requests.
inline constexpr std::size_t answers_after_flush_max = 1024;
// Produce requests queued behind an unanswered one of the same client and partition: a producer
// keeps at most max.in.flight.requests.per.connection (5 with idempotence) in flight.
inline constexpr std::size_t produce_lane_queue_max = 64;
inline constexpr const char* hw_checkpoint_file = "replication-offset-checkpoint";

struct ReplicaManagerHooks {
  std::function<std::optional<NodeId>()> active_controller;  // the Raft leader, if known
  std::function<std::int64_t()> broker_epoch;                // -1 before registration
  // A hosted partition changed role, leader epoch or high watermark (the group coordinator
  // watches __consumer_offsets). Called at the end of the output it came from; it must not call
  // back into the ReplicaManager synchronously for the same partition's output.
  std::function<void(const replication::TopicPartition&)> on_partition_changed;
};

// The answer to an append made by the broker itself (the group coordinator): the error and the
// base offset, once the produce completes (acks=all: the high watermark passed it).
using LocalAppendDone = std::function<void(replication::ErrorCode error, std::int64_t base_offset)>;

class ReplicaManager {
 public:
  using PartitionKey = std::pair<std::string, std::int32_t>;  // (topic, partition)

  struct Hosted {
    replication::TopicPartition topic_partition;
    metadata::Uuid topic_id{};
    std::unique_ptr<PartitionReplicaLog> log;
    std::unique_ptr<replication::PartitionReplica> replica;
    // What the image last told the replica, to call it only on changes.
    std::int32_t applied_leader = -2;
    std::int32_t applied_leader_epoch = -1;
    std::int32_t applied_partition_epoch = -1;
    int applied_min_isr = -1;
    std::vector<NodeId> applied_ineligible;
    env::TimerId timer;
    Time timer_deadline = Time::max();
    std::uint64_t next_token = 1;
    // Requests the leader core holds: its token -> (requester, correlation id, their request id).
    std::map<std::uint64_t, std::pair<NodeId, std::uint64_t>> produce_waiting;
    std::map<std::uint64_t, std::pair<NodeId, std::uint64_t>> fetch_waiting;
    // Appends of the broker itself (append_local), by token.
    std::map<std::uint64_t, LocalAppendDone> local_waiting;
    // Produce answers held until the flush.messages flush of their batch ends, in order (a later
    // answer never overtakes an earlier one); flushed_below: the offset the flush must pass
    // (0 for an answer that waits only for those ahead of it).
    struct AnswerAfterFlush {
      NodeId to = no_node;
      std::uint64_t correlation = 0;
      protocol::ProduceResponse response;
      std::int64_t flushed_below = 0;
    };
    std::deque<AnswerAfterFlush> answers_after_flush;
    bool answers_wait_for_flush = false;
    // The leader's high watermark waits for a flush.messages flush (see apply_output).
    bool high_watermark_waits_for_flush = false;
    // Consumer fetches with nothing to read yet, parked until the high watermark passes their
    // offset or fetch.max.wait.ms ends (Kafka's DelayedFetch for consumers), oldest first.
    struct ParkedConsumerFetch {
      NodeId from = no_node;
      std::uint64_t correlation_id = 0;
      protocol::FetchRequest request;
      Time deadline;
    };
    std::vector<ParkedConsumerFetch> consumer_parked;
    env::TimerId consumer_timer;
    Time consumer_timer_deadline = Time::max();
  };

  ReplicaManager(env::Env& env, const NodeConfig& config, ReplicaManagerHooks hooks);
  ReplicaManager(const ReplicaManager&) = delete;
  ReplicaManager& operator=(const ReplicaManager&) = delete;

  // Reads replication-offset-checkpoint; a malformed one is an error naming the file.
  Result<bool, std::string> start();
  // The image changed (after a committed record or a loaded snapshot): host the partitions
  // assigned to this broker and tell each replica its role.
  void on_metadata_update(const metadata::MetadataImage& image);
  void on_request(NodeId from, const protocol::KafkaRpc& rpc);
  void on_alter_partition_response(std::uint64_t correlation_id, const controller::AlterPartitionResponse& response);
  void on_connection_lost(NodeId peer);
  // peer's broker listener refused our connection: its fetch and OffsetsForLeaderEpoch requests
  // fail as on a lost connection; requests to its controller listener are not affected.
  void on_connection_refused(NodeId peer);
  // Appends a batch to a partition this broker leads, as a producer with acks=all would
  // (the group coordinator's writes to __consumer_offsets). False when the partition is not
  // hosted here; otherwise `done` runs once, with the produce's outcome.
  bool append_local(const replication::TopicPartition& tp, replication::Bytes payload, std::int32_t record_count,
                    Duration timeout, LocalAppendDone done);
  // Reads whole batches of a hosted partition's log from `from` up to `to` (the coordinator's load).
  Result<std::vector<replication::ReplicaBatch>, std::string> read_local(const replication::TopicPartition& tp,
                                                                          std::int64_t from, std::int64_t to,
                                                                          std::uint64_t max_bytes);
  // Controlled shutdown of the logs (LogManager.shutdown): flush, checkpoints, clean-shutdown
  // markers; `done` runs when all are durable.
  void shutdown(std::function<void()> done);

  // ---- Read-only, for checkers and tests ----
  const std::map<PartitionKey, std::unique_ptr<Hosted>>& partitions() const { return partitions_; }
  const Hosted* partition(const std::string& topic, std::int32_t index) const;

 private:
  // What waits for a flush of a partition's log (after_flush).
  enum class AfterFlush { send_fetch, send_answers, advance_high_watermark };
  Hosted* host(const metadata::MetadataImage& image, const metadata::TopicImage& topic, std::int32_t index);
  replication::ReplicationConfig replication_config(const replication::TopicPartition& tp) const;
  // Fails the fetch and OffsetsForLeaderEpoch requests in flight to peer; fetchers back off.
  void fail_fetches_to(NodeId peer);
  void apply_output(Hosted& p);
  void send_fetch(Hosted& p, const replication::FetchRequestToSend& f);
  // Once the log has flushed below `offset` (or the flush ends without getting there): sends
  // `fetch`, releases the partition's produce answers (send_flushed_answers), or tells the
  // leader's core (PartitionReplica::on_log_flushed).
  void after_flush(Hosted& p, std::int64_t offset, AfterFlush then, std::optional<replication::FetchRequestToSend> fetch = {});
  // Whether a flush in flight will cover offsets below `offset` that are not flushed yet.
  static bool flush_pending_below(const log::PartitionLog& log, std::int64_t offset);
  void answer_produce(Hosted& p, NodeId to, std::uint64_t correlation, const replication::ProduceResponse& resp);
  // A client's produce request for a partition was answered (or needs no answer: acks=0): its
  // next queued request for the partition, if any, is read next (see ProduceLane).
  void produce_answered(NodeId client, const replication::TopicPartition& tp, std::uint64_t correlation_id);
  void read_next_produce(NodeId client, std::uint64_t lane_id);
  void handle_produce(NodeId from, std::uint64_t correlation_id, const protocol::ProduceRequest& request);
  void send_flushed_answers(Hosted& p);
  void arm_timer(Hosted& p);
  void on_produce(NodeId from, std::uint64_t correlation_id, const protocol::ProduceRequest& request);
  void on_fetch(NodeId from, std::uint64_t correlation_id, const protocol::FetchRequest& request);
  void on_consumer_fetch(NodeId from, std::uint64_t correlation_id, const protocol::FetchRequest& request);
  // The answer to a consumer fetch now; `readable` is false when there is nothing below the
  // high watermark to return yet (the caller may park the request instead).
  protocol::FetchResponse consumer_fetch_response(Hosted* p, const protocol::FetchRequest& request, bool& readable);
  // Answers the parked consumer fetches that have data, lost leadership or timed out.
  void complete_consumer_fetches(Hosted& p);
  void arm_consumer_timer(Hosted& p);
  void on_list_offsets(NodeId from, std::uint64_t correlation_id, const protocol::ListOffsetsRequest& request);
  void on_offsets_for_leader_epoch(NodeId from, std::uint64_t correlation_id,
                                   const protocol::OffsetsForLeaderEpochRequest& request);
  void on_metadata_request(NodeId from, std::uint64_t correlation_id, const protocol::MetadataRequest& request);
  void on_response(NodeId from, const protocol::KafkaRpc& rpc);
  void send_alter_partition(std::uint64_t key);
  void retry_alter_partition_later(std::uint64_t key);
  void on_hw_checkpoint_timer();
  void on_log_maintenance_timer();
  void start_maintenance_timers();
  Hosted* find(const replication::TopicPartition& tp);
  void record_state(const Hosted& p, const replication::StateChange& change);
  // Traces the log's segment rolls and retention deletions and counts its appended bytes per
  // codec (Env::count).
  void watch_log(const Hosted& p);
  void record_log_change(const Hosted& p, const replication::LogChange& change);

  env::Env& env_;
  const NodeConfig& config_;
  ReplicaManagerHooks hooks_;
  const metadata::MetadataImage* image_ = nullptr;  // the latest, owned by KafkaNode
  std::map<PartitionKey, std::unique_ptr<Hosted>> partitions_;
  std::map<PartitionKey, std::int64_t> checkpointed_hw_;  // as read at start

  // Outgoing requests of follower cores: correlation id -> (partition, core request id).
  std::uint64_t next_correlation_ = 1;
  struct Outgoing {
    PartitionKey partition;
    std::uint64_t request_id = 0;
    NodeId to = no_node;
  };
  std::map<std::uint64_t, Outgoing> outgoing_;
  // Kafka's SocketServer reads one request of a connection at a time: it mutes the channel when
  // a request arrives and unmutes it once the response is sent (Processor.
  // processCompletedReceives -> ChannelMuteEvent.REQUEST_RECEIVED ... RESPONSE_SENT; acks=0
  // unmutes once handled), and a producer's ProduceRequest to a broker carries every partition
  // it sends there. So a producer's next request for a partition is handled only after the
  // previous one was answered, and its answers reach it in order: an idempotent producer sees
  // sequence 1 acknowledged before a retried sequence 0 is rejected as out of order (the reorder
  // of tests/regressions/idempotent-unknown-producer-no-reorder.json needs the opposite).
  // kraftsim's requests carry one partition, so a lane is per (client, partition). A broken
  // connection drops its lanes: the client resends on a new connection, which is not muted.
  struct ProduceLane {
    std::uint64_t id = 0;  // a new lane for a new connection: a stale unmute step finds another id
    bool busy = false;     // a request is being handled or waits for its answer
    std::uint64_t correlation_id = 0;  // of that request: an answer to an older connection's request does not free the lane
    std::deque<std::pair<std::uint64_t, protocol::ProduceRequest>> queued;  // correlation id, request
  };
  std::uint64_t next_lane_id_ = 1;
  std::map<std::pair<NodeId, PartitionKey>, ProduceLane> produce_lanes_;
  // Work waiting for a flush of a partition's log (see apply_output), by token: the follower
  // fetch to send then, or (none) the partition's produce answers to release.
  struct FlushWait {
    replication::TopicPartition partition;
    const replication::PartitionReplica* replica = nullptr;  // the core that asked
    AfterFlush then = AfterFlush::send_answers;
    std::optional<replication::FetchRequestToSend> fetch;  // for send_fetch
  };
  std::uint64_t next_flush_wait_ = 1;
  std::map<std::uint64_t, FlushWait> flush_waits_;
  // AlterPartition in flight or waiting for a retry: key -> (request, correlation id, target).
  struct PendingAlter {
    replication::AlterPartitionRequest request;
    std::uint64_t correlation_id = 0;  // 0: waiting for a retry
    NodeId to = no_node;
  };
  std::uint64_t next_alter_key_ = 1;
  std::map<std::uint64_t, PendingAlter> alters_;
  bool maintenance_started_ = false;
  Time next_retention_check_;
  bool shutting_down_ = false;
};

}  // namespace kraftsim::node

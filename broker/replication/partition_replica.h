// PartitionReplica: the replication protocol of ONE topic-partition on ONE broker (Kafka's
// Partition, its DelayedProduce/DelayedFetch purgatories and the ReplicaFetcherThread's work
// for this partition) as a sans-I/O state machine, like broker/raft/quorum_core.h.
//
// It owns no socket, file, clock or thread. Inputs are method calls carrying the virtual time;
// effects are data in an Output (output.h documents the order the driver applies it in). The
// only thing it touches directly is the ReplicaLog it was given (replica_log.h explains why).
//
// Driver loop:
//   replica.become_leader(...) / become_follower(...)          // from the metadata image
//   replica.on_produce / on_follower_fetch / on_fetch_response / on_timer ...
//   apply(replica.take_output());                               // after EVERY input
//   wake me at replica.next_deadline();                         // then call on_timer(then)
//
// Roles (from the metadata image; the controller decides, the replica obeys):
//   None      --become_leader-->   Leader   (assigns its epoch at the log end, KIP-101)
//   None      --become_follower--> Follower (truncates, then fetches)
//   Leader    --become_follower--> Follower (waiting produce and fetch requests are answered
//                                            NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH)
//   Follower  --become_leader-->   Leader
//   same role, newer leader epoch: restart (new epoch start, fetcher restarts its truncation)
//
// LEADER. Appends produced batches; tracks each follower's log end from its fetches; the high
// watermark is the smallest log end over the ISR (the leader included; while an expansion is in
// flight, the "maximal ISR" with the joining replica, KIP-497) and only moves forward; since
// Kafka 3.7 (KIP-966) it does not move while the ISR is smaller than min.insync.replicas.
// acks=all requests wait until the high watermark passes their last record. The ISR shrinks
// when a follower has not caught up to the leader's log end for replica.lag.time.max.ms and
// grows when a follower reaches the high watermark (and the current epoch's start); both are
// AlterPartition requests to the controller, effective only once it confirms them.
//
// FOLLOWER. Truncates its log so that it is a prefix of the leader's, by asking
// OffsetsForLeaderEpoch (KIP-101/279) or from the DivergingEpoch of a Fetch (Kafka 2.7+), then
// fetches from its log end and learns the high watermark from the responses. A follower CAN
// truncate below its own high watermark: Kafka allows it (it only logs a warning), because the
// high watermark a follower knows is only a lagging copy of the leader's. What Kafka guarantees
// is that every ISR member holds the records below the LEADER's high watermark (the random
// fault test in tests/unit/replication_cluster_test.cpp checks exactly that on the logs).
//
// Asserted: the leader's high watermark never decreases while it leads, never exceeds its log
// end nor, when it moves, the log end any maximal-ISR member reported; a leader's log ends in
// its own epoch; its ISR contains itself and only assigned replicas; every waiting acks=all
// request is above the high watermark; a follower fetches from its log end; each KIP-279 round
// lowers the follower's latest epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/time.h"
#include "broker/replication/config.h"
#include "broker/replication/messages.h"
#include "broker/replication/output.h"
#include "broker/replication/replica_log.h"
#include "broker/replication/roles.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

class PartitionReplica {
 public:
  // `log` must outlive the replica. checkpointed_high_watermark: the value read from
  // `replication-offset-checkpoint` at start-up (0 when absent); it is clamped into the log.
  PartitionReplica(ReplicationConfig config, ReplicaLog& log, Time now, Offset checkpointed_high_watermark);
  PartitionReplica(const PartitionReplica&) = delete;
  PartitionReplica& operator=(const PartitionReplica&) = delete;

  // ---- Inputs from the metadata image. `now` never goes backwards between calls. ----
  // This broker leads the partition (Partition.makeLeader). replicas: the assignment (includes
  // this broker); isr: a subset of it that includes this broker. A call with the current leader
  // epoch is a metadata update (ISR or assignment changed); one with an older partition epoch
  // than the replica already knows is ignored (an AlterPartition answer may be ahead of the image).
  void become_leader(Time now, Epoch leader_epoch, std::int32_t partition_epoch, std::vector<NodeId> replicas,
                     std::vector<NodeId> isr);
  // Another broker leads (Partition.makeFollower). Nothing happens if it already follows that
  // leader in that epoch.
  void become_follower(Time now, NodeId leader_id, Epoch leader_epoch);
  // The topic's min.insync.replicas changed (a dynamic config change).
  void on_min_insync_replicas_changed(Time now, int min_insync_replicas);
  // Brokers the leader must not add to the ISR: fenced or in controlled shutdown (KIP-903,
  // Partition.isReplicaIsrEligible); from the metadata image.
  void on_ineligible_replicas_changed(Time now, std::vector<NodeId> ineligible_replica_ids);

  // ---- Leader inputs ----
  void on_produce(Time now, ProduceRequest request);
  void on_follower_fetch(Time now, const FetchRequest& request);
  // Answered at once: no state changes (Partition.lastOffsetForLeaderEpoch, KIP-101/279/320).
  OffsetsForLeaderEpochResponse on_offsets_for_leader_epoch(Time now,
                                                            const OffsetsForLeaderEpochRequest& request) const;
  void on_alter_partition_response(Time now, const AlterPartitionResponse& response);
  // A flush of the log ended: a leader may count more of its own log toward the high watermark
  // (ReplicaLog::high_watermark_end_offset).
  void on_log_flushed(Time now);

  // ---- Follower inputs ----
  void on_fetch_response(Time now, const FetchResponse& response);
  void on_offsets_for_leader_epoch_response(Time now, const OffsetsForLeaderEpochResponse& response);
  // The connection to `peer` broke: a follower's request to it failed (retried after
  // replica.fetch.backoff.ms); a leader forgets the fetch `peer` had parked.
  void on_connection_lost(Time now, NodeId peer);

  // The time next_deadline() named has come (early or late calls are harmless).
  void on_timer(Time now);

  // ---- Outputs ----
  // The earliest time on_timer must run: purgatory timeouts, the ISR expiration check, a
  // follower's request timeout or retry backoff. Time::max() if none.
  Time next_deadline() const;
  Output take_output();
  bool has_output() const { return !output_.empty(); }

  // ---- Read-only accessors for checkers, reports and tests ----
  const ReplicationConfig& config() const { return config_; }
  NodeId node_id() const { return config_.node_id; }
  Role role() const;
  const RoleState& role_state() const { return role_; }
  Epoch leader_epoch() const { return leader_epoch_; }
  NodeId leader_id() const;  // no_node when unknown
  Offset high_watermark() const { return high_watermark_; }
  Offset log_end_offset() const { return log_.log_end_offset(); }
  const ReplicaLog& log() const { return log_; }
  // Leader only (empty otherwise): the committed ISR, and the one the high watermark follows.
  std::vector<NodeId> isr() const;
  std::vector<NodeId> maximal_isr() const;
  std::int32_t partition_epoch() const;  // leader only; -1 otherwise
  // min(min.insync.replicas, replication factor) (Partition.effectiveMinIsr); leader only.
  int effective_min_isr() const;
  bool under_min_isr() const;
  // Leader only: the follower as the leader sees it (nullptr if not a follower of this leader).
  const FollowerProgress* follower_progress(NodeId replica_id) const;
  std::size_t waiting_produce_count() const;
  std::optional<FetcherPhase> fetcher_phase() const;  // follower only

 private:
  // -- framing, role changes, timers (partition_replica.cpp) --
  void begin_input(Time now);
  void end_input(Time now);
  void check_invariants() const;
  void push_state_change(Time now, const char* reason);
  void record_log_change(LogChange change);
  Offset truncate_log(Time now, Offset offset, const char* reason);
  void truncate_log_fully(Time now, Offset start_offset, const char* reason);
  void clamp_high_watermark_to_log(Time now, const char* reason);
  // Kafka's checkCurrentLeaderEpoch (KIP-320), then the leader check.
  ErrorCode leader_request_error(std::optional<Epoch> current_leader_epoch) const;
  LeaderState& leader_state();
  const LeaderState& leader_state() const;
  FollowerState& follower_state();

  // -- leader (leader.cpp) --
  void reset_followers(Time now, bool new_leader);
  void answer_produce(const ParkedProduce& parked, ErrorCode error);
  void park_produce(const ParkedProduce& parked);
  void update_follower_fetch_state(Time now, FollowerProgress& follower, Offset fetch_offset);
  bool maybe_advance_high_watermark(Time now, const char* reason);
  void complete_waiting_produces(Time now);
  void expire_produces(Time now);
  void answer_all_produces(ErrorCode error);
  FetchResponse leader_fetch_response(const FetchRequest& request) const;
  // Answers the parked fetches that have data to read or whose wait is over.
  void complete_parked_fetches(Time now);
  // Answers fetches parked under a previous role or epoch, validated against the current one.
  void answer_parked_fetches_after_role_change(std::vector<ParkedFetch> parked);
  void maybe_expand_isr(Time now, const FollowerProgress& follower);
  void maybe_shrink_isr(Time now);
  bool is_caught_up(const FollowerProgress& follower, Time now) const;
  void send_alter_partition(Time now, PendingIsrChange::Kind kind, std::vector<NodeId> proposed_isr);
  FollowerProgress* find_follower(NodeId id);

  // -- follower (follower.cpp) --
  void start_fetcher(Time now);
  void poll_follower(Time now);
  void send_fetch(Time now);
  void send_offsets_for_leader_epoch(Time now);
  void apply_truncation(Time now, const EpochEndOffset& leader_answer, const char* reason);
  void handle_out_of_range(Time now, const FetchResponse& response);
  void append_fetched(Time now, const FetchResponse& response);
  void fetch_failed(Time now, const char* reason);
  void set_fetcher_phase(Time now, FetcherPhase phase, const char* reason);

  ReplicationConfig config_;
  ReplicaLog& log_;
  RoleState role_;
  Epoch leader_epoch_ = undefined_epoch;  // the latest the image named; never decreases
  Offset high_watermark_ = 0;             // leader: only grows while leading; follower: the leader's, clamped
  std::vector<NodeId> ineligible_replicas_;  // sorted
  std::uint64_t next_request_id_ = 1;
  Time last_now_;
  // Captured by begin_input for the "leader high watermark never decreases" assertion.
  bool input_was_leader_ = false;
  Offset input_high_watermark_ = 0;
  Output output_;
};

}  // namespace kraftsim::replication

// QuorumCore: the KRaft quorum protocol of one node (KIP-595 pull-based Raft, KIP-996 pre-vote,
// check-quorum) as a sans-I/O state machine, after etcd's RawNode and ScyllaDB's raft::fsm.
//
// WHY A STATE MACHINE. The core owns no socket, file, clock, thread or global randomness. Every
// input is a method call carrying the current virtual time (a message, a timer, a completed
// log flush, an append, a resignation, a snapshot); every effect is data in an Output the
// driver drains with take_output() and applies in the order output.h documents. The same core
// therefore runs unchanged under the simulator and under a real runtime, a test can drive it
// step by step, and a run is a pure function of its inputs and its Rng.
//
// Driver loop:
//   core.on_message(now, from, msg) / core.on_timer(now) / core.on_log_flushed(now, offset) /
//   core.on_connection_lost(now, peer) / core.append(now, bytes) ...
//   apply(core.take_output());           // persist quorum state, snapshot, log; send; flush
//   wake me at core.next_deadline();     // then call core.on_timer(then)
//
// Roles (Kafka's QuorumState transitions, voters):
//   Unattached  --election timeout-->            Prospective (pre-vote, epoch unchanged)
//   Follower    --fetch timeout-->               Prospective
//   Prospective --majority of pre-votes-->       Candidate (epoch + 1, votes for itself, persisted)
//   Prospective --lost or timed out-->           Follower of its last known leader, else Unattached
//   Candidate   --majority of votes-->           Leader (writes LeaderChange, sends BeginQuorumEpoch)
//   Candidate   --lost or timed out + backoff--> Prospective
//   Leader      --resign() / check-quorum-->     Resigned (sends EndQuorumEpoch)
//   Resigned    --election timeout-->            Unattached (epoch + 1) and at once Prospective
//   any         --higher epoch seen-->           Follower of the named leader, else Unattached
// Observers (not in controller.quorum.voters) are only Unattached or Follower: they never vote
// and never campaign; they discover the leader by fetching from any voter.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "base/assert.h"
#include "base/random.h"
#include "base/result.h"
#include "base/time.h"
#include "broker/raft/config.h"
#include "broker/raft/log.h"
#include "broker/raft/messages.h"
#include "broker/raft/output.h"
#include "broker/raft/request_tracker.h"
#include "broker/raft/roles.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

// What the driver recovered from disk at start-up.
struct PersistedState {
  std::optional<QuorumStateRecord> quorum_state;  // nullopt: no quorum-state file (epoch 0)
  std::optional<SnapshotImage> snapshot;          // the latest snapshot, if any
  std::vector<Entry> entries;                     // the log, contiguous; entries below the snapshot end are ignored
  // Entries below this offset are known durable; the rest sat in the page cache and the core
  // asks for a flush before counting them. nullopt: all of them are durable.
  std::optional<Offset> durable_end_offset;
};

enum class AppendError : std::uint8_t { not_leader, payload_too_large };

class QuorumCore {
 public:
  // `rng` must outlive the core; it is this node's stream (derive_seed(run, "node-N/raft")).
  QuorumCore(QuorumConfig config, Rng& rng, PersistedState persisted, Time now);
  QuorumCore(const QuorumCore&) = delete;
  QuorumCore& operator=(const QuorumCore&) = delete;

  // ---- Inputs. `now` never goes backwards between calls. ----
  // Every request and response addressed to this node; `from` is the sender's node id.
  void on_message(Time now, NodeId from, const Message& message);
  // The time next_deadline() named has come (calling it early or late is harmless).
  void on_timer(Time now);
  void tick(Time now) { on_timer(now); }
  // The connection to `peer` broke (Kafka's NetworkClient disconnect): the request in flight to
  // it failed and is retried after the retry backoff instead of waiting for its timeout.
  void on_connection_lost(Time now, NodeId peer);
  // The log is durable up to end_offset: the value of an Output's flush_log_to, reported in
  // the order the flushes were requested.
  void on_log_flushed(Time now, Offset end_offset);
  // Leader only: appends one metadata record (opaque bytes) and returns its offset. It is
  // committed (handed back in Output::committed) once a majority of voters has it.
  Result<Offset, AppendError> append(Time now, Bytes payload);
  // Leader only: graceful resignation (Kafka's shutdown path). Returns false if not leader.
  bool resign(Time now);
  // The state machine wrote a snapshot of everything below end_offset (end_offset must be at
  // most what it was handed as committed). The core keeps it to serve FetchSnapshot and drops
  // the log prefix it covers. Returns false when it covers nothing new.
  bool snapshot(Time now, Offset end_offset, Bytes bytes);

  // ---- Outputs. ----
  // The earliest time the core must be woken by on_timer; Time::max() if never.
  Time next_deadline() const;
  Output take_output();
  bool has_output() const { return !output_.empty(); }

  // ---- Read-only accessors for checkers, reports and tests. ----
  NodeId node_id() const { return config_.node_id; }
  bool is_voter() const { return is_voter_; }
  const QuorumConfig& config() const { return config_; }
  Role role() const { return role_of(role_); }
  const RoleState& role_state() const { return role_; }
  Epoch epoch() const { return epoch_; }
  std::optional<NodeId> leader_id() const;
  std::optional<NodeId> voted_id() const { return voted_id_; }
  // A leader's published high watermark (unknown until its epoch start is committed); for
  // every other role the highest one this node has learned.
  std::optional<Offset> high_watermark() const;
  // Whether this process has learned a high watermark from a leader (or published one as
  // leader). Until then high_watermark() is only what a loaded snapshot implies, and a node that
  // acted on it would act on old metadata (Kafka's MetadataLoader waits for this).
  bool high_watermark_learned() const { return high_watermark_learned_; }
  // Entries below this offset were handed to the state machine (or are in its snapshot).
  Offset applied_end_offset() const { return applied_end_; }
  Offset flushed_end_offset() const { return flushed_end_; }
  const RaftLog& log() const { return log_; }
  const std::optional<SnapshotImage>& latest_snapshot() const { return snapshot_; }
  // What the driver was last told to persist as the quorum-state file.
  const QuorumStateRecord& persisted_quorum_state() const { return persisted_; }
  // The DescribeQuorum answer this node would give now.
  DescribeQuorumResponse describe_quorum(Time now) const;

 private:
  // A flush the driver was asked for; `durable_end` shrinks when the log is truncated below it
  // before the flush completes (the flush then cannot vouch for entries written since).
  struct PendingFlush {
    Offset end_offset = 0;
    Offset durable_end = 0;
  };

  // -- input framing, poll, output (quorum_core.cpp) --
  void begin_input(Time now);
  void end_input(Time now);
  void poll(Time now);
  void poll_unattached(Time now);
  void poll_prospective(Time now);
  void poll_candidate(Time now);
  void poll_leader(Time now);
  void poll_follower(Time now);
  void poll_resigned(Time now);
  void on_election_timeout(Time now);
  void on_fetch_timeout(Time now);
  void on_check_quorum_timeout(Time now);
  void sync_persisted_state();
  void emit_committed();
  void push_state_change(Time now, const char* reason);
  QuorumStateRecord current_quorum_state() const;

  // -- transitions (quorum_core.cpp) --
  void enter_role(Time now, RoleState next, const char* reason);
  void set_epoch(Epoch epoch);
  void become_unattached(Time now, Epoch epoch, const char* reason, std::optional<Time> election_deadline = {});
  void become_prospective(Time now, const char* reason);
  void become_candidate(Time now);
  void become_leader(Time now);
  void become_follower(Time now, Epoch epoch, NodeId leader, const char* reason);
  void become_resigned(Time now, std::vector<NodeId> preferred_successors, const char* reason);
  void prospective_lost(Time now, const char* reason);
  Duration random_election_timeout();
  Duration election_backoff(int retries);
  Duration end_epoch_election_backoff(std::ptrdiff_t position, std::size_t successors) const;
  Duration check_quorum_timeout() const { return config_.fetch_timeout * 3 / 2; }
  bool is_voter_id(NodeId id) const;

  // -- messaging (quorum_core.cpp) --
  void send_request(Time now, NodeId to, Body body);
  void send_response(NodeId to, std::uint64_t correlation_id, Body body);

  // -- elections (election.cpp) --
  void on_vote_request(Time now, NodeId from, std::uint64_t correlation_id, const VoteRequest& request);
  void on_vote_response(Time now, NodeId from, std::uint64_t correlation_id, const VoteResponse& response);
  void on_begin_quorum_epoch_request(Time now, NodeId from, std::uint64_t correlation_id,
                                     const BeginQuorumEpochRequest& request);
  void on_begin_quorum_epoch_response(Time now, NodeId from, std::uint64_t correlation_id,
                                      const BeginQuorumEpochResponse& response);
  void on_end_quorum_epoch_request(Time now, NodeId from, std::uint64_t correlation_id,
                                   const EndQuorumEpochRequest& request);
  void on_end_quorum_epoch_response(Time now, NodeId from, std::uint64_t correlation_id,
                                    const EndQuorumEpochResponse& response);
  bool can_grant_vote(NodeId candidate, bool log_is_up_to_date, bool pre_vote) const;
  void record_vote(Time now, NodeId candidate);
  // Kafka's maybeTransition: follow a higher epoch (or a leader learned in ours). True if the
  // role changed.
  bool maybe_transition(Time now, std::optional<NodeId> leader, Epoch epoch, const char* reason);
  // Kafka's maybeHandleCommonResponse: true when the response needs no further handling.
  bool handle_common_response(Time now, NodeId from, ErrorCode error, std::optional<NodeId> leader, Epoch epoch);
  void send_vote_requests(Time now, const VoteTally& tally, bool pre_vote);
  void send_begin_quorum_epoch_requests(Time now);
  void send_end_quorum_epoch_requests(Time now);

  // -- replication (replication.cpp) --
  void on_fetch_request(Time now, NodeId from, std::uint64_t correlation_id, const FetchRequest& request);
  void on_fetch_response(Time now, NodeId from, std::uint64_t correlation_id, const FetchResponse& response);
  void on_fetch_snapshot_request(Time now, NodeId from, std::uint64_t correlation_id,
                                 const FetchSnapshotRequest& request);
  void on_fetch_snapshot_response(Time now, NodeId from, std::uint64_t correlation_id,
                                  const FetchSnapshotResponse& response);
  void on_describe_quorum_request(Time now, NodeId from, std::uint64_t correlation_id);
  std::optional<ErrorCode> leader_only_error(Epoch request_epoch) const;
  void complete_fetch(Time now, NodeId from, std::uint64_t correlation_id, const FetchRequest& request,
                      bool may_park);
  void complete_parked_fetches(Time now, bool all);
  void answer_parked_fetches_after_leadership(std::vector<ParkedFetch> parked);
  void update_replica_progress(Time now, NodeId replica, Offset fetch_offset);
  void update_check_quorum(Time now, NodeId voter);
  void maybe_advance_high_watermark();
  void append_as_leader(Entry entry);
  void append_as_follower(const std::vector<Entry>& records);
  void update_follower_high_watermark(std::optional<Offset> leader_high_watermark);
  void truncate_divergent_suffix(OffsetAndEpoch leader_end);
  void install_snapshot(SnapshotId id, Bytes bytes);
  void request_flush();
  void clamp_pending_flushes(Offset end);
  void maybe_send_fetch(Time now, NodeId target);
  void maybe_send_discovery_fetch(Time now);
  std::vector<NodeId> voters_by_descending_fetch_offset() const;

  QuorumConfig config_;
  Rng& rng_;
  bool is_voter_ = false;

  Epoch epoch_ = 0;                 // never decreases
  std::optional<NodeId> voted_id_;  // our vote in epoch_
  RoleState role_;
  QuorumStateRecord persisted_;     // last quorum-state handed to the driver

  RaftLog log_;
  std::optional<SnapshotImage> snapshot_;  // the latest snapshot (ours or fetched)
  Offset flushed_end_ = 0;                 // log durable below this (on_log_flushed)
  std::deque<PendingFlush> pending_flushes_;
  Offset high_watermark_ = 0;              // node level: highest HW learned; never decreases
  bool high_watermark_learned_ = false;    // from a leader (or as leader) since this process started
  Offset applied_end_ = 0;                 // handed to the state machine below this

  RequestTracker tracker_;
  std::uint64_t next_correlation_id_ = 1;
  std::uint64_t transitions_ = 0;          // role changes so far (poll settles when it stops)
  bool wake_parked_fetches_ = false;       // the leader has news for parked fetches
  Time last_now_;
  std::optional<Offset> last_reported_high_watermark_;
  Output output_;
};

}  // namespace kraftsim::raft

// Asserts a protocol SAFETY invariant (one leader per epoch, no truncation below the high
// watermark, a monotonic high watermark, ...). Like KS_ASSERT, unless a test-only mutation
// switch is on: then the broken invariant is exactly what the checkers must detect, so the core
// carries on instead of aborting. Usable inside QuorumCore members only.
#define KS_RAFT_SAFETY(cond, msg)                                                           \
  do {                                                                                      \
    if (!(cond) && !config_.any_test_only_mutation()) [[unlikely]]                          \
      ::kraftsim::assert_fail(#cond, __FILE__, __LINE__, (msg));                            \
  } while (0)

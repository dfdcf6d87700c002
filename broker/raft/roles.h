// The per-role state of the quorum core (Kafka's EpochState classes: UnattachedState,
// ProspectiveState, CandidateState, LeaderState, FollowerState, ResignedState), held in a
// std::variant so that each role's data exists only while the node has that role.
//
// The epoch, the vote and the log live in the core itself (they outlive role changes); a role
// struct holds only what the role needs: its timers, its election tally, its replicas.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "base/time.h"
#include "broker/raft/messages.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

// Kafka's EpochElection: the answers of the voters to one (pre-)vote round. The local node
// records its own grant first.
class VoteTally {
 public:
  VoteTally() = default;
  explicit VoteTally(const std::vector<NodeId>& voter_ids);

  // A later answer from the same voter replaces the earlier one (pre-votes may be re-asked).
  void record(NodeId voter, bool granted);
  bool has_answered(NodeId voter) const;
  bool granted_by_majority() const { return granted_count() >= majority(); }
  // So many voters said no that a majority of grants is out of reach.
  bool rejected_by_majority() const { return rejected_count() > voters_.size() - majority(); }
  std::vector<NodeId> unanswered() const;
  std::vector<NodeId> granting() const;

 private:
  enum class Answer : std::uint8_t { none, granted, rejected };
  std::size_t majority() const { return voters_.size() / 2 + 1; }
  std::size_t granted_count() const;
  std::size_t rejected_count() const;

  std::vector<std::pair<NodeId, Answer>> voters_;  // sorted by id
};

// Waiting for an election timeout with no leader known; may hold a vote (voted_id in the core).
struct UnattachedState {
  Time election_deadline = Time::max();  // never for observers
};

// KIP-996 pre-vote: asks the voters whether it could win before bumping the epoch.
struct ProspectiveState {
  std::optional<NodeId> leader_id;  // the leader known when the round began (from Follower)
  VoteTally tally;
  Time election_deadline;
  int retries = 1;  // elections tried in a row, for the exponential backoff
};

// A real election at a new epoch, voted for itself.
struct CandidateState {
  VoteTally tally;
  Time election_deadline;
  std::optional<Time> backoff_deadline;  // lost or timed out: becomes Prospective at this time
  int retries = 1;
};

// A replica as the leader sees it (Kafka's LeaderState.ReplicaState).
struct ReplicaProgress {
  NodeId replica_id = no_node;
  std::optional<Offset> end_offset;  // its last valid fetch offset
  std::optional<Time> last_fetch_time;
  std::optional<Time> last_caught_up_time;
  bool begin_quorum_acked = false;  // voters only: knows this leader (BeginQuorumEpoch or a fetch)
};

// A Fetch with nothing new to return, answered when data arrives or the wait ends.
struct ParkedFetch {
  NodeId replica_id = no_node;
  std::uint64_t correlation_id = 0;
  FetchRequest request;
  Time deadline;
};

struct LeaderState {
  Offset epoch_start_offset = 0;        // offset of this epoch's LeaderChange record
  std::optional<Offset> high_watermark;  // unknown until the epoch start is committed
  std::vector<NodeId> granting_voters;
  std::vector<ReplicaProgress> voters;     // every voter including the leader, by id
  std::vector<ReplicaProgress> observers;  // by id, at most observers_tracked_max
  std::vector<NodeId> fetched_voters;      // check-quorum: fetched since the timer last reset
  Time check_quorum_deadline;
  std::vector<ParkedFetch> parked_fetches;  // at most one per replica
};

// A snapshot being downloaded with FetchSnapshot.
struct SnapshotDownload {
  SnapshotId id;
  Bytes bytes;
  std::optional<std::uint64_t> size;  // learned from the first chunk
};

struct FollowerState {
  NodeId leader_id = no_node;
  Time fetch_deadline;
  // KIP-996: while true the follower refuses pre-votes (it hears from a live leader). Kafka's
  // FollowerState.hasFetchedFromLeader: set by a successful fetch in this role.
  bool has_fetched_from_leader = false;
  std::optional<SnapshotDownload> download;
};

// A leader that gave up its epoch (graceful shutdown or check-quorum). It refuses votes in its
// epoch and asks the voters to elect a successor.
struct ResignedState {
  std::vector<NodeId> preferred_successors;
  std::vector<NodeId> unacked_voters;  // EndQuorumEpoch not yet acknowledged
  Time election_deadline;
};

using RoleState =
    std::variant<UnattachedState, ProspectiveState, CandidateState, LeaderState, FollowerState, ResignedState>;

constexpr Role role_of(const RoleState& state) {
  switch (state.index()) {
    case 0: return Role::unattached;
    case 1: return Role::prospective;
    case 2: return Role::candidate;
    case 3: return Role::leader;
    case 4: return Role::follower;
    default: return Role::resigned;
  }
}

}  // namespace kraftsim::raft

// The per-role state of a partition replica (Kafka's Partition fields that only mean something
// for a leader, and the follower's PartitionFetchState), held in a std::variant so that each
// role's data exists only while the broker has that role.
//
// The leader epoch, the high watermark and the log outlive role changes and live in the core.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "base/time.h"
#include "broker/replication/messages.h"
#include "broker/replication/output.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

// A follower as its leader sees it (Kafka's Replica.ReplicaState).
struct FollowerProgress {
  NodeId replica_id = no_node;
  // Its last valid fetch offset in this leadership: everything below it is on the follower.
  // nullopt until it fetches (Kafka's UnknownOffset), which holds the high watermark back.
  std::optional<Offset> log_end_offset;
  std::optional<Time> last_fetch_time;
  // The leader's log end when it last fetched (Kafka's lastFetchLeaderLogEndOffset).
  std::optional<Offset> last_fetch_leader_log_end_offset;
  // The last time it was known to have everything the leader had (nullopt: never in this
  // leadership). A follower that stays behind for replica.lag.time.max.ms leaves the ISR.
  std::optional<Time> last_caught_up_time;
};

// An acks=all produce waiting until the high watermark passes its last record (DelayedProduce).
struct ParkedProduce {
  std::uint64_t request_id = 0;
  Offset base_offset = 0;
  Offset required_offset = 0;  // its last offset + 1
  Time deadline;
  bool duplicate = false;  // answers an idempotent producer's retry (KIP-98)
};

// A follower's Fetch with nothing to return yet (DelayedFetch): answered when the leader's log
// grows, when replica.fetch.wait.max.ms passes, or when leadership changes.
struct ParkedFetch {
  FetchRequest request;
  Time deadline;
};

// An AlterPartition in flight (Kafka's PendingExpandIsr / PendingShrinkIsr, KIP-497).
struct PendingIsrChange {
  enum class Kind : std::uint8_t { expand, shrink };
  Kind kind = Kind::expand;
  std::uint64_t request_id = 0;
  std::vector<NodeId> proposed_isr;  // sorted
  // The controller refused in a way only a newer metadata image resolves (INVALID_UPDATE_VERSION,
  // FENCED_LEADER_EPOCH, ...): no new request until become_leader brings one.
  bool awaiting_metadata = false;
};

struct LeaderState {
  std::int32_t partition_epoch = 0;
  std::vector<NodeId> replicas;  // the assignment, in the controller's order
  std::vector<NodeId> isr;       // committed by the controller; sorted; includes this broker
  Offset epoch_start_offset = 0;  // the log end when this leader epoch began
  std::vector<FollowerProgress> followers;  // replicas minus this broker, sorted by id
  std::optional<PendingIsrChange> pending_isr;
  std::vector<ParkedProduce> produce_purgatory;  // in offset order
  std::vector<ParkedFetch> fetch_purgatory;      // at most one per follower, by replica id
  Time next_isr_expiration_check;  // Kafka's "isr-expiration" task, every replica.lag.time.max.ms / 2
};

// The one request a follower has in flight to its leader.
struct InFlightRequest {
  std::uint64_t request_id = 0;
  bool offsets_for_leader_epoch = false;  // else a Fetch
  Offset fetch_offset = 0;                // a Fetch's offset (== the log end when it was sent)
  Time deadline;                          // replica.socket.timeout.ms
};

struct FollowerState {
  NodeId leader_id = no_node;
  FetcherPhase phase = FetcherPhase::fetching;
  std::optional<InFlightRequest> in_flight;
  std::optional<Time> retry_at;  // replica.fetch.backoff.ms after an error
  int truncation_rounds = 0;     // KIP-279 rounds in this leader epoch
};

struct NoRoleState {};

using RoleState = std::variant<NoRoleState, LeaderState, FollowerState>;

}  // namespace kraftsim::replication

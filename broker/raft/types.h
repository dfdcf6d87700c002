// Value types shared by the KRaft quorum core (broker/raft): offsets, epochs, log entries,
// snapshot ids, the persisted quorum state and the role names. Plain data only: no behaviour
// beyond comparisons and the LeaderChange control-record codec.
//
// Vocabulary (KIP-595): an *epoch* is Raft's term; an *offset* is a log index starting at 0;
// the *log end offset* (LEO) is the offset the next entry will get; the *high watermark* (HW)
// is the first offset that is NOT known committed (entries below it are committed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "broker/env/node_id.h"

namespace kraftsim::raft {

using kraftsim::NodeId;
using Epoch = std::int32_t;   // Kafka: int32 leader epoch
using Offset = std::int64_t;  // Kafka: int64 log offset
using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A position in a log named by the epoch of the entry before it, Kafka's OffsetAndEpoch.
// Ordered by epoch first, then offset: this is the "is my log at least as up to date" order of
// the Raft paper (section 5.4.1) that Vote requests compare.
struct OffsetAndEpoch {
  Offset offset = 0;
  Epoch epoch = 0;

  bool operator==(const OffsetAndEpoch&) const = default;
  friend auto operator<=>(const OffsetAndEpoch& a, const OffsetAndEpoch& b) {
    if (auto c = a.epoch <=> b.epoch; c != 0) return c;
    return a.offset <=> b.offset;
  }
};

// A snapshot covers every entry below end_offset; epoch is the epoch of the entry at
// end_offset - 1 (Kafka's snapshot id is exactly this pair).
struct SnapshotId {
  Offset end_offset = 0;
  Epoch epoch = 0;
  bool operator==(const SnapshotId&) const = default;
};

// One record of the metadata log. Control records (the LeaderChange record a new leader writes
// first, KIP-595) carry control = true and are never data for the state machine.
struct Entry {
  Offset offset = 0;
  Epoch epoch = 0;
  bool control = false;
  Bytes payload;

  bool operator==(const Entry&) const = default;
};

// The `quorum-state` file (Kafka's ElectionState): what must survive a restart so that a node
// never votes twice in one epoch and never forgets an epoch it has seen.
struct QuorumStateRecord {
  Epoch epoch = 0;
  std::optional<NodeId> voted_id;   // the candidate this node voted for in `epoch`
  std::optional<NodeId> leader_id;  // the leader this node knows for `epoch`

  bool operator==(const QuorumStateRecord&) const = default;
};

// The roles of KIP-595 plus KIP-996's Prospective. Observers (non-voters) are only ever
// Unattached or Follower.
enum class Role : std::uint8_t { unattached, prospective, candidate, leader, follower, resigned };

constexpr std::string_view to_string(Role role) {
  switch (role) {
    case Role::unattached: return "Unattached";
    case Role::prospective: return "Prospective";
    case Role::candidate: return "Candidate";
    case Role::leader: return "Leader";
    case Role::follower: return "Follower";
    case Role::resigned: return "Resigned";
  }
  return "?";
}

// Kafka's LeaderChangeMessage control record: the first record of every leader's epoch. Its
// commit is what lets the leader advance the high watermark (see LeaderState in Kafka).
struct LeaderChange {
  NodeId leader_id = no_node;
  std::vector<NodeId> voters;
  std::vector<NodeId> granting_voters;
  bool operator==(const LeaderChange&) const = default;
};

// A fixed little-endian layout: version (2 bytes), leader id (4), voter count (4), voters,
// granting count (4), granting voters. decode returns nullopt on anything malformed.
Bytes encode_leader_change(const LeaderChange& change);
std::optional<LeaderChange> decode_leader_change(ByteView bytes);

}  // namespace kraftsim::raft

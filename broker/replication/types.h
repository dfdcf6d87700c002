// Value types of partition replication (broker/replication): offsets, leader epochs, the
// answer to "where does epoch E end", a record batch as replication sees it, acks, roles.
// Plain data only.
//
// Vocabulary (Kafka's): the *log end offset* (LEO) is the offset the next record will get; the
// *high watermark* (HW) is the first offset NOT known to be on every ISR member (records below
// it are committed and visible to consumers); a *leader epoch* numbers the leaderships of one
// partition (KIP-101) and the *partition epoch* numbers every change of its metadata (leader,
// ISR, replicas), the version AlterPartition must name (KIP-497, KIP-841).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/env/node_id.h"

namespace kraftsim::replication {

using kraftsim::NodeId;
using kraftsim::no_node;
using Epoch = std::int32_t;   // Kafka: int32 leader epoch
using Offset = std::int64_t;  // Kafka: int64 log offset
using Bytes = std::vector<std::uint8_t>;

inline constexpr Epoch undefined_epoch = -1;         // Kafka's UNDEFINED_EPOCH
inline constexpr Offset undefined_epoch_offset = -1;  // Kafka's UNDEFINED_EPOCH_OFFSET

// The answer to OffsetsForLeaderEpoch, and a Fetch response's DivergingEpoch (KIP-101, KIP-279,
// KIP-595): the largest epoch <= the one asked about, and the offset where it ends (the start of
// the next epoch, or the log end for the latest). Both undefined when the log knows no such epoch.
struct EpochEndOffset {
  Epoch epoch = undefined_epoch;
  Offset end_offset = undefined_epoch_offset;

  bool undefined() const { return epoch == undefined_epoch && end_offset == undefined_epoch_offset; }
  bool operator==(const EpochEndOffset&) const = default;
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const TopicPartition&) const = default;
};

// One record batch as replication sees it: where it starts, how many records it holds, the
// leader epoch that wrote it (every batch carries one, KIP-101) and its bytes, opaque here.
struct ReplicaBatch {
  Offset base_offset = 0;
  std::int32_t record_count = 0;
  Epoch leader_epoch = 0;
  Bytes payload;

  Offset last_offset() const { return base_offset + record_count - 1; }
  Offset next_offset() const { return base_offset + record_count; }
  bool operator==(const ReplicaBatch&) const = default;
};

// The producer's `acks`: 0 (no answer at all), 1 (the leader appended), all (-1: every ISR
// member has it, and the ISR had at least min.insync.replicas members when it was appended).
enum class Acks : std::int8_t { none = 0, leader = 1, all = -1 };

// This broker's role for the partition, from the metadata image. `none` until the image names one.
enum class Role : std::uint8_t { none, leader, follower };

constexpr std::string_view to_string(Acks acks) {
  switch (acks) {
    case Acks::none: return "0";
    case Acks::leader: return "1";
    case Acks::all: return "all";
  }
  return "?";
}

constexpr std::string_view to_string(Role role) {
  switch (role) {
    case Role::none: return "None";
    case Role::leader: return "Leader";
    case Role::follower: return "Follower";
  }
  return "?";
}

}  // namespace kraftsim::replication

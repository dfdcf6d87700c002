// The leader epoch cache of one partition replica (KIP-101; Kafka's LeaderEpochFileCache): for
// each leader epoch, the first offset written in it. A follower asks its leader for the end of
// an epoch (OffsetsForLeaderEpoch) and truncates to the answer instead of to its high watermark,
// which lost committed data before KIP-101. Persisted as `leader-epoch-checkpoint` in Kafka's
// CheckpointFile format:
//
//   0          <- version
//   2          <- number of entries
//   0 0        <- "epoch startOffset"
//   3 125
//
// Entries are kept with epochs and start offsets both strictly increasing (assign removes what
// would break that, as Kafka's maybeTruncateNonMonotonicEntries does). This file is the in-memory
// cache and the text format only; the partition log writes the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kraftsim::log {

inline constexpr std::int32_t undefined_epoch = -1;         // UNDEFINED_EPOCH
inline constexpr std::int64_t undefined_epoch_offset = -1;  // UNDEFINED_EPOCH_OFFSET
// More epochs than leader elections a run can hold: a runaway, not a workload.
inline constexpr std::size_t leader_epoch_entries_max = 65536;

struct EpochEntry {
  std::int32_t epoch = 0;
  std::int64_t start_offset = 0;

  bool operator==(const EpochEntry&) const = default;
};

// The answer to OffsetsForLeaderEpoch: the largest epoch <= the requested one and where it ends.
struct EpochEndOffset {
  std::int32_t epoch = undefined_epoch;
  std::int64_t end_offset = undefined_epoch_offset;

  bool undefined() const { return epoch == undefined_epoch && end_offset == undefined_epoch_offset; }
  bool operator==(const EpochEndOffset&) const = default;
};

class LeaderEpochCache {
 public:
  LeaderEpochCache() = default;

  // Records that `epoch` starts at `start_offset` (LeaderEpochFileCache.assign). Nothing changes
  // when epoch is the latest one and start_offset is not below its start. Otherwise every entry
  // with an epoch >= epoch or a start offset >= start_offset goes first, so that the entries stay
  // monotonic. epoch and start_offset must be >= 0. Returns whether the cache changed.
  bool assign(std::int32_t epoch, std::int64_t start_offset);

  bool empty() const { return entries_.empty(); }
  const std::vector<EpochEntry>& entries() const { return entries_; }
  std::optional<std::int32_t> latest_epoch() const;
  std::optional<EpochEntry> latest_entry() const;
  std::optional<EpochEntry> earliest_entry() const;
  // The epoch of the leader that wrote `offset`: the entry with the largest start offset <=
  // offset (LeaderEpochFileCache.epochForOffset); nullopt when offset is below every entry.
  std::optional<std::int32_t> epoch_for_offset(std::int64_t offset) const;

  // Kafka's endOffsetFor (KIP-101, KIP-279):
  // - requested == UNDEFINED_EPOCH, or above every known epoch, or an empty cache: (-1, -1);
  // - requested == the latest epoch: (latest, log_end_offset);
  // - otherwise the largest known epoch <= requested, ending where the next known epoch starts;
  // - requested below every known epoch: (requested, the first epoch's start offset). Kafka
  //   since 2.0 (KIP-279) answers so that a follower truncates to where the leader's retained
  //   data begins; KIP-101's first version answered UNDEFINED here.
  EpochEndOffset end_offset_for(std::int32_t requested_epoch, std::int64_t log_end_offset) const;

  // Removes every entry whose start offset is >= end_offset (truncateFromEnd: the log was
  // truncated to end_offset). Returns whether the cache changed.
  bool truncate_from_end(std::int64_t end_offset);
  // Removes the entries that start before start_offset except the latest of them, which is
  // moved to start at start_offset (truncateFromStart: the log start moved up). Returns whether
  // the cache changed.
  bool truncate_from_start(std::int64_t start_offset);
  void clear() { entries_.clear(); }

  // Rebuilds a cache from entries read from a checkpoint; they must be strictly increasing in
  // both epoch and start offset (nullopt otherwise: the file is not one we wrote).
  static std::optional<LeaderEpochCache> from_entries(std::vector<EpochEntry> entries);

 private:
  void check_invariants() const;

  std::vector<EpochEntry> entries_;  // epochs and start offsets strictly increasing
};

// The leader-epoch-checkpoint file's bytes, exactly as Kafka's LeaderEpochCheckpointFile writes them.
std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries);
// Parses the file; rejects anything Kafka would not have written (bad version, count, a torn tail,
// non-monotonic entries).
Result<std::vector<EpochEntry>, std::string> parse_leader_epoch_checkpoint(std::string_view text);

}  // namespace kraftsim::log

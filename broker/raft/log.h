// RaftLog: the in-memory image of the metadata log of one quorum member, with Kafka's epoch
// lookups (the leader-epoch cache) and the fetch validation of KIP-595. It mirrors what the
// driver keeps on disk; the core changes it only together with a LogOp in its Output.
//
// Shape: an optional snapshot (covering every offset below snapshot.end_offset), then entries
// at consecutive offsets [start_offset, end_offset). When a snapshot exists the log starts
// exactly at its end (kraftsim drops the covered prefix at once; Kafka deletes segments
// lazily, which changes nothing observable here). Epochs never decrease along the log.
//
// It owns no I/O and never asserts on network input: callers validate, it asserts its own
// invariants.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "broker/raft/types.h"

namespace kraftsim::raft {

// Kafka's ValidOffsetAndEpoch: the leader's verdict on a follower's (fetch offset, last fetched
// epoch).
struct FetchValidation {
  enum class Kind : std::uint8_t { valid, diverging, snapshot };
  Kind kind = Kind::valid;
  OffsetAndEpoch diverging;  // kind == diverging: truncate to this end of this epoch
  SnapshotId snapshot;       // kind == snapshot: fetch this snapshot
};

class RaftLog {
 public:
  RaftLog() = default;
  // From persisted state: entries must be contiguous; those below the snapshot end are
  // dropped (returned count), and a snapshot beyond the last entry empties the log.
  RaftLog(std::optional<SnapshotId> snapshot, std::vector<Entry> entries);

  Offset start_offset() const { return start_offset_; }
  Offset end_offset() const { return start_offset_ + static_cast<Offset>(entries_.size()); }
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  const std::optional<SnapshotId>& snapshot_id() const { return snapshot_; }
  // Epoch of the last entry, else the snapshot's, else 0 (an empty log).
  Epoch last_epoch() const;
  OffsetAndEpoch end_offset_and_epoch() const { return {end_offset(), last_epoch()}; }

  const Entry& at(Offset offset) const;
  // The epoch of the entry at offset, for offset in [start_offset - 1, end_offset) where
  // start_offset - 1 is answered from the snapshot id; nullopt elsewhere.
  std::optional<Epoch> epoch_at(Offset offset) const;
  // Copies of up to entries_max entries from `from`, stopping once bytes_max payload bytes are
  // reached (the first entry is always included, as Kafka returns at least one batch).
  std::vector<Entry> read(Offset from, std::size_t entries_max, std::size_t bytes_max) const;

  // Kafka's endOffsetForEpoch: the largest epoch <= `epoch` present in the log (or the
  // snapshot) and the offset where it ends. {start_offset, 0} when there is none.
  OffsetAndEpoch end_offset_for_epoch(Epoch epoch) const;
  // Kafka's validateOffsetAndEpoch, run by the leader on every Fetch.
  FetchValidation validate_offset_and_epoch(Offset fetch_offset, Epoch last_fetched_epoch) const;
  // Where a follower must truncate when the leader answered DivergingEpoch = leader_end
  // (KIP-279 logic of Kafka's truncateToEndOffset). Never below start_offset.
  Offset truncation_offset_for(OffsetAndEpoch leader_end) const;

  void append(Entry entry);
  // Removes every entry at or after end (end_offset() becomes end).
  void truncate_suffix(Offset end);
  // A snapshot at id.end_offset (inside the log) was persisted: drop the covered prefix.
  void drop_prefix(SnapshotId id);
  // A snapshot fetched from the leader replaces everything: the log becomes empty at its end.
  void reset_to_snapshot(SnapshotId id);

 private:
  struct EpochStart {
    Epoch epoch = 0;
    Offset start_offset = 0;
  };
  void check_invariants() const;

  std::optional<SnapshotId> snapshot_;
  Offset start_offset_ = 0;
  std::deque<Entry> entries_;
  // Kafka's leader-epoch-checkpoint for the entries held: one element per epoch, by offset.
  std::vector<EpochStart> epochs_;
};

}  // namespace kraftsim::raft

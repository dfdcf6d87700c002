// MemoryReplicaLog: a ReplicaLog held in memory, for unit tests of replication and for
// experiments that do not need the on-disk format. Batches are kept as (base offset, record
// count, leader epoch, opaque bytes); the epoch cache is a list of (epoch, start offset) with
// Kafka's LeaderEpochFileCache rules (assign, endOffsetFor, truncateFromEnd). It deliberately
// does not reuse broker/log's cache, so that replication's tests pin down the contract of
// replica_log.h on their own.
//
// A crash that keeps the page cache is "keep the object"; a power loss that drops the unflushed
// tail is truncate_to() on it before building the next replica over it.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "broker/replication/replica_log.h"

namespace kraftsim::replication {

// A runaway, not a workload: tests hold a few hundred batches.
inline constexpr std::size_t memory_replica_log_batches_max = 1 << 20;

class MemoryReplicaLog final : public ReplicaLog {
 public:
  MemoryReplicaLog() = default;

  Offset log_start_offset() const override { return log_start_offset_; }
  Offset log_end_offset() const override;
  std::optional<Epoch> latest_epoch() const override;
  EpochEndOffset end_offset_for_epoch(Epoch requested) const override;

  void assign_epoch(Time now, Epoch epoch, Offset start_offset) override;
  LeaderAppend append_as_leader(Time now, Epoch leader_epoch, std::int32_t record_count,
                                         Bytes payload) override;
  bool append_as_follower(Time now, const ReplicaBatch& batch) override;
  Offset truncate_to(Time now, Offset offset) override;
  void truncate_fully_and_start_at(Time now, Offset offset) override;

  // ---- For drivers and tests ----
  // Whole batches from the one holding from_offset, none ending at or above
  // up_to_offset_exclusive, at most batches_max of them (a Fetch's read; the leader passes its
  // log end, a consumer the high watermark).
  std::vector<ReplicaBatch> read(Offset from_offset, Offset up_to_offset_exclusive, std::size_t batches_max) const;
  const std::vector<ReplicaBatch>& batches() const { return batches_; }
  struct EpochStart {
    Epoch epoch = 0;
    Offset start_offset = 0;
    bool operator==(const EpochStart&) const = default;
  };
  // The epoch cache: epochs and start offsets both strictly increasing.
  const std::vector<EpochStart>& epochs() const { return epochs_; }
  // The batch holding `offset`, if any.
  const ReplicaBatch* batch_at(Offset offset) const;
  // Makes the next appends fail (a full or failed disk), for tests of storage errors.
  void set_fail_appends(bool fail) { fail_appends_ = fail; }

 private:
  void check_invariants() const;
  // LeaderEpochFileCache.assign: nothing if `epoch` is the latest and starts no earlier;
  // otherwise drop what would break monotonicity and append.
  void assign(Epoch epoch, Offset start_offset);
  // LeaderEpochFileCache.truncateFromEnd: drop the epochs starting at or after end_offset.
  void truncate_epochs_from(Offset end_offset);

  Offset log_start_offset_ = 0;
  std::vector<ReplicaBatch> batches_;  // contiguous from log_start_offset_
  std::vector<EpochStart> epochs_;
  bool fail_appends_ = false;
};

}  // namespace kraftsim::replication

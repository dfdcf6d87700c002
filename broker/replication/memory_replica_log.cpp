// The in-memory ReplicaLog (memory_replica_log.h).
#include "broker/replication/memory_replica_log.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::replication {

void MemoryReplicaLog::check_invariants() const {
  KS_ASSERT(log_start_offset_ >= 0);
  KS_ASSERT(batches_.size() <= memory_replica_log_batches_max);
  Offset expected = log_start_offset_;
  for (const ReplicaBatch& b : batches_) {
    KS_ASSERT_MSG(b.base_offset == expected, "batches must be contiguous");
    KS_ASSERT(b.record_count > 0);
    KS_ASSERT(b.leader_epoch >= 0);
    expected = b.next_offset();
  }
  for (std::size_t i = 0; i < epochs_.size(); ++i) {
    KS_ASSERT(epochs_[i].epoch >= 0);
    KS_ASSERT(i == 0 || epochs_[i - 1].epoch < epochs_[i].epoch);
    KS_ASSERT(i == 0 || epochs_[i - 1].start_offset < epochs_[i].start_offset);
    // Every epoch starts inside the log or at its end (a leader's fresh epoch).
    KS_ASSERT(epochs_[i].start_offset <= log_end_offset());
  }
}

void MemoryReplicaLog::assign(Epoch epoch, Offset start_offset) {
  KS_ASSERT(epoch >= 0);
  KS_ASSERT(start_offset >= 0);
  if (!epochs_.empty() && epochs_.back().epoch == epoch && start_offset >= epochs_.back().start_offset) return;
  while (!epochs_.empty() && (epochs_.back().epoch >= epoch || epochs_.back().start_offset >= start_offset)) {
    epochs_.pop_back();
  }
  KS_ASSERT_MSG(epochs_.size() < memory_replica_log_batches_max, "epoch cache full");
  epochs_.push_back(EpochStart{epoch, start_offset});
}

void MemoryReplicaLog::truncate_epochs_from(Offset end_offset) {
  while (!epochs_.empty() && epochs_.back().start_offset >= end_offset) epochs_.pop_back();
}

Offset MemoryReplicaLog::log_end_offset() const {
  return batches_.empty() ? log_start_offset_ : batches_.back().next_offset();
}

std::optional<Epoch> MemoryReplicaLog::latest_epoch() const {
  if (epochs_.empty()) return std::nullopt;
  return epochs_.back().epoch;
}

EpochEndOffset MemoryReplicaLog::end_offset_for_epoch(Epoch requested) const {
  // LeaderEpochFileCache.endOffsetFor.
  if (requested == undefined_epoch || epochs_.empty()) return EpochEndOffset{};
  if (epochs_.back().epoch == requested) return EpochEndOffset{requested, log_end_offset()};
  const auto higher = std::upper_bound(epochs_.begin(), epochs_.end(), requested,
                                       [](Epoch e, const EpochStart& entry) { return e < entry.epoch; });
  if (higher == epochs_.end()) return EpochEndOffset{};  // above every known epoch
  // Below every known epoch: its records are gone from this log; answer where ours begin (KIP-279).
  if (higher == epochs_.begin()) return EpochEndOffset{requested, higher->start_offset};
  return EpochEndOffset{std::prev(higher)->epoch, higher->start_offset};
}

void MemoryReplicaLog::assign_epoch(Time /*now*/, Epoch epoch, Offset start_offset) {
  KS_ASSERT(epoch >= 0);
  KS_ASSERT(start_offset == log_end_offset());  // a new leader's epoch starts at its log end
  assign(epoch, start_offset);
  check_invariants();
}

LeaderAppend MemoryReplicaLog::append_as_leader(Time /*now*/, Epoch leader_epoch, std::int32_t record_count,
                                                Bytes payload) {
  KS_ASSERT(record_count > 0);
  KS_ASSERT(leader_epoch >= 0);
  if (fail_appends_) return LeaderAppend{ErrorCode::kafka_storage_error};
  KS_ASSERT_MSG(batches_.size() < memory_replica_log_batches_max, "memory replica log full");
  const Offset base = log_end_offset();
  assign(leader_epoch, base);
  batches_.push_back(ReplicaBatch{base, record_count, leader_epoch, std::move(payload)});
  check_invariants();
  KS_ASSERT(log_end_offset() == base + record_count);
  return LeaderAppend{ErrorCode::none, base, base + record_count - 1, false};
}

bool MemoryReplicaLog::append_as_follower(Time /*now*/, const ReplicaBatch& batch) {
  KS_ASSERT(batch.record_count > 0);
  KS_ASSERT(batch.leader_epoch >= 0);
  if (fail_appends_ || batch.base_offset != log_end_offset()) return false;
  KS_ASSERT_MSG(batches_.size() < memory_replica_log_batches_max, "memory replica log full");
  // UnifiedLog.append: every batch teaches the cache its epoch (assign ignores a known one).
  assign(batch.leader_epoch, batch.base_offset);
  batches_.push_back(batch);
  check_invariants();
  return true;
}

Offset MemoryReplicaLog::truncate_to(Time now, Offset offset) {
  KS_ASSERT(offset >= 0);
  if (offset >= log_end_offset()) {
    // Kafka truncates the epoch cache anyway: a leader that assigned its epoch but wrote nothing
    // before losing leadership leaves an entry at the log end that must go.
    truncate_epochs_from(log_end_offset());
    check_invariants();
    return log_end_offset();
  }
  if (offset < log_start_offset_) {
    truncate_fully_and_start_at(now, offset);
    return log_end_offset();
  }
  std::erase_if(batches_, [offset](const ReplicaBatch& b) { return b.last_offset() >= offset; });
  truncate_epochs_from(log_end_offset());
  check_invariants();
  KS_ASSERT(log_end_offset() <= offset);
  return log_end_offset();
}

void MemoryReplicaLog::truncate_fully_and_start_at(Time /*now*/, Offset offset) {
  KS_ASSERT(offset >= 0);
  batches_.clear();
  epochs_.clear();
  log_start_offset_ = offset;
  check_invariants();
}

std::vector<ReplicaBatch> MemoryReplicaLog::read(Offset from_offset, Offset up_to_offset_exclusive,
                                                 std::size_t batches_max) const {
  std::vector<ReplicaBatch> out;
  for (const ReplicaBatch& b : batches_) {
    if (out.size() >= batches_max) break;
    if (b.last_offset() < from_offset) continue;
    if (b.next_offset() > up_to_offset_exclusive) break;
    out.push_back(b);
  }
  return out;
}

const ReplicaBatch* MemoryReplicaLog::batch_at(Offset offset) const {
  const auto it = std::find_if(batches_.begin(), batches_.end(), [offset](const ReplicaBatch& b) {
    return b.base_offset <= offset && offset <= b.last_offset();
  });
  return it == batches_.end() ? nullptr : &*it;
}

}  // namespace kraftsim::replication

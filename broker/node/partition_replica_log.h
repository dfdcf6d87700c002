// PartitionReplicaLog: the on-disk partition log (broker/log/partition_log.h) seen through the
// narrow ReplicaLog interface the replication core calls (broker/replication/replica_log.h),
// plus the one thing the core leaves to its driver: reading whole batches to serve a Fetch.
//
// The two layers count a batch differently: the core thinks in (base offset, offsets spanned,
// epoch, opaque bytes); the log takes and returns Kafka v2 batch bytes. This adapter converts:
// a ReplicaBatch's record_count is the number of offsets the batch spans (lastOffsetDelta + 1),
// which is what the core's offset arithmetic needs.
//
// A storage error is the log's to report: appends return failure (the core answers
// KAFKA_STORAGE_ERROR), a failed truncation is an assertion, as Kafka halts the broker when it
// cannot truncate (ReplicaFetcherThread's "fatal error" path).
#pragma once

#include <memory>
#include <string>

#include "broker/log/partition_log.h"
#include "broker/replication/replica_log.h"

namespace kraftsim::node {

class PartitionReplicaLog final : public replication::ReplicaLog {
 public:
  explicit PartitionReplicaLog(std::unique_ptr<log::PartitionLog> log) : log_(std::move(log)) {}

  replication::Offset log_start_offset() const override { return log_->log_start_offset(); }
  replication::Offset log_end_offset() const override { return log_->log_end_offset(); }
  replication::Offset high_watermark_end_offset() const override { return log_->high_watermark_end_offset(); }
  std::optional<replication::Epoch> latest_epoch() const override;
  replication::EpochEndOffset end_offset_for_epoch(replication::Epoch requested) const override;

  void assign_epoch(Time now, replication::Epoch epoch, replication::Offset start_offset) override;
  replication::LeaderAppend append_as_leader(Time now, replication::Epoch leader_epoch, std::int32_t record_count,
                                             replication::Bytes payload) override;
  bool append_as_follower(Time now, const replication::ReplicaBatch& batch) override;
  replication::Offset truncate_to(Time now, replication::Offset offset) override;
  void truncate_fully_and_start_at(Time now, replication::Offset offset) override;

  // Whole batches from the one holding from_offset, none ending at or above up_to_offset, at
  // most max_bytes (at least one batch), as ReplicaBatches. An error (offset out of range, a
  // corrupt first batch, a read error) gives no batches and names the problem.
  Result<std::vector<replication::ReplicaBatch>, log::LogError> read(replication::Offset from_offset,
                                                                     replication::Offset up_to_offset,
                                                                     std::uint64_t max_bytes);

  log::PartitionLog& partition_log() { return *log_; }
  const log::PartitionLog& partition_log() const { return *log_; }
  // The last error an append or truncation met, for the trace.
  const std::string& last_error() const { return last_error_; }

 private:
  std::unique_ptr<log::PartitionLog> log_;
  std::string last_error_;
};

}  // namespace kraftsim::node

// PartitionReplicaLog: ReplicaLog calls mapped onto PartitionLog (see partition_replica_log.h).
#include "broker/node/partition_replica_log.h"

#include "base/assert.h"
#include "broker/log/record_batch.h"

namespace kraftsim::node {

std::optional<replication::Epoch> PartitionReplicaLog::latest_epoch() const {
  return log_->leader_epoch_cache().latest_epoch();
}

replication::EpochEndOffset PartitionReplicaLog::end_offset_for_epoch(replication::Epoch requested) const {
  const log::EpochEndOffset end = log_->end_offset_for_epoch(requested);
  return replication::EpochEndOffset{end.epoch, end.end_offset};
}

void PartitionReplicaLog::assign_epoch(Time /*now*/, replication::Epoch epoch, replication::Offset start_offset) {
  log_->assign_epoch_start_offset(epoch, start_offset);
}

namespace {

// The produce error a log error becomes (Kafka's ReplicaManager.appendToLocalLog answers).
replication::ErrorCode produce_error(log::LogErrc code) {
  using E = replication::ErrorCode;
  switch (code) {
    case log::LogErrc::corrupt_message: return E::corrupt_message;
    case log::LogErrc::out_of_order_sequence_number: return E::out_of_order_sequence_number;
    case log::LogErrc::invalid_producer_epoch: return E::invalid_producer_epoch;
    case log::LogErrc::storage_error: return E::kafka_storage_error;
    default: return E::invalid_record;
  }
}

}  // namespace

replication::LeaderAppend PartitionReplicaLog::append_as_leader(Time now, replication::Epoch leader_epoch,
                                                                std::int32_t record_count, replication::Bytes payload) {
  // The producer's bytes: one v2 batch with base offset 0; the log stamps offset and epoch.
  auto header = log::peek_batch_header(payload, log::CrcCheck::verify);
  if (!header.ok()) {
    last_error_ = log::describe(header.error());
    return replication::LeaderAppend{replication::ErrorCode::corrupt_message};
  }
  if (header->last_offset_delta + 1 != record_count) {
    last_error_ = "produced batch does not match its record count";
    return replication::LeaderAppend{replication::ErrorCode::invalid_record};
  }
  auto info = log_->append_as_leader(payload, leader_epoch, now);
  if (!info.ok()) {
    last_error_ = log::describe(info.error());
    return replication::LeaderAppend{produce_error(info.error().code)};
  }
  return replication::LeaderAppend{replication::ErrorCode::none, info->first_offset, info->last_offset, info->duplicate};
}

bool PartitionReplicaLog::append_as_follower(Time now, const replication::ReplicaBatch& batch) {
  auto info = log_->append_as_follower(batch.payload, now);
  if (!info.ok()) {
    last_error_ = log::describe(info.error());
    return false;
  }
  KS_ASSERT(info->first_offset == batch.base_offset);
  return true;
}

replication::Offset PartitionReplicaLog::truncate_to(Time now, replication::Offset offset) {
  auto end = log_->truncate_to(offset, now);
  KS_ASSERT_MSG(end.ok(), "partition log truncation failed");
  return *end;
}

void PartitionReplicaLog::truncate_fully_and_start_at(Time now, replication::Offset offset) {
  const log::LogStatus status = log_->truncate_fully_and_start_at(offset, now);
  KS_ASSERT_MSG(status.ok(), "partition log full truncation failed");
}

Result<std::vector<replication::ReplicaBatch>, log::LogError> PartitionReplicaLog::read(
    replication::Offset from_offset, replication::Offset up_to_offset, std::uint64_t max_bytes) {
  std::vector<replication::ReplicaBatch> out;
  if (from_offset >= up_to_offset) return out;
  auto read = log_->read(from_offset, max_bytes, up_to_offset);
  if (!read.ok()) return unexpected(read.error());
  const log::Bytes& bytes = read->records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    // read() checked every CRC already; only the header is needed to split the batches.
    auto header = log::peek_batch_header(log::ByteView(bytes).subspan(at), log::CrcCheck::skip);
    KS_ASSERT_MSG(header.ok(), "a batch the log returned has a bad header");
    const std::size_t size = header->size_bytes();
    KS_ASSERT(at + size <= bytes.size());
    replication::ReplicaBatch batch;
    batch.base_offset = header->base_offset;
    batch.record_count = header->last_offset_delta + 1;
    batch.leader_epoch = header->partition_leader_epoch;
    batch.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                         bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
    out.push_back(std::move(batch));
    at += size;
  }
  return out;
}

}  // namespace kraftsim::node

// The producer-side batch accumulator of record_batch_builder.h.
#include "broker/log/record_batch_builder.h"

#include <algorithm>

namespace kraftsim::log {

BatchBuilder::BatchBuilder(BatchBuilderConfig config) : config_(config) {
  KS_ASSERT(config_.batch_size_bytes > 0);
  header_.compression = config_.compression;
  header_.timestamp_type = config_.timestamp_type;
  header_.producer_id = config_.producer_id;
  header_.producer_epoch = config_.producer_epoch;
  header_.base_sequence = config_.base_sequence;
  header_.transactional = config_.transactional;
  // MemoryRecordsBuilder's buffer starts at batch.size: growing by doubling from nothing cost a
  // dozen reallocations per producer batch. Capped for the coordinator's 1 MiB commit batches.
  records_.reserve(std::min<std::size_t>(config_.batch_size_bytes, records_reserve_bytes_max));
}

AppendOutcome BatchBuilder::try_append(std::int64_t timestamp_ms, std::optional<ByteView> key,
                                       std::optional<ByteView> value, const std::vector<Header>& headers) {
  const bool first = record_count_ == 0;
  // MemoryRecordsBuilder: the first record's timestamp is the base; Java's subtraction wraps.
  const std::int64_t base_timestamp = first ? timestamp_ms : header_.base_timestamp;
  RecordFields record;
  record.timestamp_delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(timestamp_ms) -
                                                     static_cast<std::uint64_t>(base_timestamp));
  record.offset_delta = static_cast<std::int32_t>(record_count_);
  record.key = key;
  record.value = value;
  record.headers = headers;
  if (check_record_limits(record).has_value()) return AppendOutcome::record_too_large;
  const std::size_t body_bytes = record_body_size_bytes(record);
  const std::size_t record_bytes = record_size_bytes_of_body(body_bytes);
  KS_ASSERT(record_bytes <= record_size_bytes_max);

  if (!first) {
    // MemoryRecordsBuilder.hasRoomFor: later records must keep the batch within batch.size.
    if (record_count_ >= records_per_batch_max) return AppendOutcome::batch_full;
    if (records_.size() + record_bytes > batch_records_bytes_max) return AppendOutcome::batch_full;
    if (size_bytes_uncompressed() + record_bytes > config_.batch_size_bytes) return AppendOutcome::batch_full;
  }

  if (first) {
    header_.base_timestamp = timestamp_ms;
    header_.max_timestamp = timestamp_ms;
  }
  header_.max_timestamp = std::max(header_.max_timestamp, timestamp_ms);
  header_.last_offset_delta = record.offset_delta;
  append_record(records_, record, body_bytes);
  ++record_count_;

  KS_ASSERT(records_.size() <= batch_records_bytes_max);
  KS_ASSERT(record_count_ <= records_per_batch_max);
  KS_ASSERT(header_.last_offset_delta == static_cast<std::int32_t>(record_count_) - 1);
  return AppendOutcome::appended;
}

Bytes BatchBuilder::encode() const {
  return encode_batch_records(header_, records_, record_count_);
}

}  // namespace kraftsim::log

// The producer-side batch accumulator of record_batch_builder.h.
#include "broker/log/record_batch_builder.h"

#include <algorithm>

namespace kraftsim::log {

BatchBuilder::BatchBuilder(BatchBuilderConfig config) : config_(config) {
  KS_ASSERT(config_.batch_size_bytes > 0);
  batch_.compression = config_.compression;
  batch_.timestamp_type = config_.timestamp_type;
  batch_.producer_id = config_.producer_id;
  batch_.producer_epoch = config_.producer_epoch;
  batch_.base_sequence = config_.base_sequence;
  batch_.transactional = config_.transactional;
}

AppendOutcome BatchBuilder::try_append(std::int64_t timestamp_ms, const std::optional<Bytes>& key,
                                       const std::optional<Bytes>& value, const std::vector<Header>& headers) {
  Record record;
  record.key = key;
  record.value = value;
  record.headers = headers;
  return try_append_record(timestamp_ms, std::move(record));
}

AppendOutcome BatchBuilder::try_append(std::int64_t timestamp_ms, std::optional<Bytes>&& key,
                                       std::optional<Bytes>&& value) {
  Record record;
  record.key = std::move(key);
  record.value = std::move(value);
  return try_append_record(timestamp_ms, std::move(record));
}

AppendOutcome BatchBuilder::try_append_record(std::int64_t timestamp_ms, Record&& record) {
  const bool first = batch_.records.empty();
  // MemoryRecordsBuilder: the first record's timestamp is the base; Java's subtraction wraps.
  const std::int64_t base_timestamp = first ? timestamp_ms : batch_.base_timestamp;
  record.timestamp_delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(timestamp_ms) -
                                                     static_cast<std::uint64_t>(base_timestamp));
  record.offset_delta = static_cast<std::int32_t>(batch_.records.size());
  if (check_record_limits(record).has_value()) return AppendOutcome::record_too_large;
  const std::size_t record_bytes = record_size_bytes(record);
  KS_ASSERT(record_bytes <= record_size_bytes_max);

  if (!first) {
    // MemoryRecordsBuilder.hasRoomFor: later records must keep the batch within batch.size.
    if (batch_.records.size() >= records_per_batch_max) return AppendOutcome::batch_full;
    if (records_bytes_ + record_bytes > batch_records_bytes_max) return AppendOutcome::batch_full;
    if (size_bytes_uncompressed() + record_bytes > config_.batch_size_bytes) return AppendOutcome::batch_full;
  }

  if (first) {
    batch_.base_timestamp = timestamp_ms;
    batch_.max_timestamp = timestamp_ms;
  }
  batch_.max_timestamp = std::max(batch_.max_timestamp, timestamp_ms);
  batch_.last_offset_delta = record.offset_delta;
  batch_.records.push_back(std::move(record));
  records_bytes_ += record_bytes;

  KS_ASSERT(records_bytes_ <= batch_records_bytes_max);
  KS_ASSERT(batch_.records.size() <= records_per_batch_max);
  KS_ASSERT(batch_.last_offset_delta == static_cast<std::int32_t>(batch_.records.size()) - 1);
  return AppendOutcome::appended;
}

}  // namespace kraftsim::log

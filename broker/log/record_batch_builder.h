// Accumulates a producer's records into one record batch up to a byte budget, the way Kafka's
// producer fills a ProducerBatch (RecordAccumulator.tryAppend -> MemoryRecordsBuilder):
// offsets are deltas 0, 1, 2 ...; the first record's timestamp is the base timestamp; the
// batch closes when the next record would pass `batch.size`. A record too large for an empty
// batch.size still gets a batch of its own, as in Kafka. One deliberate difference: Kafka
// estimates the compressed size from the compression ratio seen so far, this builder counts
// uncompressed bytes, so compressed batches hold somewhat fewer records than Kafka's would.
// No I/O and no clock: the caller passes the timestamps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/log/record_batch.h"

namespace kraftsim::log {

inline constexpr std::size_t batch_size_bytes_default = 16384;  // the producer's batch.size

struct BatchBuilderConfig {
  Compression compression = Compression::none;  // compression.type
  std::size_t batch_size_bytes = batch_size_bytes_default;
  TimestampType timestamp_type = TimestampType::create_time;
  // Idempotence / transactions (KIP-98); the sentinels when the producer has no id.
  std::int64_t producer_id = no_producer_id;
  std::int16_t producer_epoch = no_producer_epoch;
  std::int32_t base_sequence = no_sequence;
  bool transactional = false;
};

enum class AppendOutcome {
  appended,
  batch_full,        // close this batch and append the record to a new one
  record_too_large,  // over kraftsim's record limits: no batch can hold it (RECORD_TOO_LARGE)
};

class BatchBuilder {
 public:
  explicit BatchBuilder(BatchBuilderConfig config);

  // Appends a record with the given create time unless the batch is full or the record
  // could never fit. Nothing changes unless the outcome is `appended`. The record is encoded
  // into the batch's records section at once (MemoryRecordsBuilder.appendWithOffset), so the
  // key, value and headers need only live through the call.
  AppendOutcome try_append(std::int64_t timestamp_ms, std::optional<ByteView> key, std::optional<ByteView> value,
                           const std::vector<Header>& headers = {});

  bool empty() const { return record_count_ == 0; }
  std::size_t record_count() const { return record_count_; }
  // The batch's size as encoded without compression: header plus exact record bytes.
  std::size_t size_bytes_uncompressed() const { return batch_header_size_bytes + records_.size(); }

  // The batch so far (base offset 0; the leader's log assigns the real one).
  Bytes encode() const;

 private:
  static constexpr std::size_t records_reserve_bytes_max = 64 * 1024;
  BatchBuilderConfig config_;
  RecordBatch header_;  // every field but the records (they are in records_)
  std::size_t record_count_ = 0;
  Bytes records_;  // the records section so far, uncompressed
};

}  // namespace kraftsim::log

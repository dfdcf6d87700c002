// Kafka record batches, message format v2 (magic 2; KIP-98), as Kafka's DefaultRecordBatch
// lays them out (https://kafka.apache.org/documentation/#recordbatch), big-endian:
//
//   byte  0  baseOffset            int64  \ LOG_OVERHEAD: not covered by the CRC, so the log
//   byte  8  batchLength           int32  / can assign offsets without rewriting the CRC
//   byte 12  partitionLeaderEpoch  int32    not covered either: set by the leader on append
//   byte 16  magic                 int8     = 2
//   byte 17  crc                   uint32   CRC-32C of bytes 21 .. end of batch
//   byte 21  attributes            int16    bits 0-2 codec, 3 timestampType, 4 isTransactional,
//                                           5 isControlBatch, 6 hasDeleteHorizonMs (KIP-534)
//   byte 23  lastOffsetDelta       int32
//   byte 27  baseTimestamp         int64    (the delete horizon when bit 6 is set)
//   byte 35  maxTimestamp          int64
//   byte 43  producerId            int64
//   byte 51  producerEpoch         int16
//   byte 53  baseSequence          int32
//   byte 57  recordsCount          int32
//   byte 61  records               (record.h), compressed as one stream when a codec is set
//
// batchLength counts the bytes after itself: the whole batch is 12 + batchLength bytes.
// This file is a pure codec: no I/O, no clocks; the log and the producer call it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/log/compression.h"
#include "broker/log/record.h"
#include "broker/log/record_bytes.h"
#include "broker/log/record_decode_error.h"

namespace kraftsim::log {

inline constexpr std::int8_t magic_v2 = 2;

// Byte offsets of the header fields (DefaultRecordBatch.*_OFFSET).
namespace batch_field {
inline constexpr std::size_t base_offset = 0;
inline constexpr std::size_t batch_length = 8;
inline constexpr std::size_t partition_leader_epoch = 12;
inline constexpr std::size_t magic = 16;
inline constexpr std::size_t crc = 17;
inline constexpr std::size_t attributes = 21;
inline constexpr std::size_t last_offset_delta = 23;
inline constexpr std::size_t base_timestamp = 27;
inline constexpr std::size_t max_timestamp = 35;
inline constexpr std::size_t producer_id = 43;
inline constexpr std::size_t producer_epoch = 51;
inline constexpr std::size_t base_sequence = 53;
inline constexpr std::size_t records_count = 57;
inline constexpr std::size_t records = 61;
}  // namespace batch_field

inline constexpr std::size_t log_overhead_bytes = 12;  // baseOffset + batchLength (Records.LOG_OVERHEAD)
inline constexpr std::size_t batch_header_size_bytes = batch_field::records;  // RECORD_BATCH_OVERHEAD = 61

// kraftsim's limits. The builder and the producer keep batches within them; decoding
// reports anything beyond them as limit_exceeded.
inline constexpr std::size_t batch_size_bytes_max = 16 * 1024 * 1024;  // a stored batch, header included
// The records section before compression. Half the stored limit, so that even the worst
// expansion of incompressible data by a codec (snappy: +1/6) stays under batch_size_bytes_max.
inline constexpr std::size_t batch_records_bytes_max = 8 * 1024 * 1024;
inline constexpr std::size_t records_per_batch_max = 256 * 1024;
static_assert(record_size_bytes_max <= batch_records_bytes_max, "a record at the limit must fit a batch");
static_assert(batch_records_bytes_max <= decompressed_bytes_max);

// Kafka's sentinels (RecordBatch.NO_*).
inline constexpr std::int64_t no_producer_id = -1;
inline constexpr std::int16_t no_producer_epoch = -1;
inline constexpr std::int32_t no_sequence = -1;
inline constexpr std::int32_t no_partition_leader_epoch = -1;
inline constexpr std::int64_t no_timestamp = -1;

// Attribute bits.
namespace batch_attribute {
inline constexpr std::uint16_t compression_mask = 0x07;
inline constexpr std::uint16_t timestamp_type = 0x08;  // set: LogAppendTime
inline constexpr std::uint16_t transactional = 0x10;
inline constexpr std::uint16_t control = 0x20;
inline constexpr std::uint16_t delete_horizon = 0x40;
inline constexpr std::uint16_t unused_mask = 0xFF80;  // no writer sets these
}  // namespace batch_attribute

enum class TimestampType : std::uint8_t {
  create_time = 0,      // the producer's timestamps (message.timestamp.type=CreateTime)
  log_append_time = 1,  // the broker's clock at append; records then read maxTimestamp
};

struct RecordBatch {
  std::int64_t base_offset = 0;  // the producer sends 0; the leader's log assigns it
  std::int32_t partition_leader_epoch = no_partition_leader_epoch;
  Compression compression = Compression::none;
  TimestampType timestamp_type = TimestampType::create_time;
  bool transactional = false;
  bool control = false;             // holds control records (transaction markers), KIP-98
  bool has_delete_horizon = false;  // base_timestamp is the delete horizon (KIP-534)
  // Offset of the last record relative to base_offset. After compaction it can exceed the
  // last remaining record's delta (and an empty batch keeps it), so it is stored, not derived.
  std::int32_t last_offset_delta = 0;
  // Epoch milliseconds (Kafka's field names, kept for grep-ability against Kafka's source).
  std::int64_t base_timestamp = no_timestamp;  // the first record's timestamp, or the delete horizon
  std::int64_t max_timestamp = no_timestamp;   // the largest record timestamp, or the LogAppendTime
  std::int64_t producer_id = no_producer_id;
  std::int16_t producer_epoch = no_producer_epoch;
  std::int32_t base_sequence = no_sequence;  // sequence of the first record (idempotence, KIP-98)
  std::vector<Record> records;  // offset deltas strictly increasing, each <= last_offset_delta

  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
  bool operator==(const RecordBatch&) const = default;
};

// The fixed-size header of a stored batch, read without touching the records.
struct BatchHeader {
  std::int64_t base_offset = 0;
  std::int32_t batch_length = 0;  // bytes after the batchLength field
  std::int32_t partition_leader_epoch = no_partition_leader_epoch;
  std::uint32_t crc = 0;  // as stored (verified when peeked with CrcCheck::verify)
  Compression compression = Compression::none;
  TimestampType timestamp_type = TimestampType::create_time;
  bool transactional = false;
  bool control = false;
  bool has_delete_horizon = false;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = no_timestamp;
  std::int64_t max_timestamp = no_timestamp;
  std::int64_t producer_id = no_producer_id;
  std::int16_t producer_epoch = no_producer_epoch;
  std::int32_t base_sequence = no_sequence;
  std::int32_t records_count = 0;

  std::int64_t last_offset() const { return base_offset + last_offset_delta; }
  std::int64_t next_offset() const { return last_offset() + 1; }
  // The whole stored batch: where the next batch of a log segment starts.
  std::size_t size_bytes() const { return log_overhead_bytes + static_cast<std::size_t>(batch_length); }
};

// nullopt when the batch is one encode_batch accepts (limits, offset order), else why not.
std::optional<std::string> check_batch(const RecordBatch& batch);

// Encodes the batch: lengths, compression and CRC computed here. The batch must pass
// check_batch (callers build batches with BatchBuilder or from a decoded batch).
Bytes encode_batch(const RecordBatch& batch);
// Encodes a batch whose records section is already written (uncompressed, record_count
// records): BatchBuilder's. The batch's own records are ignored; its other fields are the
// header's.
Bytes encode_batch_records(const RecordBatch& batch, ByteView records, std::size_t record_count);

enum class CrcCheck {
  verify,  // the whole batch must be in the view; its CRC is checked (log recovery)
  skip,    // only the 61 header bytes are needed (index building, offset search)
};

// Reads and validates the header of the batch at the front of `bytes`, which may continue
// with further batches. Never decompresses.
Result<BatchHeader, DecodeError> peek_batch_header(ByteView bytes, CrcCheck crc_check = CrcCheck::verify);

// Decodes exactly one batch: `bytes` must be the whole batch and nothing more. Validates the
// magic, lengths, CRC, attributes, counts, varints, record order and sizes, and inflates the
// records section to at most batch_records_bytes_max (a decompression bomb stops there), so
// whatever it returns, encode_batch accepts. Never reads outside `bytes`.
Result<RecordBatch, DecodeError> decode_batch(ByteView bytes);

// The same decoding and validation, in place: the records' keys and values are views into
// `bytes` (uncompressed batches) or into `inflated`, for readers that only look at them (a
// consumer, the checkers' final views). Views into `bytes` live as long as `bytes`; move a
// BatchView, never copy it (copying would leave the copy's views in the original's buffer).
struct BatchView {
  BatchHeader header;
  Bytes inflated;  // the decompressed records section (empty for an uncompressed batch)
  std::vector<RecordView> records;

  BatchView() = default;
  BatchView(BatchView&&) = default;
  BatchView& operator=(BatchView&&) = default;
  BatchView(const BatchView&) = delete;
  BatchView& operator=(const BatchView&) = delete;
};
Result<BatchView, DecodeError> decode_batch_view(ByteView bytes);

// Rewrite the header fields the CRC does not cover, in place, as Kafka's log does on append
// (DefaultRecordBatch.setLastOffset / setPartitionLeaderEpoch). `batch` must hold an
// already-validated batch.
void set_base_offset(MutableByteView batch, std::int64_t base_offset);
void set_partition_leader_epoch(MutableByteView batch, std::int32_t partition_leader_epoch);

// The absolute offset and timestamp of a record of `batch` (DefaultRecord.offset/timestamp;
// with LogAppendTime every record reads the batch's maxTimestamp, as in Kafka).
std::int64_t record_offset(const RecordBatch& batch, const Record& record);
std::int64_t record_offset(const BatchHeader& header, const RecordView& record);
std::int64_t record_timestamp(const RecordBatch& batch, const Record& record);

}  // namespace kraftsim::log

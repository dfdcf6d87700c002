// Encoding and validating decoding of magic-v2 record batches (Kafka's DefaultRecordBatch).
#include "broker/log/record_batch.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "broker/log/crc32c.h"

namespace kraftsim::log {
namespace {

// batchLength of a batch without records: the header after the LOG_OVERHEAD fields.
constexpr std::int32_t batch_length_min = static_cast<std::int32_t>(batch_header_size_bytes - log_overhead_bytes);
constexpr std::int32_t batch_length_max = static_cast<std::int32_t>(batch_size_bytes_max - log_overhead_bytes);

std::uint16_t attributes_of(const RecordBatch& batch) {
  auto attributes = static_cast<std::uint16_t>(batch.compression);
  if (batch.timestamp_type == TimestampType::log_append_time) attributes |= batch_attribute::timestamp_type;
  if (batch.transactional) attributes |= batch_attribute::transactional;
  if (batch.control) attributes |= batch_attribute::control;
  if (batch.has_delete_horizon) attributes |= batch_attribute::delete_horizon;
  KS_ASSERT((attributes & batch_attribute::unused_mask) == 0);
  return attributes;
}

// The CRC covers everything from the attributes to the end (DefaultRecordBatch.computeChecksum).
std::uint32_t checksum_of(ByteView batch) {
  KS_ASSERT(batch.size() >= batch_header_size_bytes);
  return crc32c(batch.subspan(batch_field::attributes));
}

DecodeError batch_error(std::size_t offset_bytes, DecodeErrc code, std::string detail) {
  return DecodeError{code, ErrorRegion::batch, offset_bytes, std::move(detail)};
}

// Checks the batch-level fields of a header whose bytes have been read.
std::optional<DecodeError> validate_header_fields(const BatchHeader& header, std::uint16_t attributes) {
  if ((attributes & batch_attribute::unused_mask) != 0) {
    return batch_error(batch_field::attributes, DecodeErrc::invalid_attributes,
                       fmt::format("attributes {:#06x} set reserved bits", attributes));
  }
  if (header.base_offset < 0) {
    return batch_error(batch_field::base_offset, DecodeErrc::invalid_field,
                       fmt::format("baseOffset {} is negative", header.base_offset));
  }
  if (header.last_offset_delta < 0) {
    return batch_error(batch_field::last_offset_delta, DecodeErrc::invalid_field,
                       fmt::format("lastOffsetDelta {} is negative", header.last_offset_delta));
  }
  if (header.base_offset > std::numeric_limits<std::int64_t>::max() - header.last_offset_delta) {
    return batch_error(batch_field::last_offset_delta, DecodeErrc::invalid_field,
                       fmt::format("baseOffset {} + lastOffsetDelta {} overflows", header.base_offset,
                                   header.last_offset_delta));
  }
  if (header.records_count < 0) {
    // Kafka: "Found invalid record count".
    return batch_error(batch_field::records_count, DecodeErrc::invalid_field,
                       fmt::format("records count {} is negative", header.records_count));
  }
  if (static_cast<std::size_t>(header.records_count) > records_per_batch_max) {
    return batch_error(batch_field::records_count, DecodeErrc::limit_exceeded,
                       fmt::format("records count {} exceeds the limit of {}", header.records_count,
                                   records_per_batch_max));
  }
  return std::nullopt;
}

RecordBatch batch_from_header(const BatchHeader& header) {
  RecordBatch batch;
  batch.base_offset = header.base_offset;
  batch.partition_leader_epoch = header.partition_leader_epoch;
  batch.compression = header.compression;
  batch.timestamp_type = header.timestamp_type;
  batch.transactional = header.transactional;
  batch.control = header.control;
  batch.has_delete_horizon = header.has_delete_horizon;
  batch.last_offset_delta = header.last_offset_delta;
  batch.base_timestamp = header.base_timestamp;
  batch.max_timestamp = header.max_timestamp;
  batch.producer_id = header.producer_id;
  batch.producer_epoch = header.producer_epoch;
  batch.base_sequence = header.base_sequence;
  return batch;
}

// Reads `records_count` records from `reader`, which spans exactly the records section.
Result<std::vector<RecordView>, DecodeError> read_records(RecordReader& reader, const BatchHeader& header) {
  const auto count = static_cast<std::size_t>(header.records_count);
  if (count > reader.remaining() / record_size_bytes_min) {
    return unexpected(batch_error(batch_field::records_count, DecodeErrc::invalid_field,
                                  fmt::format("records count {} cannot fit in {} bytes of records", count,
                                              reader.remaining())));
  }
  std::vector<RecordView> records;
  records.reserve(count);
  std::int64_t previous_offset_delta = -1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t record_position = reader.position();
    std::optional<RecordView> record = read_record_view(reader);
    if (!record.has_value()) return unexpected(reader.error());
    if (record->offset_delta <= previous_offset_delta || record->offset_delta > header.last_offset_delta) {
      reader.fail_at(record_position, DecodeErrc::invalid_field,
                     fmt::format("record {} has offset delta {} after {} (lastOffsetDelta {})", i,
                                 record->offset_delta, previous_offset_delta, header.last_offset_delta));
      return unexpected(reader.error());
    }
    previous_offset_delta = record->offset_delta;
    records.push_back(std::move(*record));
  }
  if (reader.remaining() != 0) {
    // Kafka: "Incorrect declared batch size, records still remaining in file".
    reader.fail_at(reader.position(), DecodeErrc::trailing_bytes,
                   fmt::format("{} bytes after the last of {} declared records", reader.remaining(), count));
    return unexpected(reader.error());
  }
  KS_ASSERT(records.size() == count);
  return records;
}

}  // namespace

std::optional<std::string> check_batch(const RecordBatch& batch) {
  if (batch.records.size() > records_per_batch_max) {
    return fmt::format("{} records exceed the limit of {}", batch.records.size(), records_per_batch_max);
  }
  if (batch.base_offset < 0) return fmt::format("base offset {} is negative", batch.base_offset);
  if (batch.last_offset_delta < 0) return fmt::format("last offset delta {} is negative", batch.last_offset_delta);
  if (batch.base_offset > std::numeric_limits<std::int64_t>::max() - batch.last_offset_delta) {
    return fmt::format("base offset {} + last offset delta {} overflows", batch.base_offset, batch.last_offset_delta);
  }
  std::int64_t previous_offset_delta = -1;
  std::size_t records_bytes = 0;
  for (const Record& record : batch.records) {
    if (auto problem = check_record_limits(record)) return problem;
    if (record.offset_delta <= previous_offset_delta || record.offset_delta > batch.last_offset_delta) {
      return fmt::format("offset delta {} after {} (last offset delta {})", record.offset_delta, previous_offset_delta,
                         batch.last_offset_delta);
    }
    previous_offset_delta = record.offset_delta;
    records_bytes += record_size_bytes(record);
    if (records_bytes > batch_records_bytes_max) {
      return fmt::format("records exceed the limit of {} bytes before compression", batch_records_bytes_max);
    }
  }
  return std::nullopt;
}

Bytes encode_batch(const RecordBatch& batch) {
  const std::optional<std::string> problem = check_batch(batch);
  KS_ASSERT_MSG(!problem.has_value(), problem->c_str());
  std::size_t records_bytes = 0;
  for (const Record& record : batch.records) records_bytes += record_size_bytes(record);
  KS_ASSERT(records_bytes <= batch_records_bytes_max);
  Bytes plain;
  plain.reserve(records_bytes);
  for (const Record& record : batch.records) append_record(plain, record);
  KS_ASSERT(plain.size() == records_bytes);
  return encode_batch_records(batch, plain, batch.records.size());
}

Bytes encode_batch_records(const RecordBatch& batch, ByteView records, std::size_t record_count) {
  KS_ASSERT(record_count <= records_per_batch_max && records.size() <= batch_records_bytes_max);
  KS_ASSERT(batch.base_offset >= 0 && batch.last_offset_delta >= 0);
  KS_ASSERT(static_cast<std::size_t>(batch.last_offset_delta) + 1 >= record_count);
  KS_ASSERT(record_count >= 1 || records.empty());
  Bytes out;
  out.reserve(batch_header_size_bytes + records.size());
  append_int64(out, batch.base_offset);
  append_int32(out, 0);  // batchLength, patched below
  append_int32(out, batch.partition_leader_epoch);
  append_int8(out, magic_v2);
  append_uint32(out, 0);  // crc, patched below once the bytes it covers exist
  append_int16(out, static_cast<std::int16_t>(attributes_of(batch)));
  append_int32(out, batch.last_offset_delta);
  append_int64(out, batch.base_timestamp);
  append_int64(out, batch.max_timestamp);
  append_int64(out, batch.producer_id);
  append_int16(out, batch.producer_epoch);
  append_int32(out, batch.base_sequence);
  append_int32(out, static_cast<std::int32_t>(record_count));
  KS_ASSERT(out.size() == batch_header_size_bytes);

  if (batch.compression == Compression::none) {
    out.insert(out.end(), records.begin(), records.end());
  } else {
    const Bytes compressed = compress(batch.compression, records);
    out.insert(out.end(), compressed.begin(), compressed.end());
  }
  KS_ASSERT(out.size() <= batch_size_bytes_max);

  store_big_endian(out, batch_field::batch_length, out.size() - log_overhead_bytes, 4);
  store_big_endian(out, batch_field::crc, checksum_of(out), 4);

  // Read back what a reader will see first (cheap: the header only).
  const auto header = peek_batch_header(out, CrcCheck::skip);
  KS_ASSERT(header.ok());
  KS_ASSERT(header->size_bytes() == out.size());
  KS_ASSERT(header->records_count == static_cast<std::int32_t>(record_count));
  return out;
}

Result<BatchHeader, DecodeError> peek_batch_header(ByteView bytes, CrcCheck crc_check) {
  RecordReader reader(bytes.first(std::min(bytes.size(), batch_header_size_bytes)), ErrorRegion::batch, 0);
  BatchHeader header;
  header.base_offset = reader.read_int64("baseOffset");
  header.batch_length = reader.read_int32("batchLength");
  header.partition_leader_epoch = reader.read_int32("partitionLeaderEpoch");
  const std::int8_t magic = reader.read_int8("magic");
  if (reader.failed()) return unexpected(reader.error());
  // The magic sits at byte 16 in every message format version, so it is checked first: the
  // rest of a v0/v1 message set is laid out differently.
  if (magic != magic_v2) {
    return unexpected(batch_error(batch_field::magic, DecodeErrc::unsupported_magic,
                                  fmt::format("magic {} (only magic 2 is supported)", magic)));
  }
  if (header.batch_length < batch_length_min) {
    // Kafka: "Record batch is corrupt (the size N is smaller than the minimum allowed overhead 61)".
    return unexpected(batch_error(batch_field::batch_length, DecodeErrc::invalid_batch_length,
                                  fmt::format("batchLength {} is below the header's {}", header.batch_length,
                                              batch_length_min)));
  }
  if (header.batch_length > batch_length_max) {
    return unexpected(batch_error(batch_field::batch_length, DecodeErrc::limit_exceeded,
                                  fmt::format("batchLength {} exceeds the limit of {}", header.batch_length,
                                              batch_length_max)));
  }
  header.crc = reader.read_uint32("crc");
  const auto attributes = static_cast<std::uint16_t>(reader.read_int16("attributes"));
  header.last_offset_delta = reader.read_int32("lastOffsetDelta");
  header.base_timestamp = reader.read_int64("baseTimestamp");
  header.max_timestamp = reader.read_int64("maxTimestamp");
  header.producer_id = reader.read_int64("producerId");
  header.producer_epoch = reader.read_int16("producerEpoch");
  header.base_sequence = reader.read_int32("baseSequence");
  header.records_count = reader.read_int32("recordsCount");
  if (reader.failed()) return unexpected(reader.error());
  KS_ASSERT(reader.remaining() == 0);

  if (crc_check == CrcCheck::verify) {
    if (bytes.size() < header.size_bytes()) {
      return unexpected(batch_error(bytes.size(), DecodeErrc::truncated,
                                    fmt::format("batch of {} bytes, only {} present", header.size_bytes(),
                                                bytes.size())));
    }
    const std::uint32_t computed = checksum_of(bytes.first(header.size_bytes()));
    if (computed != header.crc) {
      return unexpected(batch_error(batch_field::crc, DecodeErrc::crc_mismatch,
                                    fmt::format("stored {:#010x}, computed {:#010x}", header.crc, computed)));
    }
  }
  if (auto problem = validate_header_fields(header, attributes)) return unexpected(std::move(*problem));

  const std::optional<Compression> compression =
      compression_from_id(static_cast<std::uint8_t>(attributes & batch_attribute::compression_mask));
  if (!compression.has_value()) {
    return unexpected(batch_error(batch_field::attributes, DecodeErrc::invalid_attributes,
                                  fmt::format("unknown compression id {}", attributes & batch_attribute::compression_mask)));
  }
  header.compression = *compression;
  header.timestamp_type = (attributes & batch_attribute::timestamp_type) != 0 ? TimestampType::log_append_time
                                                                               : TimestampType::create_time;
  header.transactional = (attributes & batch_attribute::transactional) != 0;
  header.control = (attributes & batch_attribute::control) != 0;
  header.has_delete_horizon = (attributes & batch_attribute::delete_horizon) != 0;
  return header;
}

Result<BatchView, DecodeError> decode_batch_view(ByteView bytes) {
  auto header = peek_batch_header(bytes, CrcCheck::verify);
  if (!header.ok()) return unexpected(header.error());
  KS_ASSERT(bytes.size() >= header->size_bytes());
  if (bytes.size() != header->size_bytes()) {
    return unexpected(batch_error(header->size_bytes(), DecodeErrc::trailing_bytes,
                                  fmt::format("{} bytes after the batch's {}", bytes.size() - header->size_bytes(),
                                              header->size_bytes())));
  }
  const ByteView records_section = bytes.subspan(batch_header_size_bytes);
  BatchView view;
  view.header = *header;
  Result<std::vector<RecordView>, DecodeError> records = std::vector<RecordView>{};
  if (header->compression == Compression::none) {
    if (records_section.size() > batch_records_bytes_max) {
      return unexpected(batch_error(batch_header_size_bytes, DecodeErrc::limit_exceeded,
                                    fmt::format("records section of {} bytes exceeds the limit of {}",
                                                records_section.size(), batch_records_bytes_max)));
    }
    RecordReader reader(records_section, ErrorRegion::batch, batch_header_size_bytes);
    records = read_records(reader, *header);
  } else {
    // The records a batch may hold bound the inflation too (a decompression bomb stops there).
    auto decompressed = decompress(header->compression, records_section, batch_records_bytes_max);
    if (!decompressed.ok()) {
      return unexpected(batch_error(batch_header_size_bytes, DecodeErrc::decompression_failed, decompressed.error()));
    }
    view.inflated = std::move(*decompressed);
    RecordReader reader(view.inflated, ErrorRegion::decompressed_records, 0);
    records = read_records(reader, *header);
  }
  if (!records.ok()) return unexpected(records.error());
  view.records = std::move(*records);
  KS_ASSERT(view.records.size() == static_cast<std::size_t>(header->records_count));
  return view;
}

Result<RecordBatch, DecodeError> decode_batch(ByteView bytes) {
  auto view = decode_batch_view(bytes);
  if (!view.ok()) return unexpected(view.error());
  RecordBatch batch = batch_from_header(view->header);
  batch.records.reserve(view->records.size());
  for (const RecordView& record : view->records) batch.records.push_back(record.to_record());
  KS_ASSERT(!check_batch(batch).has_value());
  return batch;
}

void set_base_offset(MutableByteView batch, std::int64_t base_offset) {
  KS_ASSERT(batch.size() >= batch_header_size_bytes);
  KS_ASSERT(batch[batch_field::magic] == magic_v2);
  KS_ASSERT(base_offset >= 0);
  const auto last_offset_delta = static_cast<std::int32_t>(load_big_endian(batch, batch_field::last_offset_delta, 4));
  KS_ASSERT(last_offset_delta >= 0);
  KS_ASSERT(base_offset <= std::numeric_limits<std::int64_t>::max() - last_offset_delta);
  store_big_endian(batch, batch_field::base_offset, static_cast<std::uint64_t>(base_offset), 8);
}

void set_partition_leader_epoch(MutableByteView batch, std::int32_t partition_leader_epoch) {
  KS_ASSERT(batch.size() >= batch_header_size_bytes);
  KS_ASSERT(batch[batch_field::magic] == magic_v2);
  KS_ASSERT(partition_leader_epoch >= no_partition_leader_epoch);
  store_big_endian(batch, batch_field::partition_leader_epoch, static_cast<std::uint32_t>(partition_leader_epoch), 4);
}

std::int64_t record_offset(const RecordBatch& batch, const Record& record) {
  KS_ASSERT(record.offset_delta >= 0);
  KS_ASSERT(record.offset_delta <= batch.last_offset_delta);
  return batch.base_offset + record.offset_delta;
}

std::int64_t record_offset(const BatchHeader& header, const RecordView& record) {
  KS_ASSERT(record.offset_delta >= 0);
  KS_ASSERT(record.offset_delta <= header.last_offset_delta);
  return header.base_offset + record.offset_delta;
}

std::int64_t record_timestamp(const RecordBatch& batch, const Record& record) {
  if (batch.timestamp_type == TimestampType::log_append_time) return batch.max_timestamp;
  // Java's long addition wraps; do the same without signed-overflow UB.
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(batch.base_timestamp) +
                                   static_cast<std::uint64_t>(record.timestamp_delta));
}

}  // namespace kraftsim::log

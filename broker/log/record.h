// One record of a magic-v2 record batch (Kafka's DefaultRecord) and its codec:
//   length varint (bytes after this field) | attributes int8 (unused, 0) |
//   timestampDelta varlong | offsetDelta varint | keyLength varint (-1 = null) | key |
//   valueLength varint (-1 = null) | value | headerCount varint |
//   per header: keyLength varint | key (a string, never null) | valueLength varint (-1 = null) | value
// The batch (record_batch.h) owns the base offset and base timestamp the deltas are relative
// to, and the compression around a run of records. Nothing here does I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/log/record_bytes.h"
#include "broker/log/record_reader.h"

namespace kraftsim::log {

// kraftsim's limits on one record (Kafka bounds only the whole request and batch, by
// max.request.size and message.max.bytes; ours keep decoding outside bytes cheap to reason
// about). The producer reports a record over them as RECORD_TOO_LARGE.
inline constexpr std::size_t record_key_bytes_max = 1024 * 1024;
inline constexpr std::size_t record_value_bytes_max = 8 * 1024 * 1024;  // record_size_bytes_max binds first
inline constexpr std::size_t record_headers_max = 1024;
inline constexpr std::size_t header_key_bytes_max = 32 * 1024;
inline constexpr std::size_t header_value_bytes_max = 1024 * 1024;
// A whole encoded record, length prefix included.
inline constexpr std::size_t record_size_bytes_max = 8 * 1024 * 1024;
// The smallest encoded record: seven one-byte fields (length, attributes, two deltas, null
// key, null value, no headers). Bounds how many records a byte count can hold.
inline constexpr std::size_t record_size_bytes_min = 7;
inline constexpr std::size_t header_size_bytes_min = 2;

struct Header {
  std::string key;                 // Kafka's header key is a non-null String
  std::optional<Bytes> value;      // nullopt = null (length -1)

  bool operator==(const Header&) const = default;
};

struct Record {
  std::int64_t timestamp_delta = 0;  // ms: record timestamp - batch baseTimestamp (may be negative)
  std::int32_t offset_delta = 0;     // record offset - batch baseOffset
  std::optional<Bytes> key;          // nullopt = null key; an empty key is a different thing
  std::optional<Bytes> value;        // nullopt = null value (a tombstone in a compacted topic)
  std::vector<Header> headers;

  bool operator==(const Record&) const = default;
};

// A record read in place (read_record_view): its key, value and header texts are views into the
// bytes it was read from, valid while those are. Readers that only look (a consumer, the
// checkers) use it to skip a copy of every key and value; to_record() makes the owned Record.
struct HeaderView {
  std::string_view key;
  std::optional<ByteView> value;
};
struct RecordView {
  std::int64_t timestamp_delta = 0;
  std::int32_t offset_delta = 0;
  std::optional<ByteView> key;
  std::optional<ByteView> value;
  std::vector<HeaderView> headers;  // allocates only for a record that has headers

  Record to_record() const;
};

// A record to encode, by views of its key, value and headers: the batch builder writes a
// producer's records from bytes it does not keep (Kafka's MemoryRecordsBuilder appends each
// record to the batch's stream as it comes), and a Record is encoded through one too.
struct RecordFields {
  std::int64_t timestamp_delta = 0;
  std::int32_t offset_delta = 0;
  std::optional<ByteView> key;
  std::optional<ByteView> value;
  std::span<const Header> headers;

  static RecordFields of(const Record& record);
};

// nullopt when `record` is within the limits above, else what is too large (a user error).
std::optional<std::string> check_record_limits(const RecordFields& record);
std::optional<std::string> check_record_limits(const Record& record);

// Size of the fields after the length varint, and of the whole encoded record.
std::size_t record_body_size_bytes(const RecordFields& record);
std::size_t record_body_size_bytes(const Record& record);
std::size_t record_size_bytes(const Record& record);
// The whole encoded record's size from its body's (record_body_size_bytes).
std::size_t record_size_bytes_of_body(std::size_t body_bytes);

// Appends the encoded record. The record must be within the limits (our caller checked).
void append_record(Bytes& out, const Record& record);
// The same, for a record whose limits and body size the caller has computed once already.
void append_record(Bytes& out, const RecordFields& record, std::size_t body_bytes);

// Reads one record at the reader's position. nullopt exactly when the reader failed; its
// error says why and where. The view's bytes are the reader's.
std::optional<RecordView> read_record_view(RecordReader& reader);

}  // namespace kraftsim::log

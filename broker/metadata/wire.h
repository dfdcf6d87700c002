// Kafka's flexible-version wire format (KIP-482), the subset the metadata records and the
// controller RPC size estimates need: big-endian fixed-width integers, unsigned varints, compact
// strings and arrays (length + 1, 0 = null), 16-byte UUIDs and tagged-field sections.
//
// The reader never reads out of bounds: every read checks the remaining bytes first, and the
// first failure is sticky (later reads return zero values and do nothing), so a decoder can read
// a whole message and check ok() once. Array lengths are checked against the remaining bytes
// before anything is allocated, so corrupt lengths cannot cause huge allocations.
// This file does no I/O and knows nothing about record types (see records.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/common/uuid.h"

namespace kraftsim::metadata {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Kafka limits a string to Short.MAX_VALUE bytes (Writable.writeString / compact strings).
inline constexpr std::size_t wire_string_bytes_max = 32767;

// ---- Sizes, for wire_size_bytes() estimates without encoding. ----
std::size_t unsigned_varint_size(std::uint32_t value);
std::size_t compact_string_size(std::string_view text);           // non-null string
std::size_t compact_nullable_string_size(const std::optional<std::string>& text);
std::size_t compact_array_header_size(std::size_t element_count);  // the length prefix only
inline constexpr std::size_t empty_tagged_fields_size = 1;         // one varint 0

class WireWriter {
 public:
  void write_i8(std::int8_t value);
  void write_i16(std::int16_t value);
  void write_u16(std::uint16_t value);
  void write_i32(std::int32_t value);
  void write_i64(std::int64_t value);
  void write_bool(bool value);
  void write_uuid(const UuidBytes& value);
  void write_unsigned_varint(std::uint32_t value);
  void write_compact_string(std::string_view text);
  void write_compact_nullable_string(const std::optional<std::string>& text);
  // The length prefix of a compact array of `element_count` elements (written as count + 1).
  void write_compact_array_length(std::size_t element_count);
  void write_compact_null_array();
  void write_compact_int32_array(const std::vector<std::int32_t>& values);
  void write_bytes(ByteView bytes);

  std::size_t size() const { return bytes_.size(); }
  const Bytes& bytes() const { return bytes_; }
  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

class WireReader {
 public:
  explicit WireReader(ByteView bytes) : bytes_(bytes) {}

  std::int8_t read_i8();
  std::int16_t read_i16();
  std::uint16_t read_u16();
  std::int32_t read_i32();
  std::int64_t read_i64();
  bool read_bool();  // rejects values other than 0 and 1
  UuidBytes read_uuid();
  std::uint32_t read_unsigned_varint();  // at most 5 bytes, as Kafka's ByteUtils
  std::string read_compact_string();     // null is an error
  std::optional<std::string> read_compact_nullable_string();
  // Reads a compact array length; nullopt for null (and on failure). The length is rejected when
  // `element_bytes_min` times it exceeds the remaining bytes.
  std::optional<std::size_t> read_compact_nullable_array_length(std::size_t element_bytes_min);
  std::size_t read_compact_array_length(std::size_t element_bytes_min);  // null is an error
  std::vector<std::int32_t> read_compact_int32_array();
  std::optional<std::vector<std::int32_t>> read_compact_nullable_int32_array();
  // A sub-reader over the next `byte_count` bytes (a tagged field's payload), which are consumed.
  WireReader read_sub_reader(std::size_t byte_count);
  void skip(std::size_t byte_count);

  // Marks the input corrupt (for checks the decoder makes itself). The first failure wins.
  void fail(const char* reason);

  bool ok() const { return failure_ == nullptr; }
  const char* failure() const { return failure_ ? failure_ : ""; }
  std::size_t failure_position() const { return failure_position_; }
  std::size_t position() const { return position_; }
  std::size_t remaining() const { return bytes_.size() - position_; }

 private:
  bool need(std::size_t byte_count);
  std::uint64_t read_big_endian(std::size_t byte_count);

  ByteView bytes_;
  std::size_t position_ = 0;
  const char* failure_ = nullptr;
  std::size_t failure_position_ = 0;
};

}  // namespace kraftsim::metadata

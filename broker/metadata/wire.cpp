// Kafka's flexible-version wire primitives (see wire.h). Layouts follow Kafka's
// org.apache.kafka.common.protocol.{Writable,Readable} and ByteUtils (unsigned varints).
#include "broker/metadata/wire.h"

#include "base/assert.h"

namespace kraftsim::metadata {

namespace {
// Kafka's unsigned varint of a 32-bit value never needs more than 5 bytes.
constexpr std::size_t varint_bytes_max = 5;
}  // namespace

std::size_t unsigned_varint_size(std::uint32_t value) {
  std::size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  KS_ASSERT(bytes <= varint_bytes_max);
  return bytes;
}

std::size_t compact_string_size(std::string_view text) {
  // No limit check here: sizes of user-supplied (possibly invalid) requests are estimated too.
  if (text.size() >= 0xffffffffULL) return 5 + text.size();
  return unsigned_varint_size(static_cast<std::uint32_t>(text.size() + 1)) + text.size();
}

std::size_t compact_nullable_string_size(const std::optional<std::string>& text) {
  return text ? compact_string_size(*text) : 1;
}

std::size_t compact_array_header_size(std::size_t element_count) {
  if (element_count >= 0x7fffffff) return 5;
  return unsigned_varint_size(static_cast<std::uint32_t>(element_count + 1));
}

// ---------------------------------------------------------------- writer

void WireWriter::write_i8(std::int8_t value) { bytes_.push_back(static_cast<std::uint8_t>(value)); }

void WireWriter::write_i16(std::int16_t value) { write_u16(static_cast<std::uint16_t>(value)); }

void WireWriter::write_u16(std::uint16_t value) {
  bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
  bytes_.push_back(static_cast<std::uint8_t>(value));
}

void WireWriter::write_i32(std::int32_t value) {
  const auto u = static_cast<std::uint32_t>(value);
  for (int shift = 24; shift >= 0; shift -= 8) bytes_.push_back(static_cast<std::uint8_t>(u >> shift));
}

void WireWriter::write_i64(std::int64_t value) {
  const auto u = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) bytes_.push_back(static_cast<std::uint8_t>(u >> shift));
}

void WireWriter::write_bool(bool value) { bytes_.push_back(value ? 1 : 0); }

void WireWriter::write_uuid(const UuidBytes& value) {
  // Kafka writes the most significant long then the least significant long, both big-endian:
  // exactly the 16 bytes in order.
  bytes_.insert(bytes_.end(), value.begin(), value.end());
}

void WireWriter::write_unsigned_varint(std::uint32_t value) {
  const std::size_t before = bytes_.size();
  while (value >= 0x80) {
    bytes_.push_back(static_cast<std::uint8_t>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<std::uint8_t>(value));
  KS_ASSERT(bytes_.size() - before <= varint_bytes_max);
}

void WireWriter::write_compact_string(std::string_view text) {
  KS_ASSERT_MSG(text.size() <= wire_string_bytes_max, "string longer than Kafka's Short.MAX_VALUE");
  write_unsigned_varint(static_cast<std::uint32_t>(text.size() + 1));
  bytes_.insert(bytes_.end(), text.begin(), text.end());
}

void WireWriter::write_compact_nullable_string(const std::optional<std::string>& text) {
  if (!text) {
    write_unsigned_varint(0);
    return;
  }
  write_compact_string(*text);
}

void WireWriter::write_compact_array_length(std::size_t element_count) {
  KS_ASSERT(element_count < 0x7fffffff);
  write_unsigned_varint(static_cast<std::uint32_t>(element_count + 1));
}

void WireWriter::write_compact_null_array() { write_unsigned_varint(0); }

void WireWriter::write_compact_int32_array(const std::vector<std::int32_t>& values) {
  write_compact_array_length(values.size());
  for (std::int32_t v : values) write_i32(v);
}

void WireWriter::write_bytes(ByteView bytes) { bytes_.insert(bytes_.end(), bytes.begin(), bytes.end()); }

// ---------------------------------------------------------------- reader

void WireReader::fail(const char* reason) {
  KS_ASSERT(reason != nullptr);
  if (failure_ == nullptr) {
    failure_ = reason;
    failure_position_ = position_;
  }
}

bool WireReader::need(std::size_t byte_count) {
  if (!ok()) return false;
  if (byte_count > remaining()) {
    fail("truncated input");
    return false;
  }
  return true;
}

std::uint64_t WireReader::read_big_endian(std::size_t byte_count) {
  KS_ASSERT(byte_count <= 8);
  if (!need(byte_count)) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < byte_count; ++i) value = (value << 8) | bytes_[position_ + i];
  position_ += byte_count;
  KS_ASSERT(position_ <= bytes_.size());
  return value;
}

std::int8_t WireReader::read_i8() { return static_cast<std::int8_t>(read_big_endian(1)); }
std::int16_t WireReader::read_i16() { return static_cast<std::int16_t>(read_big_endian(2)); }
std::uint16_t WireReader::read_u16() { return static_cast<std::uint16_t>(read_big_endian(2)); }
std::int32_t WireReader::read_i32() { return static_cast<std::int32_t>(read_big_endian(4)); }
std::int64_t WireReader::read_i64() { return static_cast<std::int64_t>(read_big_endian(8)); }

bool WireReader::read_bool() {
  const auto byte = read_big_endian(1);
  if (byte > 1) fail("boolean is neither 0 nor 1");
  return ok() && byte == 1;
}

UuidBytes WireReader::read_uuid() {
  UuidBytes value{};
  if (!need(value.size())) return value;
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = bytes_[position_ + i];
  position_ += value.size();
  return value;
}

std::uint32_t WireReader::read_unsigned_varint() {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < varint_bytes_max; ++i) {
    if (!need(1)) return 0;
    const std::uint8_t byte = bytes_[position_++];
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (value > 0xffffffffULL) {
        fail("varint does not fit 32 bits");
        return 0;
      }
      return static_cast<std::uint32_t>(value);
    }
  }
  fail("varint is too long");
  return 0;
}

std::optional<std::string> WireReader::read_compact_nullable_string() {
  const std::uint32_t length_plus_one = read_unsigned_varint();
  if (!ok() || length_plus_one == 0) return std::nullopt;
  const std::size_t length = length_plus_one - 1;
  if (length > wire_string_bytes_max) {
    fail("string longer than Short.MAX_VALUE");
    return std::nullopt;
  }
  if (!need(length)) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), length);
  position_ += length;
  return text;
}

std::string WireReader::read_compact_string() {
  const std::size_t start = position_;
  auto text = read_compact_nullable_string();
  if (ok() && !text) {
    position_ = start;
    fail("null in a non-nullable string");
  }
  return text ? std::move(*text) : std::string();
}

std::optional<std::size_t> WireReader::read_compact_nullable_array_length(std::size_t element_bytes_min) {
  KS_ASSERT(element_bytes_min >= 1);
  const std::uint32_t length_plus_one = read_unsigned_varint();
  if (!ok() || length_plus_one == 0) return std::nullopt;
  const std::size_t length = length_plus_one - 1;
  // Check before the caller allocates: every element needs at least element_bytes_min bytes.
  if (length > remaining() / element_bytes_min) {
    fail("array length exceeds the remaining bytes");
    return std::nullopt;
  }
  return length;
}

std::size_t WireReader::read_compact_array_length(std::size_t element_bytes_min) {
  const std::size_t start = position_;
  const auto length = read_compact_nullable_array_length(element_bytes_min);
  if (ok() && !length) {
    position_ = start;
    fail("null in a non-nullable array");
  }
  return length.value_or(0);
}

std::optional<std::vector<std::int32_t>> WireReader::read_compact_nullable_int32_array() {
  const auto length = read_compact_nullable_array_length(4);
  if (!length) return std::nullopt;
  std::vector<std::int32_t> values;
  values.reserve(*length);
  for (std::size_t i = 0; i < *length && ok(); ++i) values.push_back(read_i32());
  return values;
}

std::vector<std::int32_t> WireReader::read_compact_int32_array() {
  const std::size_t start = position_;
  auto values = read_compact_nullable_int32_array();
  if (ok() && !values) {
    position_ = start;
    fail("null in a non-nullable array");
  }
  return values ? std::move(*values) : std::vector<std::int32_t>();
}

WireReader WireReader::read_sub_reader(std::size_t byte_count) {
  if (!need(byte_count)) {
    WireReader failed{ByteView()};
    failed.fail("truncated input");
    return failed;
  }
  WireReader sub(bytes_.subspan(position_, byte_count));
  position_ += byte_count;
  return sub;
}

void WireReader::skip(std::size_t byte_count) {
  if (!need(byte_count)) return;
  position_ += byte_count;
}

}  // namespace kraftsim::metadata

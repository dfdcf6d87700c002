// Kafka's variable-length integers (ByteUtils.writeVarint / readVarint and the varlong pair):
// zigzag-encoded, then 7 bits per byte, least significant group first, the high bit of a byte
// meaning "more follows" (the protobuf encoding). A record in magic v2 is mostly varints.
// Reading never goes past the given bytes and rejects encodings longer than the type allows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/result.h"
#include "broker/log/record_bytes.h"

namespace kraftsim::log {

inline constexpr std::size_t varint_size_bytes_max = 5;    // 32 bits in 7-bit groups
inline constexpr std::size_t varlong_size_bytes_max = 10;  // 64 bits in 7-bit groups

// Zigzag maps signed to unsigned so that small magnitudes stay short: 0, -1, 1, -2 -> 0, 1, 2, 3.
constexpr std::uint32_t zigzag_encode(std::int32_t value) {
  return (static_cast<std::uint32_t>(value) << 1) ^ static_cast<std::uint32_t>(value >> 31);
}
constexpr std::uint64_t zigzag_encode(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
constexpr std::int32_t zigzag_decode(std::uint32_t value) {
  return static_cast<std::int32_t>((value >> 1) ^ (~(value & 1) + 1));
}
constexpr std::int64_t zigzag_decode(std::uint64_t value) {
  return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

void append_varint(Bytes& out, std::int32_t value);
void append_varlong(Bytes& out, std::int64_t value);
// Inline: the record codecs size every field of every record with them.
constexpr std::size_t unsigned_varint_size_bytes(std::uint64_t value) {
  std::size_t size_bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size_bytes;
  }
  return size_bytes;
}
constexpr std::size_t varint_size_bytes(std::int32_t value) { return unsigned_varint_size_bytes(zigzag_encode(value)); }
constexpr std::size_t varlong_size_bytes(std::int64_t value) {
  return unsigned_varint_size_bytes(zigzag_encode(value));
}
static_assert(varint_size_bytes(INT32_MIN) == varint_size_bytes_max);
static_assert(varlong_size_bytes(INT64_MIN) == varlong_size_bytes_max);

enum class VarintErrc {
  truncated,  // the bytes end while the high bit still says "more follows"
  too_long,   // more groups, or higher bits, than the type holds
};

template <typename T>
struct VarintRead {
  T value;
  std::size_t size_bytes;  // bytes consumed
};

// Reads one varint (32-bit) or varlong (64-bit) from the front of `bytes`. Like Kafka, a
// non-minimal encoding (e.g. 0x80 0x00 for 0) is accepted; bits beyond the type are not.
Result<VarintRead<std::int32_t>, VarintErrc> read_varint(ByteView bytes);
Result<VarintRead<std::int64_t>, VarintErrc> read_varlong(ByteView bytes);

}  // namespace kraftsim::log

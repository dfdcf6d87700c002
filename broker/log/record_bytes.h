// Byte types and big-endian fixed-width integers of Kafka's log format. Kafka writes every
// fixed-width field of a record batch in network order (java.nio.ByteBuffer's default), and
// xerial's snappy framing uses the same order for its lengths. Only appending and in-place
// load/store live here; bounds-checked reading of outside bytes is record_reader.h's job.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/assert.h"

namespace kraftsim::log {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

// Appends `value` as `width_bytes` big-endian bytes (the low bytes of value).
inline void append_big_endian(Bytes& out, std::uint64_t value, std::size_t width_bytes) {
  KS_ASSERT(width_bytes >= 1);
  KS_ASSERT(width_bytes <= 8);
  for (std::size_t i = width_bytes; i > 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * (i - 1))));
}

inline void append_int8(Bytes& out, std::int8_t value) { out.push_back(static_cast<std::uint8_t>(value)); }
inline void append_int16(Bytes& out, std::int16_t value) {
  append_big_endian(out, static_cast<std::uint16_t>(value), 2);
}
inline void append_int32(Bytes& out, std::int32_t value) {
  append_big_endian(out, static_cast<std::uint32_t>(value), 4);
}
inline void append_uint32(Bytes& out, std::uint32_t value) { append_big_endian(out, value, 4); }
inline void append_int64(Bytes& out, std::int64_t value) {
  append_big_endian(out, static_cast<std::uint64_t>(value), 8);
}

// Reads `width_bytes` big-endian bytes at `position`. The caller has checked the bounds; an
// out-of-bounds position here is our bug.
inline std::uint64_t load_big_endian(ByteView bytes, std::size_t position, std::size_t width_bytes) {
  KS_ASSERT(width_bytes >= 1);
  KS_ASSERT(width_bytes <= 8);
  KS_ASSERT(position <= bytes.size());
  KS_ASSERT(bytes.size() - position >= width_bytes);
  // The common widths as one load and a byte swap (record batch headers are read field by field
  // for every fetch, append and decode); the loop for the rest.
  const std::uint8_t* at = bytes.data() + position;
  switch (width_bytes) {
    case 8: {
      std::uint64_t word;
      std::memcpy(&word, at, 8);
      return std::endian::native == std::endian::little ? __builtin_bswap64(word) : word;
    }
    case 4: {
      std::uint32_t word;
      std::memcpy(&word, at, 4);
      return std::endian::native == std::endian::little ? __builtin_bswap32(word) : word;
    }
    default: {
      std::uint64_t value = 0;
      for (std::size_t i = 0; i < width_bytes; ++i) value = (value << 8) | at[i];
      return value;
    }
  }
}

// Overwrites `width_bytes` big-endian bytes at `position` (patching a header field in place).
inline void store_big_endian(MutableByteView bytes, std::size_t position, std::uint64_t value,
                             std::size_t width_bytes) {
  KS_ASSERT(width_bytes >= 1);
  KS_ASSERT(width_bytes <= 8);
  KS_ASSERT(position <= bytes.size());
  KS_ASSERT(bytes.size() - position >= width_bytes);
  for (std::size_t i = 0; i < width_bytes; ++i) {
    bytes[position + i] = static_cast<std::uint8_t>(value >> (8 * (width_bytes - 1 - i)));
  }
}

}  // namespace kraftsim::log

// Zigzag varints of Kafka's record format (ByteUtils in apache/kafka clients).
#include "broker/log/varint.h"

namespace kraftsim::log {
namespace {

void append_unsigned(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

// Reads an unsigned varint of at most `size_bytes_max` groups whose value fits `value_bits`.
Result<VarintRead<std::uint64_t>, VarintErrc> read_unsigned(ByteView bytes, std::size_t size_bytes_max,
                                                            unsigned value_bits) {
  KS_ASSERT(size_bytes_max * 7 >= value_bits);
  KS_ASSERT(value_bits <= 64);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size_bytes_max; ++i) {
    if (i >= bytes.size()) return unexpected(VarintErrc::truncated);
    const std::uint8_t byte = bytes[i];
    const auto shift = static_cast<unsigned>(7 * i);
    const std::uint64_t group = byte & 0x7F;
    if (i + 1 == size_bytes_max) {
      // The last allowed group: no continuation, and no bits above the type's width.
      if ((byte & 0x80) != 0) return unexpected(VarintErrc::too_long);
      if ((group >> (value_bits - shift)) != 0) return unexpected(VarintErrc::too_long);
    }
    value |= group << shift;
    if ((byte & 0x80) == 0) return VarintRead<std::uint64_t>{value, i + 1};
  }
  KS_ASSERT(false);  // the last group returns or fails above
  return unexpected(VarintErrc::too_long);
}

}  // namespace

void append_varint(Bytes& out, std::int32_t value) {
  const std::size_t size_before = out.size();
  append_unsigned(out, zigzag_encode(value));
  KS_ASSERT(out.size() - size_before == varint_size_bytes(value));
}

void append_varlong(Bytes& out, std::int64_t value) {
  const std::size_t size_before = out.size();
  append_unsigned(out, zigzag_encode(value));
  KS_ASSERT(out.size() - size_before == varlong_size_bytes(value));
}

Result<VarintRead<std::int32_t>, VarintErrc> read_varint(ByteView bytes) {
  auto read = read_unsigned(bytes, varint_size_bytes_max, 32);
  if (!read.ok()) return unexpected(read.error());
  KS_ASSERT(read->value <= 0xFFFFFFFFULL);
  return VarintRead<std::int32_t>{zigzag_decode(static_cast<std::uint32_t>(read->value)), read->size_bytes};
}

Result<VarintRead<std::int64_t>, VarintErrc> read_varlong(ByteView bytes) {
  auto read = read_unsigned(bytes, varlong_size_bytes_max, 64);
  if (!read.ok()) return unexpected(read.error());
  return VarintRead<std::int64_t>{zigzag_decode(read->value), read->size_bytes};
}

}  // namespace kraftsim::log

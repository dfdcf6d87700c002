// Kafka Uuid encoding: URL-safe base64 (RFC 4648 section 5) without padding.
#include "broker/common/uuid.h"

#include <fmt/format.h>

namespace kraftsim {

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

std::string uuid_to_string(const UuidBytes& bytes) {
  std::string out;
  out.reserve(22);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 0x3f];  // 128 = 21*6 + 2: two bits left
  return out;
}

Result<UuidBytes, std::string> uuid_from_string(std::string_view text) {
  if (text.size() != 22) {
    return unexpected(fmt::format("expected 22 base64url characters, got {} characters", text.size()));
  }
  UuidBytes out{};
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int v = decode_char(text[i]);
    if (v < 0) return unexpected(fmt::format("character '{}' at position {} is not base64url", text[i], i));
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < out.size()) out[n++] = static_cast<std::uint8_t>((buffer >> bits) & 0xff);
    }
  }
  // The last character carries 2 data bits and 4 padding bits, which must be zero.
  if ((buffer & ((1u << bits) - 1)) != 0) return unexpected(std::string("non-canonical last character"));
  return out;
}

bool uuid_is_reserved(const UuidBytes& bytes) {
  bool zero_prefix = true;
  for (std::size_t i = 0; i < 15; ++i) zero_prefix = zero_prefix && bytes[i] == 0;
  return zero_prefix && (bytes[15] == 0 || bytes[15] == 1);
}

UuidBytes random_uuid(const std::function<std::uint64_t()>& next_u64) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    UuidBytes b{};
    const std::uint64_t hi = next_u64();
    const std::uint64_t lo = next_u64();
    for (int i = 0; i < 8; ++i) {
      b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
      b[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // IETF variant
    if (!uuid_is_reserved(b) && uuid_to_string(b)[0] != '-') return b;
  }
  // 1000 draws in a row that all start with '-' means the source is broken, not unlucky.
  KS_ASSERT_MSG(false, "random source keeps producing reserved or '-' UUIDs");
  return {};
}

}  // namespace kraftsim

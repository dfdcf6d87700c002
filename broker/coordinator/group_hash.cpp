// Java's String.hashCode and Kafka's partitionFor (see group_hash.h).
#include "broker/coordinator/group_hash.h"

#include "base/assert.h"

namespace kraftsim::coordinator {

namespace {

// One UTF-8 sequence at text[at..] -> its code point; invalid bytes count as themselves (Java
// would have replaced them with U+FFFD when building the String; group ids are ASCII in practice).
std::uint32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t b0 = byte(at);
  std::size_t length = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || at + length > text.size()) {
    ++at;
    return 0xFFFD;
  }
  std::uint32_t cp = length == 1 ? b0 : length == 2 ? (b0 & 0x1Fu) : length == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) {
      ++at;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(at + i) & 0x3Fu);
  }
  at += length;
  return cp;
}

}  // namespace

std::int32_t java_string_hash(std::string_view utf8) {
  std::uint32_t h = 0;  // unsigned: Java's int overflow wraps, C++'s signed overflow is undefined
  const auto add = [&h](std::uint32_t code_unit) { h = 31u * h + code_unit; };
  for (std::size_t at = 0; at < utf8.size();) {
    const std::uint32_t cp = next_code_point(utf8, at);
    if (cp < 0x10000) {
      add(cp);
    } else {  // a surrogate pair in Java's UTF-16
      const std::uint32_t v = cp - 0x10000;
      add(0xD800u + (v >> 10));
      add(0xDC00u + (v & 0x3FFu));
    }
  }
  return static_cast<std::int32_t>(h);
}

std::int32_t partition_for_group(std::string_view group_id, std::int32_t offsets_partitions) {
  KS_ASSERT(offsets_partitions > 0);
  const std::int32_t abs = java_string_hash(group_id) & 0x7fffffff;  // Utils.abs
  return abs % offsets_partitions;
}

}  // namespace kraftsim::coordinator

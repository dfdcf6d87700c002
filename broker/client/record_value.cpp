// Producer values and record value hashes (see record_value.h).
#include "broker/client/record_value.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "base/assert.h"
#include "base/hash.h"

namespace kraftsim::client {

ProducerValueText::ProducerValueText(NodeId producer, std::int64_t seq) {
  constexpr std::string_view prefix = "value-";
  char* const end = text_ + sizeof text_;
  char* at = std::copy(prefix.begin(), prefix.end(), text_);
  auto written = std::to_chars(at, end, static_cast<std::int64_t>(producer));
  KS_ASSERT(written.ec == std::errc() && written.ptr != end);
  at = written.ptr;
  *at++ = '-';
  written = std::to_chars(at, end, seq);
  KS_ASSERT(written.ec == std::errc());
  size_ = static_cast<std::size_t>(written.ptr - text_);
}

std::string producer_value(NodeId producer, std::int64_t seq, std::int64_t value_bytes) {
  const ProducerValueText text(producer, seq);
  std::string value;
  value.reserve(std::max(text.view().size(), static_cast<std::size_t>(std::max<std::int64_t>(value_bytes, 0))));
  value.assign(text.view());
  if (static_cast<std::int64_t>(value.size()) < value_bytes) value.resize(static_cast<std::size_t>(value_bytes), '.');
  return value;
}

namespace {

// Whether [p, end) is all '.', compared a block at a time (memcmp is vectorized; a value is
// mostly padding).
bool only_padding(const char* p, const char* end) {
  static constexpr std::size_t block_bytes = 64;
  static const std::string dots(block_bytes, '.');
  for (; end - p >= static_cast<std::ptrdiff_t>(block_bytes); p += block_bytes) {
    if (std::memcmp(p, dots.data(), block_bytes) != 0) return false;
  }
  return std::memcmp(p, dots.data(), static_cast<std::size_t>(end - p)) == 0;
}

constexpr std::uint64_t producer_value_tag = 0x70726f6475636572ULL;  // "producer"
constexpr std::uint64_t other_value_tag = 0x6f74686572766c75ULL;     // "othervlu"

}  // namespace

ParsedValue parse_record_value(std::string_view text) {
  ParsedValue parsed;
  const auto other = [&] {
    Hasher h;
    h.add_u64(other_value_tag);
    h.add_bytes(text);
    parsed.hash = h.value();
    return parsed;
  };
  // "value-<producer>-<seq>" then only '.'. The numbers as producer_value writes them: decimal
  // without a sign or leading zeros, so that one value has one reading.
  constexpr std::string_view prefix = "value-";
  if (text.substr(0, prefix.size()) != prefix) return other();
  const char* const end = text.data() + text.size();
  const auto number = [end](const char* at, std::int64_t& out) -> const char* {
    if (at == end || *at < '0' || *at > '9' || (*at == '0' && at + 1 != end && at[1] >= '0' && at[1] <= '9')) return nullptr;
    const auto r = std::from_chars(at, end, out);
    return r.ec == std::errc() ? r.ptr : nullptr;
  };
  std::int64_t producer = -1, seq = -1;
  const char* at = number(text.data() + prefix.size(), producer);
  if (at == nullptr || at == end || *at != '-') return other();
  at = number(at + 1, seq);
  if (at == nullptr || !only_padding(at, end)) return other();
  parsed.producer = producer;
  parsed.seq = seq;
  parsed.hash = producer_value_hash(producer, seq, text.size());
  return parsed;
}

std::size_t producer_value_size(NodeId producer, std::int64_t seq, std::int64_t value_bytes) {
  // The text is at most "value-" and two 20-character integers and a '-': usually padding
  // decides, and the end of a run asks for every record of a log.
  constexpr std::int64_t text_bytes_max = 6 + 20 + 1 + 20;
  if (value_bytes >= text_bytes_max) return static_cast<std::size_t>(value_bytes);
  return std::max(ProducerValueText(producer, seq).view().size(), static_cast<std::size_t>(std::max<std::int64_t>(value_bytes, 0)));
}

std::uint64_t producer_value_hash(std::int64_t producer, std::int64_t seq, std::size_t size_bytes) {
  Hasher h;
  h.add_u64(producer_value_tag);
  h.add_i64(producer);
  h.add_i64(seq);
  h.add_u64(size_bytes);
  return h.value();
}

}  // namespace kraftsim::client

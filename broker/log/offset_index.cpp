// The sparse offset index of a segment (see offset_index.h).
#include "broker/log/offset_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/assert.h"

namespace kraftsim::log {

OffsetIndex::OffsetIndex(std::int64_t base_offset, std::size_t entries_max)
    : base_offset_(base_offset), entries_max_(entries_max) {
  KS_ASSERT(base_offset >= 0);
}

std::optional<OffsetPosition> OffsetIndex::last_entry() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

void OffsetIndex::append(std::int64_t offset, std::uint32_t position_bytes) {
  KS_ASSERT(!full());
  KS_ASSERT(offset >= base_offset_);
  KS_ASSERT(offset - base_offset_ <= std::numeric_limits<std::int32_t>::max());
  KS_ASSERT(position_bytes <= static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()));
  if (!entries_.empty()) {
    KS_ASSERT_MSG(offset > entries_.back().offset, "offset index entries must grow");
    KS_ASSERT_MSG(position_bytes > entries_.back().position_bytes, "offset index positions must grow");
  }
  entries_.push_back(OffsetPosition{offset, position_bytes});
}

OffsetPosition OffsetIndex::lookup(std::int64_t target_offset) const {
  // First entry with offset > target; the one before it is the answer.
  const auto after = std::upper_bound(entries_.begin(), entries_.end(), target_offset,
                                      [](std::int64_t target, const OffsetPosition& e) { return target < e.offset; });
  if (after == entries_.begin()) return OffsetPosition{base_offset_, 0};
  const OffsetPosition found = *std::prev(after);
  KS_ASSERT(found.offset <= target_offset);
  return found;
}

void OffsetIndex::truncate_to(std::int64_t offset) {
  const auto first_removed = std::lower_bound(entries_.begin(), entries_.end(), offset,
                                              [](const OffsetPosition& e, std::int64_t o) { return e.offset < o; });
  entries_.erase(first_removed, entries_.end());
  KS_ASSERT(entries_.empty() || entries_.back().offset < offset);
}

void OffsetIndex::keep_first(std::size_t count) {
  KS_ASSERT(count <= entries_.size());
  entries_.resize(count);
}

Bytes OffsetIndex::encode(std::size_t first_entry) const {
  KS_ASSERT(first_entry <= entries_.size());
  Bytes out;
  out.reserve((entries_.size() - first_entry) * offset_index_entry_bytes);
  for (std::size_t i = first_entry; i < entries_.size(); ++i) {
    const OffsetPosition& e = entries_[i];
    append_int32(out, static_cast<std::int32_t>(e.offset - base_offset_));
    append_int32(out, static_cast<std::int32_t>(e.position_bytes));
  }
  return out;
}

Result<OffsetIndex, std::string> OffsetIndex::decode(std::int64_t base_offset, std::size_t entries_max, ByteView bytes) {
  if (bytes.size() % offset_index_entry_bytes != 0) {
    return unexpected(fmt::format("size {} is not a multiple of {}", bytes.size(), offset_index_entry_bytes));
  }
  const std::size_t count = bytes.size() / offset_index_entry_bytes;
  if (count > entries_max) return unexpected(fmt::format("{} entries, more than the {} allowed", count, entries_max));
  OffsetIndex index(base_offset, entries_max);
  index.entries_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto relative = static_cast<std::int32_t>(load_big_endian(bytes, i * offset_index_entry_bytes, 4));
    const auto position = static_cast<std::int32_t>(load_big_endian(bytes, i * offset_index_entry_bytes + 4, 4));
    if (relative < 0) return unexpected(fmt::format("entry {}: negative relative offset {}", i, relative));
    if (position < 0) return unexpected(fmt::format("entry {}: negative position {}", i, position));
    const OffsetPosition entry{base_offset + relative, static_cast<std::uint32_t>(position)};
    if (!index.entries_.empty() && (entry.offset <= index.entries_.back().offset ||
                                    entry.position_bytes <= index.entries_.back().position_bytes)) {
      return unexpected(fmt::format("entry {}: ({}, {}) does not follow ({}, {})", i, entry.offset, entry.position_bytes,
                                    index.entries_.back().offset, index.entries_.back().position_bytes));
    }
    index.entries_.push_back(entry);
  }
  return index;
}

}  // namespace kraftsim::log

// The time index of a segment (see time_index.h).
#include "broker/log/time_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "broker/log/record_batch.h"

namespace kraftsim::log {

TimeIndex::TimeIndex(std::int64_t base_offset, std::size_t entries_max)
    : base_offset_(base_offset), entries_max_(entries_max) {
  KS_ASSERT(base_offset >= 0);
}

TimestampOffset TimeIndex::last_entry() const {
  if (entries_.empty()) return TimestampOffset{no_timestamp, base_offset_};
  return entries_.back();
}

bool TimeIndex::maybe_append(std::int64_t timestamp_ms, std::int64_t offset, bool skip_full_check) {
  const TimestampOffset last = last_entry();
  KS_ASSERT(offset >= base_offset_);
  KS_ASSERT(offset - base_offset_ <= std::numeric_limits<std::int32_t>::max());
  KS_ASSERT_MSG(entries_.empty() || offset >= last.offset, "time index offsets must not go down");
  if (timestamp_ms <= last.timestamp_ms) return false;
  if (!skip_full_check) KS_ASSERT(!full());
  entries_.push_back(TimestampOffset{timestamp_ms, offset});
  return true;
}

TimestampOffset TimeIndex::lookup(std::int64_t target_timestamp_ms) const {
  const auto after = std::upper_bound(entries_.begin(), entries_.end(), target_timestamp_ms,
                                      [](std::int64_t target, const TimestampOffset& e) { return target < e.timestamp_ms; });
  if (after == entries_.begin()) return TimestampOffset{no_timestamp, base_offset_};
  return *std::prev(after);
}

void TimeIndex::truncate_to(std::int64_t offset) {
  const auto first_removed = std::find_if(entries_.begin(), entries_.end(),
                                          [offset](const TimestampOffset& e) { return e.offset >= offset; });
  entries_.erase(first_removed, entries_.end());
}

void TimeIndex::keep_first(std::size_t count) {
  KS_ASSERT(count <= entries_.size());
  entries_.resize(count);
}

Bytes TimeIndex::encode(std::size_t first_entry) const {
  KS_ASSERT(first_entry <= entries_.size());
  Bytes out;
  out.reserve((entries_.size() - first_entry) * time_index_entry_bytes);
  for (std::size_t i = first_entry; i < entries_.size(); ++i) {
    const TimestampOffset& e = entries_[i];
    append_int64(out, e.timestamp_ms);
    append_int32(out, static_cast<std::int32_t>(e.offset - base_offset_));
  }
  return out;
}

Result<TimeIndex, std::string> TimeIndex::decode(std::int64_t base_offset, std::size_t entries_max, ByteView bytes) {
  if (bytes.size() % time_index_entry_bytes != 0) {
    return unexpected(fmt::format("size {} is not a multiple of {}", bytes.size(), time_index_entry_bytes));
  }
  const std::size_t count = bytes.size() / time_index_entry_bytes;
  // One entry beyond entries_max is the final entry of an inactive segment (skip_full_check).
  if (count > entries_max + 1) return unexpected(fmt::format("{} entries, more than the {} allowed", count, entries_max));
  TimeIndex index(base_offset, entries_max);
  index.entries_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto timestamp = static_cast<std::int64_t>(load_big_endian(bytes, i * time_index_entry_bytes, 8));
    const auto relative = static_cast<std::int32_t>(load_big_endian(bytes, i * time_index_entry_bytes + 8, 4));
    if (relative < 0) return unexpected(fmt::format("entry {}: negative relative offset {}", i, relative));
    const TimestampOffset entry{timestamp, base_offset + relative};
    const TimestampOffset last = index.last_entry();
    if (entry.timestamp_ms <= last.timestamp_ms || (!index.entries_.empty() && entry.offset < last.offset)) {
      return unexpected(fmt::format("entry {}: ({}, {}) does not follow ({}, {})", i, entry.timestamp_ms, entry.offset,
                                    last.timestamp_ms, last.offset));
    }
    index.entries_.push_back(entry);
  }
  return index;
}

}  // namespace kraftsim::log

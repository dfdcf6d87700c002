// The time index of one log segment (Kafka's TimeIndex, the `.timeindex` file): entries of
// (timestamp int64, offset relative to the segment's base offset int32), 12 bytes each,
// big-endian. Each entry records the largest record timestamp seen so far in the segment and the
// last offset of the batch holding it; timestamps grow strictly from entry to entry. The segment
// adds an entry together with each offset index entry (when the maximum grew) and a final one
// when it stops being the active segment (LogSegment.onBecomeInactiveSegment). It answers "the
// segment's largest timestamp" (retention by time) and "where do records at or after this time
// start" (ListOffsets by timestamp). In memory here; the segment does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/log/record_bytes.h"

namespace kraftsim::log {

inline constexpr std::size_t time_index_entry_bytes = 12;

struct TimestampOffset {
  std::int64_t timestamp_ms = 0;
  std::int64_t offset = 0;  // absolute (the file stores it relative to the base)

  bool operator==(const TimestampOffset&) const = default;
};

class TimeIndex {
 public:
  // entries_max: log.index.size.max.bytes / 12.
  TimeIndex(std::int64_t base_offset, std::size_t entries_max);

  std::int64_t base_offset() const { return base_offset_; }
  std::size_t entries() const { return entries_.size(); }
  bool full() const { return entries_.size() >= entries_max_; }
  std::uint64_t size_bytes() const { return entries_.size() * time_index_entry_bytes; }
  std::span<const TimestampOffset> all_entries() const { return entries_; }
  // The last entry, or (no timestamp = -1, base offset) when empty (TimeIndex.lastEntry).
  TimestampOffset last_entry() const;

  // Adds (timestamp, offset) when the timestamp is larger than the last entry's
  // (TimeIndex.maybeAppend); offsets must not go down. Returns whether an entry was added.
  // skip_full_check: the final entry of a segment becoming inactive may go beyond entries_max,
  // as in Kafka.
  bool maybe_append(std::int64_t timestamp_ms, std::int64_t offset, bool skip_full_check = false);

  // The entry with the largest timestamp <= target, or (-1, base offset) (TimeIndex.lookup).
  TimestampOffset lookup(std::int64_t target_timestamp_ms) const;

  // Removes every entry whose offset is >= offset (TimeIndex.truncateTo).
  void truncate_to(std::int64_t offset);
  void clear() { entries_.clear(); }
  // Drops the entries after the first `count` (undoes appends whose file write failed).
  void keep_first(std::size_t count);

  // The file's bytes from entry `first_entry` on (0: the whole file).
  Bytes encode(std::size_t first_entry = 0) const;
  // Checks whole entries, offsets not below the base and not going down, timestamps growing.
  static Result<TimeIndex, std::string> decode(std::int64_t base_offset, std::size_t entries_max, ByteView bytes);

 private:
  std::int64_t base_offset_;
  std::size_t entries_max_;
  std::vector<TimestampOffset> entries_;  // timestamps strictly increasing, offsets non-decreasing
};

}  // namespace kraftsim::log

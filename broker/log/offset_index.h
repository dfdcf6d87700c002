// The sparse offset index of one log segment (Kafka's OffsetIndex, the `.index` file): entries
// of (offset relative to the segment's base offset int32, byte position of a batch in the .log
// int32), 8 bytes each, big-endian. An entry says "the batch at this position ends at this
// offset", so the batch holding any offset >= the entry's starts at or after that position.
// The segment adds one entry every log.index.interval.bytes of batches, so a lookup costs at most
// about that many bytes of forward scanning. This file keeps the entries in memory (Kafka maps
// the file) and encodes/decodes the file bytes; the segment does the I/O. Unlike Kafka, the file
// is not preallocated: it always holds exactly the entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/log/record_bytes.h"

namespace kraftsim::log {

inline constexpr std::size_t offset_index_entry_bytes = 8;

struct OffsetPosition {
  std::int64_t offset = 0;           // absolute offset (the file stores it relative to the base)
  std::uint32_t position_bytes = 0;  // where the batch starts in the segment's .log file

  bool operator==(const OffsetPosition&) const = default;
};

class OffsetIndex {
 public:
  // entries_max: log.index.size.max.bytes / 8 (a full index rolls its segment).
  OffsetIndex(std::int64_t base_offset, std::size_t entries_max);

  std::int64_t base_offset() const { return base_offset_; }
  std::size_t entries() const { return entries_.size(); }
  std::size_t entries_max() const { return entries_max_; }
  bool full() const { return entries_.size() >= entries_max_; }
  std::uint64_t size_bytes() const { return entries_.size() * offset_index_entry_bytes; }
  std::span<const OffsetPosition> all_entries() const { return entries_; }
  std::optional<OffsetPosition> last_entry() const;

  // Adds an entry; offsets and positions must grow strictly and the index must not be full.
  void append(std::int64_t offset, std::uint32_t position_bytes);

  // The entry with the largest offset <= target_offset, or (base offset, 0) when there is none
  // (OffsetIndex.lookup): scanning the .log from its position finds the batch holding the target.
  OffsetPosition lookup(std::int64_t target_offset) const;

  // Removes every entry whose offset is >= offset (OffsetIndex.truncateTo).
  void truncate_to(std::int64_t offset);
  void clear() { entries_.clear(); }
  // Drops the entries after the first `count` (undoes appends whose file write failed).
  void keep_first(std::size_t count);

  // The file's bytes from entry `first_entry` on (0: the whole file).
  Bytes encode(std::size_t first_entry = 0) const;
  // Reads a file's bytes, checking what Kafka's sanityCheck checks (whole entries, offsets not
  // below the base) plus strictly growing offsets and positions. Checking the entries against
  // the .log is the segment's job.
  static Result<OffsetIndex, std::string> decode(std::int64_t base_offset, std::size_t entries_max, ByteView bytes);

 private:
  std::int64_t base_offset_;
  std::size_t entries_max_;
  std::vector<OffsetPosition> entries_;  // offsets and positions strictly increasing
};

}  // namespace kraftsim::log

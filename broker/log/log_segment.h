// One segment of a partition log (Kafka's LogSegment): the `.log` file of whole record batches
// starting at the segment's base offset, its sparse offset index (`.index`) and its time index
// (`.timeindex`), all named by the base offset in 20 digits. The segment appends batches and
// their index entries, reads whole batches by offset through the offset index, truncates, and at
// load time either trusts its files (checking the indexes against the .log) or recovers them
// (validating every batch's CRC, cutting the .log at the first invalid one, rebuilding the
// indexes). Offsets inside a segment are contiguous: each batch starts where the previous one
// ended. What a segment never does: decide when to roll, flush or delete itself (the partition
// log's job), or return bytes whose CRC it has not checked from read().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/time.h"
#include "broker/env/files.h"
#include "broker/log/leader_epoch_cache.h"
#include "broker/log/log_config.h"
#include "broker/log/offset_index.h"
#include "broker/log/partition_log_error.h"
#include "broker/log/record_batch.h"
#include "broker/log/time_index.h"

namespace kraftsim::log {

// The largest .log file: index positions are int32, as Kafka's FileRecords sizes are.
inline constexpr std::uint64_t segment_file_bytes_max = 0x7FFFFFFF;
// The largest index file read at load; a bigger one is rebuilt from the .log.
inline constexpr std::uint64_t index_file_bytes_max = 64 * 1024 * 1024;
// Scans read the .log through windows of this size (one read per window, not two per batch).
inline constexpr std::size_t segment_scan_window_bytes = 64 * 1024;

enum class SegmentFile : std::uint8_t { log, offset_index, time_index };

// Which writes a file has had and which of them a completed fsync made durable, counted in the
// partition log's write sequence. A file is dirty while its last write is newer than the sequence
// its last completed fsync was issued at.
struct FileSyncState {
  std::uint64_t written_sequence = 0;
  std::uint64_t synced_sequence = 0;
  bool dirty() const { return written_sequence > synced_sequence; }
};

// Whole batches read from one segment.
struct SegmentRead {
  Bytes records;                // the batches, back to back, CRC-checked
  std::int64_t first_offset = 0;  // base offset of the first batch (<= the offset asked for)
  std::int64_t next_offset = 0;   // last offset of the last batch + 1
  std::size_t batch_count = 0;
};

// A batch found by offset, and where it starts in the .log.
struct LocatedBatch {
  BatchHeader header;
  std::uint64_t position_bytes = 0;
};

// What an append would bring, for the roll decision (LogSegment.shouldRoll's RollParams).
struct RollCheck {
  std::uint64_t incoming_bytes = 0;
  std::int64_t incoming_max_timestamp_ms = no_timestamp;
  std::int64_t incoming_last_offset = 0;
  Time now;
};

class LogSegment {
 public:
  // `config` and `write_sequence` belong to the partition log and outlive the segment.
  LogSegment(env::Files& files, const std::string& directory, std::int64_t base_offset, const LogConfig& config,
             Time now, std::uint64_t& write_sequence);
  LogSegment(LogSegment&&) = default;
  LogSegment(const LogSegment&) = delete;
  LogSegment& operator=(const LogSegment&) = delete;
  LogSegment& operator=(LogSegment&&) = delete;

  // ---- Life cycle ----
  // Creates the three files empty, replacing stale files of the same names (a power loss can
  // bring back the files of a segment deleted before it).
  env::IoStatus create_files();
  // Removes the three files (a missing one is fine).
  void remove_files();

  // ---- Loading (see partition_log_recovery.cpp) ----
  // Opens a segment whose .log is trusted (a clean shutdown, or below the recovery point): reads
  // both indexes, checks each offset index entry against the batch at its position and walks the
  // batch headers after the last entry to find the end. Returns false when anything does not add
  // up (missing or corrupt index, a torn tail, a gap in offsets): the caller then runs recover().
  bool load_trusted();
  // Validates every batch from the start (CRC, header, contiguous offsets), truncates the .log at
  // the first invalid or torn batch, rewrites both indexes from what it read and assigns each
  // batch's leader epoch in `epochs` (after dropping the entries starting in this segment or
  // later, which this scan re-derives), as Kafka's LogSegment.recover does. Returns the bytes cut.
  Result<std::uint64_t, LogError> recover(LeaderEpochCache& epochs);

  // ---- Appending ----
  // Kafka's shouldRoll: the append would pass segment.bytes, the segment is older than
  // segment.ms (by record timestamps when it has them, else since it was created), an index is
  // full, or an offset would not fit the index's int32 relative offsets. Never for an empty segment.
  // Returns which of these holds ("segment.bytes", "segment.ms", "index full", "offset range"),
  // or "" when the segment takes the append.
  std::string_view roll_reason(const RollCheck& check) const;
  bool should_roll(const RollCheck& check) const { return !roll_reason(check).empty(); }
  // Appends whole, validated batches; `headers` describe `batches` in order and the first starts
  // at next_offset(). One write for the .log, one per index. Nothing changes on failure of the
  // .log write; a failed index write only loses that (sparse) entry.
  LogStatus append(ByteView batches, std::span<const BatchHeader> headers, Time now);
  // The final time index entry when the segment stops being the active one, or closes
  // (LogSegment.onBecomeInactiveSegment).
  void on_become_inactive();

  // ---- Reading ----
  // Whole batches starting with the one that holds start_offset: at least one batch (Kafka's
  // minOneMessage, KIP-74), more while the total stays within max_bytes, each ending below
  // upper_bound_offset. nullopt when no batch of this segment ends at or after start_offset.
  // A batch whose CRC fails is never returned: as the first batch it is a corrupt_message error,
  // later it ends the read.
  Result<std::optional<SegmentRead>, LogError> read(std::int64_t start_offset, std::uint64_t max_bytes,
                                                    std::int64_t upper_bound_offset);

  // ---- Truncation ----
  // Removes every batch whose last offset is >= offset, and their index entries. Returns the new
  // next offset: the base offset of the batch holding `offset` (<= offset).
  Result<std::int64_t, LogError> truncate_to(std::int64_t offset, Time now);

  // ---- State ----
  std::int64_t base_offset() const { return base_offset_; }
  std::int64_t next_offset() const { return next_offset_; }  // base offset when empty
  std::uint64_t size_bytes() const { return size_bytes_; }
  bool empty() const { return size_bytes_ == 0; }
  // The largest record timestamp in the segment, no_timestamp (-1) when it has none.
  std::int64_t max_timestamp_ms() const { return max_timestamp_ms_; }
  // What retention by time compares (LogSegment.largestTimestamp): the largest record timestamp,
  // or when there is none the time of the last append (Kafka uses the file's mtime; the simulated
  // disk keeps none, so a reopened segment counts from the open).
  std::int64_t largest_timestamp_ms() const;
  const OffsetIndex& offset_index() const { return offset_index_; }
  const TimeIndex& time_index() const { return time_index_; }
  const std::string& path(SegmentFile file) const;
  FileSyncState& sync_state(SegmentFile file);
  const FileSyncState& sync_state(SegmentFile file) const;
  void check_invariants() const;

  // Calls fn with each batch header from the batch holding from_offset to the segment's end,
  // reading headers only: no CRC check and no copy of the records (producer state is rebuilt
  // from headers, as Kafka's loadProducersFromRecords reads a FileRecords' batches). Offsets
  // must continue from header to header; the first header that cannot be read ends the walk
  // with its error.
  LogStatus for_each_header(std::int64_t from_offset, const std::function<void(const BatchHeader&)>& fn);

 private:
  // Updates the running maximum timestamp and adds the index entries due for a batch at
  // position_bytes (in memory; callers write the new entries).
  void index_batch(const BatchHeader& header, std::uint32_t position_bytes);
  Result<std::optional<BatchHeader>, LogError> read_header_at(std::uint64_t position_bytes);
  // A header walk reads the .log a window at a time, not a read per header (each read of the
  // simulated disk is a file lookup and an allocation; a fetch walks a few headers).
  struct HeaderWindow {
    std::uint64_t start_bytes = 0;
    Bytes bytes;
  };
  static constexpr std::uint64_t header_window_bytes = 4096;  // index.interval.bytes' default
  Result<std::optional<BatchHeader>, LogError> read_header_at(std::uint64_t position_bytes, HeaderWindow& window);
  // The batch holding target_offset (the first ending at or after it), found through the offset
  // index and a header walk; nullopt past the end. Offsets must continue from header to header.
  Result<std::optional<LocatedBatch>, LogError> locate(std::int64_t target_offset);
  env::IoStatus rewrite_file(SegmentFile file, const Bytes& bytes);
  void mark_written(SegmentFile file) { sync_state(file).written_sequence = ++*write_sequence_; }
  void reset_indexes();
  // Walks the batches from the last offset index entry to the end of the .log, checking their
  // offsets and CRCs, and recomputes the largest timestamp and the index-spacing counter (after a load or
  // a truncation). Returns the next offset.
  Result<std::int64_t, LogError> walk_tail_from_last_index_entry();

  env::Files* files_;
  const LogConfig* config_;
  std::uint64_t* write_sequence_;
  std::int64_t base_offset_;
  std::string log_path_;
  std::string offset_index_path_;
  std::string time_index_path_;
  FileSyncState log_sync_;
  FileSyncState offset_index_sync_;
  FileSyncState time_index_sync_;

  std::uint64_t size_bytes_ = 0;
  std::int64_t next_offset_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  // Largest record timestamp so far and the last offset of the batch holding it
  // (maxTimestampAndOffsetSoFar).
  std::int64_t max_timestamp_ms_ = no_timestamp;
  std::int64_t offset_of_max_timestamp_;
  // Bytes of batches since the batch the last offset index entry points at (bytesSinceLastIndexEntry).
  std::uint64_t bytes_since_last_index_entry_ = 0;
  // The first batch's max timestamp: segment.ms counts from it (rollingBasedTimestamp).
  std::optional<std::int64_t> rolling_based_timestamp_ms_;
  Time created_at_;     // creation or load time: segment.ms counts from it without timestamps
  Time last_modified_;  // last append (or creation/load)
};

}  // namespace kraftsim::log

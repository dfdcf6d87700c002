// One log segment: its .log, .index and .timeindex files (see log_segment.h).
#include "broker/log/log_segment.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "broker/log/partition_log_files.h"

namespace kraftsim::log {

namespace {

constexpr std::int64_t relative_offset_max = std::numeric_limits<std::int32_t>::max();

std::size_t offset_index_entries_max(const LogConfig& config) {
  return static_cast<std::size_t>(config.segment_index_bytes) / offset_index_entry_bytes;
}

std::size_t time_index_entries_max(const LogConfig& config) {
  return static_cast<std::size_t>(config.segment_index_bytes) / time_index_entry_bytes;
}

LogError storage_error(const std::string& path, const env::IoError& error) {
  return LogError{LogErrc::storage_error, fmt::format("{}: {}", path, env::to_string(error.code))};
}

LogError corrupt(const std::string& path, std::uint64_t position_bytes, const std::string& why) {
  return LogError{LogErrc::corrupt_message, fmt::format("{} at byte {}: {}", path, position_bytes, why)};
}

// Why a cursor stopped.
enum class CursorStop {
  end_of_file,    // the scan reached the end it was given
  invalid_batch,  // the bytes at the cursor are not a whole, valid batch (torn, corrupt)
  read_failed,    // the disk failed the read
};

struct CursorBatch {
  BatchHeader header;
  std::uint64_t position_bytes = 0;
};

// Reads the batches of a .log file one after the other through a read-ahead window, so that a
// scan costs one read per window rather than two per batch.
class BatchCursor {
 public:
  BatchCursor(env::Files& files, const std::string& path, std::uint64_t position_bytes, std::uint64_t end_bytes,
              CrcCheck crc_check)
      : files_(files), path_(path), position_(position_bytes), end_(end_bytes), crc_check_(crc_check) {
    KS_ASSERT(position_bytes <= end_bytes);
  }

  // The batch at the cursor; the cursor then moves past it. On a stop the cursor stays put.
  Result<CursorBatch, CursorStop> next() {
    if (position_ == end_) return unexpected(CursorStop::end_of_file);
    const std::uint64_t remaining = end_ - position_;
    if (remaining < batch_header_size_bytes) {
      failure_ = fmt::format("{} bytes left, fewer than a batch header (torn write)", remaining);
      return unexpected(CursorStop::invalid_batch);
    }
    if (!fill(batch_header_size_bytes)) return unexpected(CursorStop::read_failed);
    auto header = peek_batch_header(view(batch_header_size_bytes), CrcCheck::skip);
    if (!header.ok()) {
      failure_ = describe(header.error());
      return unexpected(CursorStop::invalid_batch);
    }
    const std::uint64_t size = header->size_bytes();
    if (size > remaining) {
      failure_ = fmt::format("a batch of {} bytes with {} bytes left (torn write)", size, remaining);
      return unexpected(CursorStop::invalid_batch);
    }
    if (crc_check_ == CrcCheck::verify) {
      if (!fill(size)) return unexpected(CursorStop::read_failed);
      auto verified = peek_batch_header(view(size), CrcCheck::verify);
      if (!verified.ok()) {
        failure_ = describe(verified.error());
        return unexpected(CursorStop::invalid_batch);
      }
    }
    CursorBatch batch{*header, position_};
    position_ += size;
    return batch;
  }

  std::uint64_t position() const { return position_; }
  const std::string& failure() const { return failure_; }

 private:
  // Makes the window hold [position_, position_ + length); length <= end_ - position_.
  bool fill(std::uint64_t length) {
    KS_ASSERT(length <= end_ - position_);
    if (position_ >= window_start_ && position_ + length <= window_start_ + window_.size()) return true;
    const std::uint64_t want = std::min<std::uint64_t>(end_ - position_, std::max<std::uint64_t>(length, segment_scan_window_bytes));
    auto bytes = files_.read(path_, position_, want);
    if (!bytes.ok()) {
      failure_ = fmt::format("read failed: {}", env::to_string(bytes.error().code));
      return false;
    }
    if (bytes->size() < length) {
      failure_ = fmt::format("read {} bytes at {}, expected {}", bytes->size(), position_, length);
      return false;
    }
    window_ = std::move(bytes.value());
    window_start_ = position_;
    return true;
  }

  ByteView view(std::uint64_t length) const {
    return ByteView(window_).subspan(static_cast<std::size_t>(position_ - window_start_), static_cast<std::size_t>(length));
  }

  env::Files& files_;
  const std::string& path_;
  std::uint64_t position_;
  std::uint64_t end_;
  CrcCheck crc_check_;
  Bytes window_;
  std::uint64_t window_start_ = 0;
  std::string failure_;
};

Result<Bytes, env::IoError> read_whole_file(env::Files& files, const std::string& path, std::uint64_t size_max) {
  auto size = files.size(path);
  if (!size.ok()) return unexpected(size.error());
  if (*size > size_max) return unexpected(env::IoError{env::IoErrc::invalid_argument, path});
  return files.read(path, 0, *size);
}

}  // namespace

LogSegment::LogSegment(env::Files& files, const std::string& directory, std::int64_t base_offset,
                       const LogConfig& config, Time now, std::uint64_t& write_sequence)
    : files_(&files),
      config_(&config),
      write_sequence_(&write_sequence),
      base_offset_(base_offset),
      log_path_(fmt::format("{}/{}{}", directory, segment_file_stem(base_offset), log_file_suffix)),
      offset_index_path_(fmt::format("{}/{}{}", directory, segment_file_stem(base_offset), offset_index_file_suffix)),
      time_index_path_(fmt::format("{}/{}{}", directory, segment_file_stem(base_offset), time_index_file_suffix)),
      next_offset_(base_offset),
      offset_index_(base_offset, offset_index_entries_max(config)),
      time_index_(base_offset, time_index_entries_max(config)),
      offset_of_max_timestamp_(base_offset),
      created_at_(now),
      last_modified_(now) {
  KS_ASSERT(base_offset >= 0);
  KS_ASSERT(!directory.empty());
}

const std::string& LogSegment::path(SegmentFile file) const {
  switch (file) {
    case SegmentFile::log: return log_path_;
    case SegmentFile::offset_index: return offset_index_path_;
    case SegmentFile::time_index: return time_index_path_;
  }
  KS_ASSERT(false);
  return log_path_;
}

FileSyncState& LogSegment::sync_state(SegmentFile file) {
  return const_cast<FileSyncState&>(static_cast<const LogSegment&>(*this).sync_state(file));
}

const FileSyncState& LogSegment::sync_state(SegmentFile file) const {
  switch (file) {
    case SegmentFile::log: return log_sync_;
    case SegmentFile::offset_index: return offset_index_sync_;
    case SegmentFile::time_index: return time_index_sync_;
  }
  KS_ASSERT(false);
  return log_sync_;
}

std::int64_t LogSegment::largest_timestamp_ms() const {
  return max_timestamp_ms_ >= 0 ? max_timestamp_ms_ : last_modified_.ms();
}

void LogSegment::check_invariants() const {
  KS_ASSERT(next_offset_ >= base_offset_);
  KS_ASSERT_MSG((size_bytes_ == 0) == (next_offset_ == base_offset_), "a segment has bytes exactly when it has offsets");
  KS_ASSERT(next_offset_ - base_offset_ <= relative_offset_max + 1);
  if (const auto last = offset_index_.last_entry()) {
    KS_ASSERT(last->offset < next_offset_);
    KS_ASSERT(last->position_bytes < size_bytes_);
  }
  if (time_index_.entries() > 0) {
    KS_ASSERT(time_index_.last_entry().offset < next_offset_);
    KS_ASSERT(time_index_.last_entry().timestamp_ms <= max_timestamp_ms_);
  }
  KS_ASSERT(offset_of_max_timestamp_ >= base_offset_);
  KS_ASSERT(bytes_since_last_index_entry_ <= size_bytes_);
}

// ---- Life cycle ----

env::IoStatus LogSegment::create_files() {
  const SegmentFile all[] = {SegmentFile::log, SegmentFile::offset_index, SegmentFile::time_index};
  for (SegmentFile file : all) {
    if (files_->exists(path(file))) (void)files_->remove(path(file));  // a stale file a power loss brought back
    auto status = files_->create_exclusive(path(file));
    if (!status.ok()) {
      remove_files();
      return status;
    }
  }
  return env::IoStatus::success();
}

void LogSegment::remove_files() {
  (void)files_->remove(log_path_);
  (void)files_->remove(offset_index_path_);
  (void)files_->remove(time_index_path_);
}

void LogSegment::reset_indexes() {
  offset_index_.clear();
  time_index_.clear();
  size_bytes_ = 0;
  next_offset_ = base_offset_;
  max_timestamp_ms_ = no_timestamp;
  offset_of_max_timestamp_ = base_offset_;
  bytes_since_last_index_entry_ = 0;
  rolling_based_timestamp_ms_.reset();
}

// ---- Loading ----

bool LogSegment::load_trusted() {
  reset_indexes();
  auto size = files_->size(log_path_);
  if (!size.ok() || *size > segment_file_bytes_max) return false;
  size_bytes_ = *size;

  auto offset_bytes = read_whole_file(*files_, offset_index_path_, index_file_bytes_max);
  auto time_bytes = read_whole_file(*files_, time_index_path_, index_file_bytes_max);
  if (!offset_bytes.ok() || !time_bytes.ok()) return false;
  auto offsets = OffsetIndex::decode(base_offset_, offset_index_entries_max(*config_), *offset_bytes);
  auto times = TimeIndex::decode(base_offset_, time_index_entries_max(*config_), *time_bytes);
  if (!offsets.ok() || !times.ok()) return false;
  offset_index_ = std::move(offsets.value());
  time_index_ = std::move(times.value());

  // Every offset index entry must point at the start of a batch ending at the entry's offset:
  // a stale index (its truncation lost in a power loss) would otherwise send reads astray.
  for (const OffsetPosition& entry : offset_index_.all_entries()) {
    if (entry.position_bytes >= size_bytes_) return false;
    auto header = read_header_at(entry.position_bytes);
    if (!header.ok() || !header->has_value() || (*header)->last_offset() != entry.offset) return false;
  }
  if (size_bytes_ > 0) {
    auto first = read_header_at(0);
    if (!first.ok() || !first->has_value() || (*first)->base_offset != base_offset_) return false;
    rolling_based_timestamp_ms_ = (*first)->max_timestamp;
  }
  auto next = walk_tail_from_last_index_entry();
  if (!next.ok()) return false;
  next_offset_ = *next;
  if (time_index_.entries() > 0 && time_index_.last_entry().offset >= next_offset_) return false;
  if (next_offset_ - base_offset_ > relative_offset_max + 1) return false;
  check_invariants();
  return true;
}

Result<std::int64_t, LogError> LogSegment::walk_tail_from_last_index_entry() {
  // The batch of the last offset index entry is the last one the time index fully covers: the
  // entry was added with the maximum timestamp of every batch up to it. Batches after it are
  // walked, so the maximum is exact without reading the whole segment.
  const auto last_entry = offset_index_.last_entry();
  const std::uint64_t start = last_entry ? last_entry->position_bytes : 0;
  std::int64_t max_timestamp = time_index_.last_entry().timestamp_ms;
  std::int64_t offset_of_max = time_index_.last_entry().offset;
  std::int64_t expected_base = base_offset_;
  bool first = true;
  // CRC-checked: the log end offset comes from these headers, so a damaged lastOffsetDelta in the
  // tail must not pass (Kafka's readNextOffset trusts it; the walk is short, at most about
  // index.interval.bytes plus a batch).
  BatchCursor cursor(*files_, log_path_, start, size_bytes_, CrcCheck::verify);
  while (true) {
    auto batch = cursor.next();
    if (!batch.ok()) {
      if (batch.error() == CursorStop::end_of_file) break;
      if (batch.error() == CursorStop::read_failed) return unexpected(LogError{LogErrc::storage_error, log_path_ + ": " + cursor.failure()});
      return unexpected(corrupt(log_path_, cursor.position(), cursor.failure()));
    }
    const BatchHeader& header = batch->header;
    const bool in_place = first && last_entry ? header.last_offset() == last_entry->offset : header.base_offset == expected_base;
    if (!in_place) return unexpected(corrupt(log_path_, batch->position_bytes, "batch offsets are not contiguous"));
    if (header.max_timestamp > max_timestamp) {
      max_timestamp = header.max_timestamp;
      offset_of_max = header.last_offset();
    }
    expected_base = header.next_offset();
    first = false;
  }
  if (last_entry && first) return unexpected(corrupt(log_path_, start, "no batch at the last index entry"));
  max_timestamp_ms_ = max_timestamp;
  offset_of_max_timestamp_ = offset_of_max;
  bytes_since_last_index_entry_ = size_bytes_ - start;
  return expected_base;
}

Result<std::uint64_t, LogError> LogSegment::recover(LeaderEpochCache& epochs) {
  reset_indexes();
  auto size = files_->size(log_path_);
  if (!size.ok()) return unexpected(storage_error(log_path_, size.error()));
  epochs.truncate_from_end(base_offset_);

  // Bytes past the int32 positions limit cannot be a valid part of a segment.
  const std::uint64_t scan_end = std::min(*size, segment_file_bytes_max);
  BatchCursor cursor(*files_, log_path_, 0, scan_end, CrcCheck::verify);
  std::uint64_t valid_bytes = 0;
  std::int64_t expected_base = base_offset_;
  while (true) {
    auto batch = cursor.next();
    if (!batch.ok()) {
      if (batch.error() == CursorStop::read_failed) {
        return unexpected(LogError{LogErrc::storage_error, log_path_ + ": " + cursor.failure()});
      }
      break;  // the end, or the first invalid batch: nothing after it is trusted
    }
    const BatchHeader& header = batch->header;
    if (header.base_offset != expected_base) break;
    if (header.last_offset() - base_offset_ > relative_offset_max) break;
    if (valid_bytes == 0) rolling_based_timestamp_ms_ = header.max_timestamp;
    index_batch(header, static_cast<std::uint32_t>(batch->position_bytes));
    if (header.partition_leader_epoch >= 0) epochs.assign(header.partition_leader_epoch, header.base_offset);
    expected_base = header.next_offset();
    valid_bytes = cursor.position();
  }
  const std::uint64_t truncated_bytes = *size - valid_bytes;
  if (truncated_bytes > 0) {
    auto status = files_->truncate(log_path_, valid_bytes);
    if (!status.ok()) return unexpected(storage_error(log_path_, status.error));
    mark_written(SegmentFile::log);
  }
  size_bytes_ = valid_bytes;
  next_offset_ = expected_base;
  auto offsets_written = rewrite_file(SegmentFile::offset_index, offset_index_.encode());
  if (!offsets_written.ok()) return unexpected(storage_error(offset_index_path_, offsets_written.error));
  auto times_written = rewrite_file(SegmentFile::time_index, time_index_.encode());
  if (!times_written.ok()) return unexpected(storage_error(time_index_path_, times_written.error));
  check_invariants();
  return truncated_bytes;
}

env::IoStatus LogSegment::rewrite_file(SegmentFile file, const Bytes& bytes) {
  const std::string& file_path = path(file);
  auto status = files_->exists(file_path) ? files_->truncate(file_path, 0) : files_->create_exclusive(file_path);
  if (status.ok() && !bytes.empty()) status = files_->append(file_path, bytes);
  if (status.ok()) mark_written(file);
  return status;
}

// ---- Appending ----

std::string_view LogSegment::roll_reason(const RollCheck& check) const {
  if (empty()) return {};  // rolling an empty segment would only recreate it
  const auto segment_bytes = static_cast<std::uint64_t>(config_->segment_bytes);
  if (size_bytes_ + check.incoming_bytes > segment_bytes) return "segment.bytes";
  // timeWaitedForRoll: record time when the segment has timestamps, else time since creation.
  const std::int64_t waited_ms = rolling_based_timestamp_ms_ && *rolling_based_timestamp_ms_ >= 0
                                     ? check.incoming_max_timestamp_ms - *rolling_based_timestamp_ms_
                                     : (check.now - created_at_).ms();
  if (waited_ms > config_->segment_ms) return "segment.ms";
  if (offset_index_.full() || time_index_.full()) return "index full";
  if (check.incoming_last_offset - base_offset_ > relative_offset_max) return "offset range";
  return {};
}

void LogSegment::index_batch(const BatchHeader& header, std::uint32_t position_bytes) {
  // Kafka's LogSegment.append: the running maximum timestamp first, then an index entry when
  // more than index.interval.bytes were appended since the last one.
  if (header.max_timestamp > max_timestamp_ms_) {
    max_timestamp_ms_ = header.max_timestamp;
    offset_of_max_timestamp_ = header.last_offset();
  }
  if (bytes_since_last_index_entry_ > static_cast<std::uint64_t>(config_->index_interval_bytes)) {
    if (!offset_index_.full()) offset_index_.append(header.last_offset(), position_bytes);
    if (!time_index_.full()) time_index_.maybe_append(max_timestamp_ms_, offset_of_max_timestamp_);
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += header.size_bytes();
}

LogStatus LogSegment::append(ByteView batches, std::span<const BatchHeader> headers, Time now) {
  KS_ASSERT(!headers.empty());
  KS_ASSERT(headers.front().base_offset == next_offset_);
  KS_ASSERT(size_bytes_ + batches.size() <= segment_file_bytes_max);
  auto written = files_->append(log_path_, batches);
  if (!written.ok()) return LogStatus::failure(LogErrc::storage_error, describe(storage_error(log_path_, written.error)));
  mark_written(SegmentFile::log);

  const std::size_t offset_entries_before = offset_index_.entries();
  const std::size_t time_entries_before = time_index_.entries();
  std::uint64_t position = size_bytes_;
  for (const BatchHeader& header : headers) {
    KS_ASSERT_MSG(header.base_offset == next_offset_, "batches of a segment must be contiguous");
    KS_ASSERT(header.last_offset() >= header.base_offset);
    if (size_bytes_ == 0 && position == 0) rolling_based_timestamp_ms_ = header.max_timestamp;
    index_batch(header, static_cast<std::uint32_t>(position));
    position += header.size_bytes();
    next_offset_ = header.next_offset();
  }
  KS_ASSERT(position == size_bytes_ + batches.size());
  size_bytes_ = position;
  last_modified_ = now;

  // Index entries are hints: when their write fails the entry is dropped, never half-kept.
  if (offset_index_.entries() > offset_entries_before) {
    if (!files_->append(offset_index_path_, offset_index_.encode(offset_entries_before)).ok()) {
      offset_index_.keep_first(offset_entries_before);
    } else {
      mark_written(SegmentFile::offset_index);
    }
  }
  if (time_index_.entries() > time_entries_before) {
    if (!files_->append(time_index_path_, time_index_.encode(time_entries_before)).ok()) {
      time_index_.keep_first(time_entries_before);
    } else {
      mark_written(SegmentFile::time_index);
    }
  }
  check_invariants();
  return LogStatus::success();
}

void LogSegment::on_become_inactive() {
  const std::size_t before = time_index_.entries();
  if (!time_index_.maybe_append(max_timestamp_ms_, offset_of_max_timestamp_, true)) return;
  if (files_->append(time_index_path_, time_index_.encode(before)).ok()) {
    mark_written(SegmentFile::time_index);
  } else {
    time_index_.keep_first(before);
  }
}

// ---- Reading ----

Result<std::optional<BatchHeader>, LogError> LogSegment::read_header_at(std::uint64_t position_bytes) {
  HeaderWindow window;
  return read_header_at(position_bytes, window);
}

Result<std::optional<BatchHeader>, LogError> LogSegment::read_header_at(std::uint64_t position_bytes, HeaderWindow& window) {
  KS_ASSERT(position_bytes <= size_bytes_);
  if (position_bytes == size_bytes_) return std::optional<BatchHeader>{};
  if (size_bytes_ - position_bytes < batch_header_size_bytes) {
    return unexpected(corrupt(log_path_, position_bytes, "fewer bytes than a batch header"));
  }
  const bool in_window = position_bytes >= window.start_bytes &&
                         position_bytes + batch_header_size_bytes <= window.start_bytes + window.bytes.size();
  if (!in_window) {
    // The window starts at this header and reaches as far as a header walk usually goes (the
    // index's spacing), not past the segment's end.
    const std::uint64_t want = std::min<std::uint64_t>(size_bytes_ - position_bytes,
                                                       std::max<std::uint64_t>(batch_header_size_bytes, header_window_bytes));
    auto bytes = files_->read(log_path_, position_bytes, want);
    if (!bytes.ok()) return unexpected(storage_error(log_path_, bytes.error()));
    if (bytes->size() < batch_header_size_bytes) return unexpected(corrupt(log_path_, position_bytes, "the file is shorter than its segment"));
    window.start_bytes = position_bytes;
    window.bytes = std::move(bytes.value());
  }
  const ByteView at = ByteView(window.bytes).subspan(position_bytes - window.start_bytes, batch_header_size_bytes);
  auto header = peek_batch_header(at, CrcCheck::skip);
  if (!header.ok()) return unexpected(corrupt(log_path_, position_bytes, describe(header.error())));
  if (header->size_bytes() > size_bytes_ - position_bytes) {
    return unexpected(corrupt(log_path_, position_bytes, "a batch passes the end of the segment"));
  }
  return std::optional<BatchHeader>{*header};
}

Result<std::optional<LocatedBatch>, LogError> LogSegment::locate(std::int64_t target_offset) {
  // The index gives a batch at or before the target (OffsetIndex.lookup); the headers after it
  // lead to the one holding the target (LogSegment.translateOffset). Each header must continue
  // the offsets of the one before: a damaged base offset or length is refused here, not followed.
  const OffsetPosition entry = offset_index_.lookup(target_offset);
  std::uint64_t position = entry.position_bytes;
  std::optional<std::int64_t> expected_base;
  if (position == 0) expected_base = base_offset_;
  HeaderWindow window;
  while (true) {
    auto header = read_header_at(position, window);
    if (!header.ok()) return unexpected(header.error());
    if (!header->has_value()) return std::optional<LocatedBatch>{};
    const BatchHeader& found = **header;
    const bool in_place = expected_base ? found.base_offset == *expected_base : found.last_offset() == entry.offset;
    if (!in_place) return unexpected(corrupt(log_path_, position, "batch offsets are not contiguous"));
    if (found.last_offset() >= next_offset_) return unexpected(corrupt(log_path_, position, "a batch passes the segment's end"));
    if (found.last_offset() >= target_offset) return std::optional<LocatedBatch>{LocatedBatch{found, position}};
    expected_base = found.next_offset();
    position += found.size_bytes();
  }
}

LogStatus LogSegment::for_each_header(std::int64_t from_offset, const std::function<void(const BatchHeader&)>& fn) {
  KS_ASSERT(from_offset >= base_offset_);
  if (from_offset >= next_offset_) return LogStatus::success();
  auto located = locate(from_offset);
  if (!located.ok()) return LogStatus{located.error()};
  if (!located->has_value()) return LogStatus::success();
  std::uint64_t position = (*located)->position_bytes;
  std::int64_t expected_base = (*located)->header.base_offset;
  HeaderWindow window;
  while (true) {
    auto header = read_header_at(position, window);
    if (!header.ok()) return LogStatus{header.error()};
    if (!header->has_value()) return LogStatus::success();
    const BatchHeader& found = **header;
    if (found.base_offset != expected_base) return LogStatus{corrupt(log_path_, position, "batch offsets are not contiguous")};
    if (found.last_offset() >= next_offset_) return LogStatus{corrupt(log_path_, position, "a batch passes the segment's end")};
    fn(found);
    expected_base = found.next_offset();
    position += found.size_bytes();
  }
}

Result<std::optional<SegmentRead>, LogError> LogSegment::read(std::int64_t start_offset, std::uint64_t max_bytes,
                                                              std::int64_t upper_bound_offset) {
  KS_ASSERT(start_offset >= base_offset_);
  if (start_offset >= next_offset_) return std::optional<SegmentRead>{};
  auto located = locate(start_offset);
  if (!located.ok()) return unexpected(located.error());
  if (!located->has_value()) return std::optional<SegmentRead>{};
  const BatchHeader first = (*located)->header;
  const std::uint64_t position = (*located)->position_bytes;
  KS_ASSERT(first.base_offset <= start_offset);
  SegmentRead out;
  out.first_offset = start_offset;
  out.next_offset = start_offset;
  if (first.last_offset() >= upper_bound_offset) return std::optional<SegmentRead>{std::move(out)};

  const std::uint64_t want =
      std::min<std::uint64_t>(size_bytes_ - position, std::max<std::uint64_t>(max_bytes, first.size_bytes()));
  auto chunk = files_->read(log_path_, position, want);
  if (!chunk.ok()) return unexpected(storage_error(log_path_, chunk.error()));
  const ByteView bytes(*chunk);
  std::size_t used = 0;
  std::int64_t expected_base = first.base_offset;
  while (used < bytes.size()) {
    const ByteView rest = bytes.subspan(used);
    auto header = rest.size() >= batch_header_size_bytes ? peek_batch_header(rest.first(batch_header_size_bytes), CrcCheck::skip)
                                                         : peek_batch_header(rest, CrcCheck::skip);
    if (header.ok() && header->size_bytes() > rest.size()) break;  // cut by max_bytes: not corruption
    auto verified = header.ok() ? peek_batch_header(rest.first(header->size_bytes()), CrcCheck::verify) : header;
    const bool valid = verified.ok() && verified->base_offset == expected_base;
    if (!valid) {
      // Never hand out a batch that fails its checks: an error if it is the first, else stop before it.
      if (out.batch_count == 0) {
        return unexpected(corrupt(log_path_, position + used,
                                  verified.ok() ? std::string("batch offsets are not contiguous") : describe(verified.error())));
      }
      break;
    }
    if (verified->last_offset() >= upper_bound_offset) break;
    if (out.batch_count > 0 && used + verified->size_bytes() > max_bytes) break;
    used += verified->size_bytes();
    expected_base = verified->next_offset();
    out.next_offset = verified->next_offset();
    if (out.batch_count == 0) out.first_offset = verified->base_offset;
    ++out.batch_count;
  }
  chunk->resize(used);
  out.records = std::move(chunk.value());
  return std::optional<SegmentRead>{std::move(out)};
}

// ---- Truncation ----

Result<std::int64_t, LogError> LogSegment::truncate_to(std::int64_t offset, Time now) {
  KS_ASSERT(offset >= base_offset_);
  if (offset >= next_offset_) return next_offset_;
  // LogSegment.truncateTo: find the first batch ending at or after `offset`; cut there.
  auto located = locate(offset);
  if (!located.ok()) return unexpected(located.error());
  KS_ASSERT_MSG(located->has_value(), "a segment's offsets end at its next offset");
  const std::uint64_t position = (*located)->position_bytes;
  const std::int64_t new_next_offset = (*located)->header.base_offset;
  auto status = files_->truncate(log_path_, position);
  if (!status.ok()) return unexpected(storage_error(log_path_, status.error));
  mark_written(SegmentFile::log);
  size_bytes_ = position;
  next_offset_ = new_next_offset;
  offset_index_.truncate_to(new_next_offset);
  time_index_.truncate_to(new_next_offset);
  auto offsets_cut = files_->truncate(offset_index_path_, offset_index_.size_bytes());
  if (!offsets_cut.ok()) return unexpected(storage_error(offset_index_path_, offsets_cut.error));
  mark_written(SegmentFile::offset_index);
  auto times_cut = files_->truncate(time_index_path_, time_index_.size_bytes());
  if (!times_cut.ok()) return unexpected(storage_error(time_index_path_, times_cut.error));
  mark_written(SegmentFile::time_index);
  auto walked = walk_tail_from_last_index_entry();
  if (!walked.ok()) return unexpected(walked.error());
  KS_ASSERT(*walked == next_offset_);
  if (size_bytes_ == 0) {
    rolling_based_timestamp_ms_.reset();
    created_at_ = now;
  }
  last_modified_ = now;
  check_invariants();
  return next_offset_;
}

}  // namespace kraftsim::log

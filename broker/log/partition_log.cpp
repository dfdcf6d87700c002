// The partition log: appends, reads, truncation, rolling, retention and checkpoint files (see
// partition_log.h). Recovery at open lives in partition_log_recovery.cpp, flushing and close in
// partition_log_flush.cpp.
#include "broker/log/partition_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/assert.h"

namespace kraftsim::log {

namespace {

constexpr std::int64_t relative_offset_max = std::numeric_limits<std::int32_t>::max();

LogError error(LogErrc code, std::string message) { return LogError{code, std::move(message)}; }

}  // namespace

PartitionLog::PartitionLog(env::Files& files, std::string directory, TopicPartition topic_partition, LogConfig config)
    : files_(files),
      directory_(std::move(directory)),
      topic_partition_(std::move(topic_partition)),
      config_(config) {}

PartitionLog::~PartitionLog() = default;

std::string PartitionLog::path_of(std::string_view name) const { return fmt::format("{}/{}", directory_, name); }

std::int64_t PartitionLog::log_end_offset() const { return segments_.rbegin()->second.next_offset(); }

std::uint64_t PartitionLog::size_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [base, segment] : segments_) total += segment.size_bytes();
  return total;
}

std::vector<SegmentInfo> PartitionLog::segment_infos() const {
  std::vector<SegmentInfo> out;
  out.reserve(segments_.size());
  for (const auto& [base, segment] : segments_) {
    out.push_back(SegmentInfo{base, segment.next_offset(), segment.size_bytes(), segment.largest_timestamp_ms()});
  }
  return out;
}

const LogSegment* PartitionLog::segment_for(std::int64_t offset) const {
  if (offset < log_start_offset_ || offset >= log_end_offset()) return nullptr;
  auto it = segments_.upper_bound(offset);
  KS_ASSERT(it != segments_.begin());
  return &std::prev(it)->second;
}

void PartitionLog::check_invariants() const {
  KS_ASSERT(!segments_.empty());
  KS_ASSERT(segments_.size() <= partition_log_segments_max);
  KS_ASSERT(log_start_offset_ == segments_.begin()->first);
  std::optional<std::int64_t> previous_next;
  for (const auto& [base, segment] : segments_) {
    KS_ASSERT(segment.base_offset() == base);
    if (previous_next) KS_ASSERT_MSG(base == *previous_next, "segments must hold contiguous offsets");
    segment.check_invariants();
    previous_next = segment.next_offset();
  }
  KS_ASSERT(recovery_point_ >= log_start_offset_);
  KS_ASSERT(recovery_point_ <= log_end_offset());
  if (const auto latest = epoch_cache_.latest_entry()) KS_ASSERT(latest->start_offset <= log_end_offset());
  if (const auto earliest = epoch_cache_.earliest_entry()) KS_ASSERT(earliest->start_offset >= log_start_offset_);
}

// ---- Appending ----

Result<std::vector<BatchHeader>, LogError> PartitionLog::split_batches(ByteView records) const {
  if (records.empty()) return unexpected(error(LogErrc::invalid_record, "no batches to append"));
  if (records.size() > append_bytes_max) {
    return unexpected(error(LogErrc::record_list_too_large,
                            fmt::format("{} bytes in one append, more than {}", records.size(), append_bytes_max)));
  }
  std::vector<BatchHeader> headers;
  std::size_t position = 0;
  while (position < records.size()) {
    auto header = peek_batch_header(records.subspan(position), CrcCheck::verify);
    if (!header.ok()) {
      return unexpected(error(LogErrc::corrupt_message,
                              fmt::format("batch {} at byte {}: {}", headers.size(), position, describe(header.error()))));
    }
    if (header->size_bytes() > static_cast<std::uint64_t>(config_.segment_bytes)) {
      return unexpected(error(LogErrc::record_batch_too_large,
                              fmt::format("a batch of {} bytes does not fit segment.bytes {}", header->size_bytes(),
                                          config_.segment_bytes)));
    }
    if (header->last_offset_delta < 0 || header->records_count < 0 ||
        header->records_count - 1 > header->last_offset_delta) {
      return unexpected(error(LogErrc::invalid_record,
                              fmt::format("batch {}: {} records with last offset delta {}", headers.size(),
                                          header->records_count, header->last_offset_delta)));
    }
    position += header->size_bytes();
    headers.push_back(*header);
  }
  KS_ASSERT(position == records.size());
  return headers;
}

Result<LogAppendInfo, LogError> PartitionLog::append_as_leader(ByteView records, std::int32_t leader_epoch, Time now) {
  KS_ASSERT_MSG(!closing_, "append to a closed log");
  KS_ASSERT(leader_epoch >= 0);
  auto headers = split_batches(records);
  if (!headers.ok()) return unexpected(headers.error());
  // The leader assigns offsets 0..n-1 relative to each batch (LogValidator): a producer's batch
  // holds exactly count records without gaps.
  for (const BatchHeader& header : *headers) {
    if (header.records_count < 1 || header.last_offset_delta != header.records_count - 1) {
      return unexpected(error(LogErrc::invalid_record,
                              fmt::format("a producer batch of {} records has last offset delta {}",
                                          header.records_count, header.last_offset_delta)));
    }
  }
  auto producer_verdict = check_producer_state(*headers);
  if (!producer_verdict.ok()) return unexpected(producer_verdict.error());
  if (producer_verdict->has_value()) return **producer_verdict;  // a duplicate: nothing appended
  std::int64_t offsets_needed = 0;
  for (const BatchHeader& header : *headers) offsets_needed += header.last_offset_delta + 1;
  if (log_end_offset() > std::numeric_limits<std::int64_t>::max() - offsets_needed) {
    return unexpected(error(LogErrc::invalid_record, "the batches would pass the largest offset"));
  }
  Bytes stamped(records.begin(), records.end());
  std::int64_t next_offset = log_end_offset();
  std::size_t position = 0;
  for (BatchHeader& header : *headers) {
    const MutableByteView batch(stamped.data() + position, header.size_bytes());
    set_base_offset(batch, next_offset);
    set_partition_leader_epoch(batch, leader_epoch);
    header.base_offset = next_offset;
    header.partition_leader_epoch = leader_epoch;
    next_offset = header.next_offset();
    position += header.size_bytes();
  }
  return append_validated(std::move(stamped), *headers, now);
}

Result<std::optional<LogAppendInfo>, LogError> PartitionLog::check_producer_state(
    const std::vector<BatchHeader>& headers) const {
  // UnifiedLog.analyzeAndValidateProducerState for a client's append. A request holds one batch
  // per partition in practice; later batches of the same producer are checked against the
  // earlier ones of this append through a scratch copy of the entries they touch.
  ProducerStateManager scratch;
  const ProducerStateManager* state = &producer_state_;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const BatchHeader& header = headers[i];
    if (header.producer_id == no_producer_id) continue;
    const ProducerCheck check = state->check(header, log_end_offset() == 0);
    switch (check.verdict) {
      case ProducerVerdict::append: break;
      case ProducerVerdict::duplicate: {
        LogAppendInfo info;
        info.first_offset = check.duplicate_of.first_offset;
        info.last_offset = check.duplicate_of.last_offset;
        info.duplicate = true;
        return std::optional<LogAppendInfo>(info);
      }
      case ProducerVerdict::out_of_order:
        return unexpected(error(LogErrc::out_of_order_sequence_number, check.message));
      case ProducerVerdict::fenced_epoch: return unexpected(error(LogErrc::invalid_producer_epoch, check.message));
    }
    if (i + 1 < headers.size()) {
      if (state == &producer_state_) {
        scratch = producer_state_;
        state = &scratch;
      }
      BatchHeader placed = header;
      placed.base_offset = 0;  // offsets do not matter to later checks of this append
      scratch.update(placed);
    }
  }
  return std::optional<LogAppendInfo>();
}

void PartitionLog::rebuild_producer_state() {
  // Kafka loads the latest <offset>.snapshot and replays the batches after it
  // (UnifiedLog.rebuildProducerState); kraftsim replays every batch from the log start. Only the
  // batch headers are read (they hold the producer id, epoch and sequences), without CRC checks,
  // as Kafka's loadProducersFromRecords does: recovery has checked the unflushed batches. A
  // header that cannot be read (a read error, a damaged header) ends the replay: the producers
  // after it are unknown, so their next sequence is accepted whatever it is, and the error
  // reaches whoever reads that batch next.
  producer_state_.clear();
  auto it = segments_.upper_bound(log_start_offset_);
  if (it != segments_.begin()) --it;  // the segment holding the log start
  for (; it != segments_.end(); ++it) {
    const std::int64_t from = std::max(log_start_offset_, it->first);
    if (!it->second.for_each_header(from, [this](const BatchHeader& header) { producer_state_.update(header); })) return;
  }
}

Result<LogAppendInfo, LogError> PartitionLog::append_as_follower(ByteView records, Time now) {
  KS_ASSERT_MSG(!closing_, "append to a closed log");
  auto headers = split_batches(records);
  if (!headers.ok()) return unexpected(headers.error());
  std::int64_t expected = log_end_offset();
  for (std::size_t i = 0; i < headers->size(); ++i) {
    const BatchHeader& header = (*headers)[i];
    if (header.base_offset != expected) {
      return unexpected(error(i == 0 ? LogErrc::unexpected_append_offset : LogErrc::invalid_record,
                              fmt::format("batch {} starts at offset {}, expected {}", i, header.base_offset, expected)));
    }
    if (header.base_offset > std::numeric_limits<std::int64_t>::max() - header.last_offset_delta - 1) {
      return unexpected(error(LogErrc::invalid_record, fmt::format("batch {} overflows the offset range", i)));
    }
    if (header.partition_leader_epoch < no_partition_leader_epoch) {
      return unexpected(error(LogErrc::invalid_record,
                              fmt::format("batch {} has leader epoch {}", i, header.partition_leader_epoch)));
    }
    expected = header.next_offset();
  }
  return append_validated(Bytes(records.begin(), records.end()), *headers, now);
}

Result<LogAppendInfo, LogError> PartitionLog::append_validated(Bytes records, const std::vector<BatchHeader>& headers,
                                                                Time now) {
  KS_ASSERT(!headers.empty());
  KS_ASSERT(headers.front().base_offset == log_end_offset());
  if (headers.back().last_offset() - headers.front().base_offset > relative_offset_max) {
    return unexpected(error(LogErrc::invalid_record, "one append spans more offsets than a segment can index"));
  }
  LogAppendInfo info;
  info.first_offset = headers.front().base_offset;
  info.last_offset = headers.back().last_offset();
  info.batch_count = headers.size();
  info.size_bytes = records.size();
  for (const BatchHeader& header : headers) {
    if (header.max_timestamp > info.max_timestamp_ms) {
      info.max_timestamp_ms = header.max_timestamp;
      info.offset_of_max_timestamp = header.last_offset();
    }
  }
  auto rolled = maybe_roll(RollCheck{records.size(), info.max_timestamp_ms, info.last_offset, now});
  if (!rolled.ok()) return unexpected(rolled.error());
  info.rolled = *rolled;
  auto appended = active().append(records, headers, now);
  if (!appended.ok()) return unexpected(*appended.error);
  KS_ASSERT(log_end_offset() == info.last_offset + 1);
  for (const BatchHeader& header : headers) {
    const std::uint64_t bytes = header.size_bytes();
    appended_bytes_by_codec_[static_cast<std::size_t>(header.compression)] += bytes;
    if (append_listener_) append_listener_(header.compression, bytes);
  }

  for (const BatchHeader& header : headers) producer_state_.update(header);
  // Every batch tells the epoch cache where its epoch starts (UnifiedLog.append ->
  // maybeAssignEpochStartOffset); a no-op unless the epoch is new.
  bool epochs_changed = false;
  for (const BatchHeader& header : headers) {
    if (header.partition_leader_epoch >= 0) {
      epochs_changed |= epoch_cache_.assign(header.partition_leader_epoch, header.base_offset);
    }
  }
  if (epochs_changed) write_leader_epoch_checkpoint();
  if (info.rolled) flush_rolled_segments(now);
  if (flush_messages_due()) {
    last_flush_started_at_ = now;
    start_flush(log_end_offset(), {}, /*in_append=*/true);
  }
  return info;
}

Result<bool, LogError> PartitionLog::maybe_roll(const RollCheck& check) {
  const std::string_view reason = active().roll_reason(check);
  if (reason.empty()) return false;
  auto status = roll_segment(check.now, reason);
  if (!status.ok()) return unexpected(*status.error);
  return true;
}

LogStatus PartitionLog::roll(Time now) {
  KS_ASSERT_MSG(!closing_, "roll of a closed log");
  const std::size_t segments_before = segments_.size();
  auto status = roll_segment(now, "requested");
  if (segments_.size() > segments_before) flush_rolled_segments(now);
  check_invariants();
  return status;
}

LogStatus PartitionLog::roll_segment(Time now, std::string_view reason) {
  if (active().empty()) return LogStatus::success();
  if (segments_.size() >= partition_log_segments_max) {
    return LogStatus::failure(LogErrc::too_many_segments,
                              fmt::format("{} already holds {} segments", directory_, segments_.size()));
  }
  const std::int64_t new_base = log_end_offset();
  LogSegment segment(files_, directory_, new_base, config_, now, write_sequence_);
  auto created = segment.create_files();
  if (!created.ok()) {
    return LogStatus::failure(LogErrc::storage_error,
                              fmt::format("{}: {}", created.error.path, env::to_string(created.error.code)));
  }
  mark_directory_written();
  active().on_become_inactive();
  const std::uint64_t closed_size_bytes = active().size_bytes();
  segments_.emplace(new_base, std::move(segment));
  if (segment_listener_) {
    segment_listener_(SegmentChange{SegmentChange::Kind::rolled, new_base, new_base, closed_size_bytes, reason});
  }
  return LogStatus::success();
}

void PartitionLog::flush_rolled_segments(Time now) {
  // UnifiedLog.roll: "schedule an asynchronous flush of the old segment" (and of the directory,
  // so the new name survives a power loss). Started once the caller's work is done, so that a
  // completion never runs in the middle of an append.
  last_flush_started_at_ = now;
  start_flush(active().base_offset(), {});
}

// ---- Reading ----

Result<LogReadResult, LogError> PartitionLog::read(std::int64_t from_offset, std::uint64_t max_bytes,
                                                   std::int64_t upper_bound_offset) {
  if (from_offset < log_start_offset_ || from_offset > log_end_offset()) {
    return unexpected(error(LogErrc::offset_out_of_range,
                            fmt::format("offset {} is outside the log [{}, {}] of {}", from_offset, log_start_offset_,
                                        log_end_offset(), directory_)));
  }
  const std::uint64_t budget_bytes = std::min(max_bytes, read_bytes_max);
  const std::int64_t upper_bound = std::min(upper_bound_offset, log_end_offset());
  LogReadResult out;
  out.first_offset = from_offset;
  out.next_offset = from_offset;
  if (from_offset >= upper_bound) return out;
  auto it = std::prev(segments_.upper_bound(from_offset));
  for (; it != segments_.end(); ++it) {
    auto read = it->second.read(from_offset, budget_bytes, upper_bound);
    if (!read.ok()) return unexpected(read.error());
    if (!read->has_value()) continue;  // nothing at or after from_offset here: the next segment
    SegmentRead& found = **read;
    KS_ASSERT(found.batch_count == 0 || found.first_offset <= from_offset);
    KS_ASSERT(found.batch_count == 0 || found.next_offset > from_offset);
    KS_ASSERT(found.next_offset <= upper_bound);
    out.records = std::move(found.records);
    out.first_offset = found.first_offset;
    out.next_offset = found.next_offset;
    out.batch_count = found.batch_count;
    return out;
  }
  return out;
}

// ---- Truncation ----

void PartitionLog::remove_segment(std::map<std::int64_t, LogSegment>::iterator it) {
  it->second.remove_files();
  segments_.erase(it);
  mark_directory_written();
}

Result<std::int64_t, LogError> PartitionLog::truncate_to(std::int64_t offset, Time now) {
  KS_ASSERT_MSG(!closing_, "truncation of a closed log");
  if (offset < 0) return unexpected(error(LogErrc::invalid_argument, fmt::format("truncate to offset {}", offset)));
  if (offset >= log_end_offset()) {
    // No batch goes, but "always truncate epoch cache since we may have a conflicting epoch
    // entry at the end of the log from the leader" (UnifiedLog.truncateTo): an epoch a leader
    // assigned at its log end without writing anything in it.
    if (epoch_cache_.truncate_from_end(log_end_offset())) write_leader_epoch_checkpoint();
    return log_end_offset();
  }
  if (offset < log_start_offset_) {
    auto status = truncate_fully_and_start_at(offset, now);
    if (!status.ok()) return unexpected(*status.error);
    return offset;
  }
  while (segments_.rbegin()->first > offset) remove_segment(std::prev(segments_.end()));
  auto new_end = active().truncate_to(offset, now);
  if (!new_end.ok()) return unexpected(new_end.error());
  KS_ASSERT(*new_end <= offset);
  ++truncation_generation_;
  if (epoch_cache_.truncate_from_end(*new_end)) write_leader_epoch_checkpoint();
  // The truncated batches must not answer duplicates any more (UnifiedLog.truncateTo ->
  // loadProducerState).
  if (!producer_state_.producers().empty()) rebuild_producer_state();
  if (recovery_point_ > *new_end) {
    // LogManager.truncateTo checkpoints the recovery points at once: a stale, higher one would
    // let the next recovery trust bytes this truncation replaced.
    recovery_point_ = *new_end;
    write_recovery_point_checkpoint(now);
  }
  check_invariants();
  return *new_end;
}

LogStatus PartitionLog::truncate_fully_and_start_at(std::int64_t offset, Time now) {
  KS_ASSERT_MSG(!closing_, "truncation of a closed log");
  if (offset < 0) return LogStatus::failure(LogErrc::invalid_argument, fmt::format("start at offset {}", offset));
  while (!segments_.empty()) remove_segment(segments_.begin());
  LogSegment segment(files_, directory_, offset, config_, now, write_sequence_);
  auto created = segment.create_files();
  mark_directory_written();
  // Kept even when its files could not be created: a log always has an active segment, and the
  // next append creates the .log (or fails with a storage error).
  segments_.emplace(offset, std::move(segment));
  log_start_offset_ = offset;
  recovery_point_ = offset;
  ++truncation_generation_;
  epoch_cache_.clear();
  producer_state_.clear();
  write_leader_epoch_checkpoint();
  write_recovery_point_checkpoint(now);
  check_invariants();
  if (!created.ok()) {
    return LogStatus::failure(LogErrc::storage_error,
                              fmt::format("{}: {}", created.error.path, env::to_string(created.error.code)));
  }
  return LogStatus::success();
}

// ---- Retention ----

Result<RetentionResult, LogError> PartitionLog::apply_retention(Time now, std::int64_t high_watermark) {
  KS_ASSERT_MSG(!closing_, "retention on a closed log");
  RetentionResult result;
  // UnifiedLog.deleteOldSegments: the oldest segments while the predicate holds, never one with
  // offsets at or above the high watermark, never the last segment when it is empty.
  auto deletable_prefix = [&](auto&& predicate) {
    std::size_t count = 0;
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      const auto next = std::next(it);
      const std::int64_t upper_bound = next == segments_.end() ? log_end_offset() : next->first;
      const bool last_and_empty = next == segments_.end() && it->second.empty();
      if (!(high_watermark >= upper_bound && predicate(it->second) && !last_and_empty)) break;
      ++count;
    }
    return count;
  };
  auto add = [&](RetentionResult part) {
    result.segments_deleted += part.segments_deleted;
    result.bytes_deleted += part.bytes_deleted;
  };
  if (config_.retention_ms >= 0) {
    // deleteRetentionMsBreachedSegments: by the segment's largest timestamp.
    const std::size_t count = deletable_prefix(
        [&](const LogSegment& segment) { return now.ms() - segment.largest_timestamp_ms() > config_.retention_ms; });
    add(delete_oldest_segments(count, now, "retention.ms"));
  }
  if (config_.retention_bytes >= 0 && size_bytes() >= static_cast<std::uint64_t>(config_.retention_bytes)) {
    // deleteRetentionSizeBreachedSegments: whole segments while the log stays above the limit.
    std::uint64_t excess_bytes = size_bytes() - static_cast<std::uint64_t>(config_.retention_bytes);
    const std::size_t count = deletable_prefix([&](const LogSegment& segment) {
      if (segment.size_bytes() > excess_bytes) return false;
      excess_bytes -= segment.size_bytes();
      return true;
    });
    add(delete_oldest_segments(count, now, "retention.bytes"));
  }
  check_invariants();
  return result;
}

RetentionResult PartitionLog::delete_oldest_segments(std::size_t count, Time now, std::string_view reason) {
  RetentionResult result;
  if (count == 0) return result;
  KS_ASSERT(count <= segments_.size());
  bool rolled = false;
  if (count == segments_.size()) {
    // "We must always have at least one segment, so if we are going to delete all the segments,
    // create a new one first" (UnifiedLog.deleteSegments).
    (void)roll_segment(now, "retention");
    rolled = segments_.size() > count;
    if (!rolled) --count;  // the roll failed: keep the active segment
  }
  for (std::size_t i = 0; i < count; ++i) {
    const LogSegment& oldest = segments_.begin()->second;
    const SegmentChange deleted{SegmentChange::Kind::deleted, oldest.base_offset(), oldest.next_offset(),
                                oldest.size_bytes(), reason};
    result.bytes_deleted += oldest.size_bytes();
    remove_segment(segments_.begin());
    if (segment_listener_) segment_listener_(deleted);
    ++result.segments_deleted;
  }
  log_start_offset_ = segments_.begin()->first;
  recovery_point_ = std::max(recovery_point_, log_start_offset_);
  if (epoch_cache_.truncate_from_start(log_start_offset_)) write_leader_epoch_checkpoint();
  if (rolled) flush_rolled_segments(now);
  return result;
}

// ---- Leader epochs ----

void PartitionLog::assign_epoch_start_offset(std::int32_t epoch, std::int64_t start_offset) {
  KS_ASSERT_MSG(!closing_, "epoch assignment on a closed log");
  KS_ASSERT(start_offset >= log_start_offset_);
  KS_ASSERT(start_offset <= log_end_offset());
  if (epoch_cache_.assign(epoch, start_offset)) write_leader_epoch_checkpoint();
}

EpochEndOffset PartitionLog::end_offset_for_epoch(std::int32_t requested_epoch) const {
  return epoch_cache_.end_offset_for(requested_epoch, log_end_offset());
}

// ---- Checkpoint files ----

bool PartitionLog::write_checkpoint_file(std::string_view name, const std::string& text, CheckpointFile& file) {
  // Kafka's CheckpointFile: write "<name>.tmp", then atomically rename it over the old file, so
  // a reader sees the old or the new content, never a mix. Kafka also fsyncs the temporary file
  // first; kraftsim's fsync is asynchronous, so the next flush makes file and name durable
  // together (recovery treats a torn or empty checkpoint as missing and scans everything).
  const std::string final_path = path_of(name);
  const std::string temporary_path = final_path + std::string(temporary_file_suffix);
  if (files_.exists(temporary_path)) (void)files_.remove(temporary_path);
  const Bytes bytes(text.begin(), text.end());
  if (!files_.append(temporary_path, bytes).ok() || !files_.rename(temporary_path, final_path).ok()) {
    (void)files_.remove(temporary_path);
    file.write_pending = true;
    return false;
  }
  file.write_pending = false;
  file.sync.written_sequence = ++write_sequence_;
  mark_directory_written();
  return true;
}

void PartitionLog::write_leader_epoch_checkpoint() {
  (void)write_checkpoint_file(leader_epoch_checkpoint_file_name, encode_leader_epoch_checkpoint(epoch_cache_.entries()),
                              leader_epoch_checkpoint_);
}

void PartitionLog::write_recovery_point_checkpoint(Time now) {
  if (write_checkpoint_file(recovery_point_checkpoint_file_name,
                            encode_recovery_point_checkpoint(topic_partition_, recovery_point_),
                            recovery_point_checkpoint_)) {
    recovery_point_checkpointed_ = recovery_point_;
    recovery_point_checkpointed_at_ = now;
  }
}

void PartitionLog::retry_pending_checkpoints(Time now) {
  if (leader_epoch_checkpoint_.write_pending) write_leader_epoch_checkpoint();
  if (recovery_point_checkpoint_.write_pending) write_recovery_point_checkpoint(now);
}

}  // namespace kraftsim::log

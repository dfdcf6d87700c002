// Opening a partition log and recovering it after a crash (Kafka's LogLoader), see partition_log.h.
//
// The rules, in order:
// 1. Leftovers go: "*.tmp" files (an interrupted checkpoint write) and index files without a
//    .log ("orphaned index file", as LogLoader deletes them). A .log/.index/.timeindex whose
//    name is not 20 digits is an error: the directory is not one we wrote.
// 2. The leader-epoch-checkpoint and recovery-point-offset-checkpoint are read; a missing, torn
//    or malformed one counts as absent, and then every segment is scanned (an empty or torn
//    file is what a power loss leaves when a rename became durable before its content).
// 3. Clean shutdown: `.kafka_cleanshutdown` is trusted only when it parses, the epoch checkpoint
//    is valid, and the last segment is the one it names with exactly the size it recorded. The
//    marker is removed at open, but that removal is durable only at the next directory fsync; if
//    a power loss brings it back after new appends, the active segment's size no longer matches
//    and the open is treated as unclean. A trusted open scans nothing: each segment's indexes are
//    checked against its .log (load_trusted) and only a segment that fails is recovered.
// 4. Unclean shutdown: segments wholly below the recovery point are trusted the same way; the
//    segment holding the recovery point and every later one are recovered batch by batch (CRC,
//    header, contiguous offsets): the first invalid or torn batch ends the segment there, and
//    every later segment is deleted, since nothing after a bad batch can be trusted. The last
//    segment is always recovered. Recovered segments get rebuilt indexes and re-derive the epoch
//    cache from their batches' leader epochs.
// 5. Segments must follow each other without a gap or overlap; the first that does not is
//    deleted with everything after it.
// 6. The epoch cache is cut to [log start, log end]; the recovery point becomes the log end after
//    a clean shutdown, else min(checkpoint, log end) (LogLoader: "only advance the recovery point
//    when the log is flushed"); both checkpoints are rewritten when they changed.
// 7. The idempotent producers' state is rebuilt from every batch (producer_state.h).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/assert.h"
#include "broker/log/partition_log.h"

namespace kraftsim::log {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The content of a small file, or nullopt when it is absent, unreadable or too large.
std::optional<std::string> read_small_file(env::Files& files, const std::string& path) {
  if (!files.exists(path)) return std::nullopt;
  auto size = files.size(path);
  if (!size.ok() || *size > checkpoint_file_bytes_max) return std::nullopt;
  auto bytes = files.read(path, 0, *size);
  if (!bytes.ok()) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

Result<std::unique_ptr<PartitionLog>, LogError> PartitionLog::open(env::Files& files, const std::string& log_directory,
                                                                   const TopicPartition& topic_partition,
                                                                   const LogConfig& config, Time now) {
  if (auto why = check_topic_partition(topic_partition)) return unexpected(LogError{LogErrc::invalid_argument, *why});
  const std::string name = partition_directory_name(topic_partition);
  std::string directory = log_directory.empty() ? name : fmt::format("{}/{}", log_directory, name);
  std::unique_ptr<PartitionLog> log(new PartitionLog(files, std::move(directory), topic_partition, config));
  auto status = log->load(now);
  if (!status.ok()) return unexpected(*status.error);
  return log;
}

LogStatus PartitionLog::load(Time now) {
  recovery_point_checkpointed_at_ = now;
  last_flush_started_at_ = now;

  // 1. Leftovers and segment files.
  std::vector<std::int64_t> base_offsets;
  std::vector<std::pair<std::int64_t, std::string>> index_files;
  for (const std::string& name : files_.list(directory_)) {
    const std::string path = path_of(name);
    if (ends_with(name, temporary_file_suffix)) {
      (void)files_.remove(path);
      mark_directory_written();
    } else if (const auto base = parse_segment_file_name(name, log_file_suffix)) {
      base_offsets.push_back(*base);
    } else if (const auto index_base = parse_segment_file_name(name, offset_index_file_suffix)) {
      index_files.emplace_back(*index_base, path);
    } else if (const auto time_base = parse_segment_file_name(name, time_index_file_suffix)) {
      index_files.emplace_back(*time_base, path);
    } else if (ends_with(name, log_file_suffix) || ends_with(name, offset_index_file_suffix) ||
               ends_with(name, time_index_file_suffix)) {
      return LogStatus::failure(LogErrc::storage_error, fmt::format("{}: not a segment file name", path));
    }
  }
  std::sort(base_offsets.begin(), base_offsets.end());
  if (base_offsets.size() > partition_log_segments_max) {
    return LogStatus::failure(LogErrc::too_many_segments,
                              fmt::format("{} holds {} segments", directory_, base_offsets.size()));
  }
  const std::set<std::int64_t> segment_bases(base_offsets.begin(), base_offsets.end());
  for (const auto& [base, path] : index_files) {
    if (!segment_bases.contains(base)) {
      (void)files_.remove(path);
      mark_directory_written();
    }
  }

  // 2. Checkpoints.
  const auto epoch_text = read_small_file(files_, path_of(leader_epoch_checkpoint_file_name));
  bool epochs_valid = false;
  if (epoch_text) {
    auto entries = parse_leader_epoch_checkpoint(*epoch_text);
    if (entries.ok()) {
      if (auto cache = LeaderEpochCache::from_entries(std::move(entries.value()))) {
        epoch_cache_ = std::move(*cache);
        epochs_valid = true;
      }
    }
  }
  std::optional<std::int64_t> checkpointed_recovery_point;
  if (const auto text = read_small_file(files_, path_of(recovery_point_checkpoint_file_name))) {
    auto parsed = parse_recovery_point_checkpoint(*text, topic_partition_);
    if (parsed.ok()) checkpointed_recovery_point = *parsed;
  }
  recovery_report_.recovery_point_checkpoint = checkpointed_recovery_point;

  // 3. The clean-shutdown marker.
  bool clean_shutdown = false;
  std::int64_t marker_log_end_offset = -1;
  const std::string marker_path = path_of(clean_shutdown_file_name);
  if (files_.exists(marker_path)) {
    if (const auto text = read_small_file(files_, marker_path)) {
      auto marker = parse_clean_shutdown_marker(*text);
      if (marker.ok() && epochs_valid && !base_offsets.empty() &&
          marker->active_segment_base_offset == base_offsets.back()) {
        const auto active_size = files_.size(path_of(segment_file_stem(base_offsets.back()) + std::string(log_file_suffix)));
        clean_shutdown = active_size.ok() && *active_size == marker->active_segment_size_bytes;
        marker_log_end_offset = marker->log_end_offset;
      }
    }
    // LogManager deletes the marker once the logs are loaded: a crash from now on is unclean.
    (void)files_.remove(marker_path);
    mark_directory_written();
  }

  // 4-5. Segments.
  if (base_offsets.empty()) {
    LogSegment segment(files_, directory_, 0, config_, now, write_sequence_);
    auto created = segment.create_files();
    if (!created.ok()) {
      return LogStatus::failure(LogErrc::storage_error,
                                fmt::format("{}: {}", created.error.path, env::to_string(created.error.code)));
    }
    mark_directory_written();
    segments_.emplace(0, std::move(segment));
  } else {
    const std::optional<std::int64_t> scan_from_offset =
        clean_shutdown ? std::nullopt
                       : (epochs_valid && checkpointed_recovery_point ? checkpointed_recovery_point
                                                                      : std::optional<std::int64_t>(base_offsets.front()));
    auto status = load_segments(base_offsets, clean_shutdown, scan_from_offset, now);
    if (!status.ok()) return status;
  }
  log_start_offset_ = segments_.begin()->first;
  // A trusted log must end where the marker says; if not, its recovery point is not vouched for.
  if (clean_shutdown && log_end_offset() != marker_log_end_offset) clean_shutdown = false;
  recovery_report_.clean_shutdown = clean_shutdown;

  // 6. Epoch cache and recovery point.
  epoch_cache_.truncate_from_end(log_end_offset());
  epoch_cache_.truncate_from_start(log_start_offset_);
  if (!epoch_text || *epoch_text != encode_leader_epoch_checkpoint(epoch_cache_.entries())) write_leader_epoch_checkpoint();
  recovery_point_ = clean_shutdown ? log_end_offset()
                                   : std::clamp(checkpointed_recovery_point.value_or(log_start_offset_), log_start_offset_,
                                                log_end_offset());
  if (checkpointed_recovery_point != recovery_point_) {
    write_recovery_point_checkpoint(now);
  } else {
    recovery_point_checkpointed_ = recovery_point_;
  }
  check_invariants();
  // 7. Idempotent producers' state (UnifiedLog.loadProducerState), from the recovered batches.
  rebuild_producer_state();
  return LogStatus::success();
}

LogStatus PartitionLog::load_segments(const std::vector<std::int64_t>& base_offsets, bool clean_shutdown,
                                      std::optional<std::int64_t> scan_from_offset, Time now) {
  KS_ASSERT(!base_offsets.empty());
  KS_ASSERT(segments_.empty());
  KS_ASSERT(clean_shutdown || scan_from_offset.has_value());
  auto delete_from = [&](std::size_t first) {
    for (std::size_t j = first; j < base_offsets.size(); ++j) {
      LogSegment(files_, directory_, base_offsets[j], config_, now, write_sequence_).remove_files();
      ++recovery_report_.segments_deleted;
      mark_directory_written();
    }
  };
  for (std::size_t i = 0; i < base_offsets.size(); ++i) {
    const std::int64_t base = base_offsets[i];
    if (!segments_.empty() && base != segments_.rbegin()->second.next_offset()) {
      delete_from(i);  // a gap or an overlap: what follows cannot continue this log
      break;
    }
    LogSegment segment(files_, directory_, base, config_, now, write_sequence_);
    const bool last = i + 1 == base_offsets.size();
    // Wholly below the recovery point: every offset of it was fsynced before the crash.
    const bool below_recovery_point = !last && scan_from_offset && base_offsets[i + 1] <= *scan_from_offset;
    const bool trusted = clean_shutdown || below_recovery_point;
    if (trusted && segment.load_trusted()) {
      ++recovery_report_.segments_loaded;
      segments_.emplace(base, std::move(segment));
      continue;
    }
    auto truncated = segment.recover(epoch_cache_);
    if (!truncated.ok()) return LogStatus{truncated.error()};
    ++recovery_report_.segments_recovered;
    recovery_report_.truncated_bytes += *truncated;
    segments_.emplace(base, std::move(segment));
    if (*truncated > 0) {
      delete_from(i + 1);  // nothing after an invalid batch is trusted
      break;
    }
  }
  KS_ASSERT(!segments_.empty());
  return LogStatus::success();
}

}  // namespace kraftsim::log

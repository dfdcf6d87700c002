// Flushing a partition log: which files a flush fsyncs, when the flush policy starts one, how
// completions move the recovery point, and the clean close (see partition_log.h).
//
// fsync is asynchronous on the node's disk (env::Files). A flush issues one fsync per file with
// writes no completed fsync covers (tracked with write sequence numbers, so a write racing an
// fsync keeps its file dirty), checkpoint files first and the directory last: a name is only
// published once its content is durable, since completions run in issue order. When all of a
// flush's fsyncs succeed, every offset below its target is durable and the recovery point
// moves there (LocalLog.flush + updateRecoveryPoint), unless a truncation happened meanwhile.
#include <fmt/format.h>

#include <algorithm>

#include "base/assert.h"
#include "broker/log/partition_log.h"

namespace kraftsim::log {

void PartitionLog::flush(std::int64_t up_to_offset, FlushDone done) {
  KS_ASSERT_MSG(!closing_, "flush of a closed log (close flushes)");
  start_flush(std::min(up_to_offset, log_end_offset()), std::move(done));
}

void PartitionLog::start_flush(std::int64_t target_offset, FlushDone done, bool in_append) {
  KS_ASSERT(target_offset <= log_end_offset());
  KS_ASSERT_MSG(pending_flushes_.size() < pending_flushes_max, "too many flushes in flight");
  const std::uint64_t flush_id = next_flush_id_++;
  // syncs_outstanding starts at 1 for this function itself, so that completions arriving while
  // it still issues fsyncs cannot finish the flush early.
  pending_flushes_.emplace(flush_id,
                           PendingFlush{target_offset, truncation_generation_, 1, LogStatus::success(), std::move(done), in_append});

  if (leader_epoch_checkpoint_.sync.dirty()) {
    issue_sync(flush_id, {SyncTargetKind::leader_epoch_checkpoint, 0}, path_of(leader_epoch_checkpoint_file_name));
  }
  if (recovery_point_checkpoint_.sync.dirty()) {
    issue_sync(flush_id, {SyncTargetKind::recovery_point_checkpoint, 0}, path_of(recovery_point_checkpoint_file_name));
  }
  if (clean_shutdown_marker_.sync.dirty()) {
    issue_sync(flush_id, {SyncTargetKind::clean_shutdown_marker, 0}, path_of(clean_shutdown_file_name));
  }
  const std::pair<SegmentFile, SyncTargetKind> segment_files[] = {
      {SegmentFile::log, SyncTargetKind::log},
      {SegmentFile::offset_index, SyncTargetKind::offset_index},
      {SegmentFile::time_index, SyncTargetKind::time_index},
  };
  for (const auto& [base, segment] : segments_) {
    if (base >= target_offset) break;  // holds no offset below the target
    for (const auto& [file, kind] : segment_files) {
      if (segment.sync_state(file).dirty()) issue_sync(flush_id, {kind, base}, segment.path(file));
    }
  }
  if (directory_sync_.dirty()) issue_sync(flush_id, {SyncTargetKind::directory, 0}, directory_);

  auto it = pending_flushes_.find(flush_id);
  KS_ASSERT(it != pending_flushes_.end());
  KS_ASSERT(it->second.syncs_outstanding > 0);
  if (--it->second.syncs_outstanding == 0) finish_flush(flush_id);
}

void PartitionLog::issue_sync(std::uint64_t flush_id, SyncTarget target, const std::string& path) {
  auto it = pending_flushes_.find(flush_id);
  KS_ASSERT(it != pending_flushes_.end());
  ++it->second.syncs_outstanding;
  const std::uint64_t issued_at_sequence = write_sequence_;
  std::weak_ptr<int> alive = alive_;
  env::SyncDone done = [alive, this, flush_id, target, issued_at_sequence](env::IoStatus status) {
    if (alive.expired()) return;  // the log was destroyed (closed and dropped) meanwhile
    on_sync_done(flush_id, target, issued_at_sequence, std::move(status));
  };
  if (target.kind == SyncTargetKind::directory) {
    files_.fsync_dir(path, std::move(done));
  } else {
    files_.fsync(path, std::move(done));
  }
}

FileSyncState* PartitionLog::sync_state_of(SyncTarget target) {
  auto segment_state = [&](SegmentFile file) -> FileSyncState* {
    auto it = segments_.find(target.segment_base_offset);
    return it == segments_.end() ? nullptr : &it->second.sync_state(file);
  };
  switch (target.kind) {
    case SyncTargetKind::log: return segment_state(SegmentFile::log);
    case SyncTargetKind::offset_index: return segment_state(SegmentFile::offset_index);
    case SyncTargetKind::time_index: return segment_state(SegmentFile::time_index);
    case SyncTargetKind::leader_epoch_checkpoint: return &leader_epoch_checkpoint_.sync;
    case SyncTargetKind::recovery_point_checkpoint: return &recovery_point_checkpoint_.sync;
    case SyncTargetKind::clean_shutdown_marker: return &clean_shutdown_marker_.sync;
    case SyncTargetKind::directory: return &directory_sync_;
  }
  return nullptr;
}

void PartitionLog::on_sync_done(std::uint64_t flush_id, SyncTarget target, std::uint64_t issued_at_sequence,
                                env::IoStatus status) {
  auto it = pending_flushes_.find(flush_id);
  KS_ASSERT(it != pending_flushes_.end());
  KS_ASSERT(it->second.syncs_outstanding > 0);
  FileSyncState* state = sync_state_of(target);
  if (status.ok()) {
    // Every write up to the issue is durable now (the disk syncs at completion, so later writes
    // may be too; counting them dirty only costs a redundant fsync).
    if (state != nullptr) state->synced_sequence = std::max(state->synced_sequence, issued_at_sequence);
  } else if (state == nullptr && status.error.code == env::IoErrc::not_found) {
    // The segment was deleted (retention, truncation) after the fsync was issued: nothing of it
    // needs to be durable any more.
  } else if (it->second.status.ok()) {
    it->second.status = LogStatus::failure(
        LogErrc::storage_error, fmt::format("fsync {}: {}", status.error.path, env::to_string(status.error.code)));
  }
  if (--it->second.syncs_outstanding == 0) finish_flush(flush_id);
}

void PartitionLog::finish_flush(std::uint64_t flush_id) {
  auto it = pending_flushes_.find(flush_id);
  KS_ASSERT(it != pending_flushes_.end());
  KS_ASSERT(it->second.syncs_outstanding == 0);
  PendingFlush flush = std::move(it->second);
  pending_flushes_.erase(it);
  // A truncation since the flush started may have replaced offsets below its target.
  if (flush.status.ok() && flush.truncation_generation == truncation_generation_) {
    KS_ASSERT(flush.target_offset <= log_end_offset());
    const std::int64_t recovery_point = std::max(flush.target_offset, log_start_offset_);
    if (recovery_point > recovery_point_) {
      recovery_point_ = recovery_point;
      if (recovery_point_listener_) recovery_point_listener_(recovery_point_);
    }
  }
  if (flush.done) flush.done(std::move(flush.status));
}

std::int64_t PartitionLog::highest_flush_target_in_flight() const {
  std::int64_t highest = recovery_point_;
  for (const auto& [id, flush] : pending_flushes_) {
    if (flush.truncation_generation == truncation_generation_) highest = std::max(highest, flush.target_offset);
  }
  return highest;
}

std::int64_t PartitionLog::high_watermark_end_offset() const {
  for (const auto& [id, flush] : pending_flushes_) {
    // A flush a truncation overtook completes without moving the recovery point: not waited for.
    if (flush.in_append && flush.truncation_generation == truncation_generation_) return recovery_point_;
  }
  return log_end_offset();
}

bool PartitionLog::flush_messages_due() const {
  // UnifiedLog.append: "if (localLog.unflushedMessages >= config.flushInterval) flush()", where
  // unflushed messages are offsets above the recovery point (here: above what is being flushed).
  const std::int64_t unflushed_messages = log_end_offset() - highest_flush_target_in_flight();
  return unflushed_messages > 0 && unflushed_messages >= config_.flush_interval_messages;
}

bool PartitionLog::flush_if_needed(Time now) {
  if (closing_) return false;
  retry_pending_checkpoints(now);
  bool started = false;
  const std::int64_t unflushed_messages = log_end_offset() - highest_flush_target_in_flight();
  const bool interval_passed = config_.flush_interval_ms != flush_never &&
                               (now - last_flush_started_at_).ms() >= config_.flush_interval_ms;
  if (unflushed_messages > 0 && (flush_messages_due() || interval_passed)) {
    last_flush_started_at_ = now;
    start_flush(log_end_offset(), {});
    started = true;
  }
  // LogManager.checkpointLogRecoveryOffsets, every log.flush.offset.checkpoint.interval.ms.
  if (recovery_point_ != recovery_point_checkpointed_ &&
      (now - recovery_point_checkpointed_at_).ms() >= config_.flush_offset_checkpoint_interval_ms) {
    write_recovery_point_checkpoint(now);
  }
  return started;
}

void PartitionLog::close(Time now, FlushDone done) {
  KS_ASSERT_MSG(!closing_, "close of a closed log");
  closing_ = true;
  close_done_ = std::move(done);
  active().on_become_inactive();  // LogSegment.close writes the final time index entry
  retry_pending_checkpoints(now);
  std::weak_ptr<int> alive = alive_;
  start_flush(log_end_offset(), [alive, this, now](LogStatus status) {
    if (!alive.expired()) on_close_flushed(std::move(status), now);
  });
}

void PartitionLog::on_close_flushed(LogStatus status, Time now) {
  auto finish = [this](LogStatus result) {
    FlushDone done = std::move(close_done_);
    if (done) done(std::move(result));
  };
  if (!status.ok()) {
    finish(std::move(status));  // no marker: the next open recovers as after a crash
    return;
  }
  KS_ASSERT(recovery_point_ == log_end_offset());
  // LogManager.shutdown: checkpoint the recovery point, then mark the shutdown clean. Both go
  // through a second flush, so the marker's name is durable only after everything it vouches for.
  write_recovery_point_checkpoint(now);
  const CleanShutdownMarker marker{log_end_offset(), active().base_offset(), active().size_bytes()};
  const bool written = !recovery_point_checkpoint_.write_pending && !leader_epoch_checkpoint_.write_pending &&
                       write_checkpoint_file(clean_shutdown_file_name, encode_clean_shutdown_marker(marker),
                                             clean_shutdown_marker_);
  if (!written) {
    finish(LogStatus::failure(LogErrc::storage_error, fmt::format("{}: could not write the checkpoints", directory_)));
    return;
  }
  std::weak_ptr<int> alive = alive_;
  start_flush(log_end_offset(), [alive, finish](LogStatus result) {
    if (!alive.expired()) finish(std::move(result));
  });
}

}  // namespace kraftsim::log

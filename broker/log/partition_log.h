// The log of one topic-partition replica on the node's disk, as Kafka's UnifiedLog / LocalLog
// keep it: a directory `<topic>-<partition>/` of segments (log_segment.h) named by base offset,
// a leader epoch cache persisted as `leader-epoch-checkpoint` (KIP-101), a recovery point and a
// clean-shutdown marker (partition_log_files.h).
//
// What it does: assigns offsets and the leader epoch to a leader's appends, checks a follower's
// appends are contiguous, reads whole batches by offset below an upper bound (the high watermark
// for consumers), truncates (KIP-101 follower truncation), rolls segments on size, age and full
// indexes, deletes whole old segments by retention.ms / retention.bytes (moving the log start
// offset), fsyncs by the flush policy and on roll, and recovers from a crash at open
// (partition_log_recovery.cpp).
//
// Time: there is no clock inside; every call that needs the time takes `now` (virtual time).
// Record timestamps are epoch milliseconds as the producer set them; retention and segment.ms
// compare them with now.ms().
//
// Durability (Kafka's model, KAFKA-FACTS.md): an append is in the OS page cache at once, durable
// only after an fsync. Kafka never fsyncs by default except when it rolls a segment
// (UnifiedLog.roll schedules a flush of everything below the new segment); a process kill keeps
// the page cache, a power loss loses the unflushed tail. fsync is asynchronous here: the recovery
// point moves when every fsync of a flush has completed.
//
// Errors from outside (bytes from the network or the disk, offsets asked for by clients) are
// LogError values; broken invariants of our own are assertions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/callback.h"
#include "base/result.h"
#include "base/time.h"
#include "broker/env/files.h"
#include "broker/log/leader_epoch_cache.h"
#include "broker/log/log_config.h"
#include "broker/log/log_segment.h"
#include "broker/log/partition_log_error.h"
#include "broker/log/partition_log_files.h"
#include "broker/log/producer_state.h"

namespace kraftsim::log {

// A runaway, not a workload: at 1 MiB segments this is a terabyte.
inline constexpr std::size_t partition_log_segments_max = 1024 * 1024;
// One append call (a produce request's records for one partition; Kafka bounds it by
// message.max.bytes per batch and the request size).
inline constexpr std::uint64_t append_bytes_max = 64 * 1024 * 1024;
// One read call, whatever max_bytes asks for (fetch.max.bytes is 55 MiB by default).
inline constexpr std::uint64_t read_bytes_max = 64 * 1024 * 1024;
// Flushes in flight at once; each append under flush.messages=1 starts one.
inline constexpr std::size_t pending_flushes_max = 4096;

struct LogAppendInfo {
  std::int64_t first_offset = 0;  // base offset of the first batch
  std::int64_t last_offset = 0;   // last offset of the last batch
  std::int64_t max_timestamp_ms = -1;
  std::int64_t offset_of_max_timestamp = -1;
  std::size_t batch_count = 0;
  std::uint64_t size_bytes = 0;
  bool rolled = false;  // a new segment was started for this append
  // A leader's append of an idempotent producer's retry of a batch already in the log: nothing
  // was appended; the offsets are the original batch's (producer_state.h).
  bool duplicate = false;
};

struct LogReadResult {
  Bytes records;                // whole batches, back to back, each CRC-checked
  std::int64_t first_offset = 0;  // base offset of the first batch (<= the offset asked for)
  std::int64_t next_offset = 0;   // one past the last offset returned; the offset asked for when empty
  std::size_t batch_count = 0;
};

struct RetentionResult {
  std::size_t segments_deleted = 0;
  std::uint64_t bytes_deleted = 0;
};

// What open() found and did, for traces and tests.
struct RecoveryReport {
  bool clean_shutdown = false;        // a matching .kafka_cleanshutdown was found
  std::size_t segments_loaded = 0;    // trusted without a scan
  std::size_t segments_recovered = 0;  // scanned batch by batch (CRC checked)
  std::uint64_t truncated_bytes = 0;  // torn or corrupt bytes cut from a segment
  std::size_t segments_deleted = 0;   // whole segments after a cut, or out of sequence
  std::optional<std::int64_t> recovery_point_checkpoint;  // as read from disk, if valid
};

struct SegmentInfo {
  std::int64_t base_offset = 0;
  std::int64_t next_offset = 0;
  std::uint64_t size_bytes = 0;
  std::int64_t largest_timestamp_ms = -1;
};

// A change of the log's segments, told to the log's owner as it happens (for the trace: Kafka
// logs "Rolled new log segment" and "Deleting segment ... due to retention"); nothing depends on
// it for correctness.
struct SegmentChange {
  enum class Kind : std::uint8_t { rolled, deleted };
  Kind kind = Kind::rolled;
  std::int64_t base_offset = 0;  // rolled: the new active segment's; deleted: the deleted one's
  std::int64_t next_offset = 0;  // deleted: one past its last offset; rolled: the new segment's base
  std::uint64_t size_bytes = 0;  // rolled: the segment that stopped being active; deleted: the deleted one
  // rolled: segment.bytes, segment.ms, index full, offset range, requested, or "retention" (every
  // segment was due, so an empty one starts first); deleted: retention.ms or retention.bytes.
  std::string_view reason;
};
using SegmentListener = Callback<void(const SegmentChange&), 48>;
// Told the bytes of every batch written to the log (leader and follower appends), by the batch's
// compression codec: the bytes on disk per codec (seed 3.2.4) a run reports.
using AppendListener = Callback<void(Compression, std::uint64_t), 48>;

// Completion of a flush or a close: success, or the first fsync failure.
using FlushDone = Callback<void(LogStatus), 48>;
// Told the new recovery point each time a flush moves it (e.g. to acknowledge writes that must
// be durable first). It runs when a flush completes: from an fsync completion, or at the end of
// the call that started a flush with nothing left to sync; never in the middle of an append.
using RecoveryPointListener = Callback<void(std::int64_t), 48>;

class PartitionLog {
 public:
  // Opens (creating when absent) `<log_directory>/<topic>-<partition>/` and recovers it (see
  // partition_log_recovery.cpp). log_directory "" means the disk's root.
  static Result<std::unique_ptr<PartitionLog>, LogError> open(env::Files& files, const std::string& log_directory,
                                                              const TopicPartition& topic_partition,
                                                              const LogConfig& config, Time now);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // ---- Appending ----
  // A leader's append (UnifiedLog.appendAsLeader): `records` holds one or more whole v2 batches
  // as a producer sent them; each gets the next offsets (set_base_offset) and `leader_epoch`
  // (set_partition_leader_epoch; both outside the CRC) and the epoch cache learns where the
  // epoch starts. Batches must be well formed with a valid CRC, hold records whose offset deltas
  // count from 0 without gaps, and each fit a segment. Rolls first when the active segment says
  // so; fsyncs when log.flush.interval.messages says so. Batches with a producer id are checked
  // against the producer state first (producer_state.h): a duplicate appends nothing and returns
  // the original offsets with `duplicate` set; a sequence gap is out_of_order_sequence_number, an
  // old epoch invalid_producer_epoch.
  Result<LogAppendInfo, LogError> append_as_leader(ByteView records, std::int32_t leader_epoch, Time now);
  // A follower's append of batches fetched from the leader (UnifiedLog.appendAsFollower): their
  // offsets and epochs are kept; the first must start at our log end and each the next offset.
  Result<LogAppendInfo, LogError> append_as_follower(ByteView records, Time now);

  // ---- Reading ----
  // Whole batches from the one holding from_offset (Kafka's LocalLog.read with minOneMessage):
  // at least one batch, more while the total stays within max_bytes, none ending at or above
  // upper_bound_offset (pass the high watermark for consumers, log_end_offset() for followers).
  // from_offset outside [log start, log end] is offset_out_of_range; from_offset at or above
  // the upper bound gives no batches. One call reads from one segment, as Kafka's does (the
  // next call continues in the next segment). Corrupt bytes are never returned: each batch's
  // CRC and offsets are checked; a bad first batch is corrupt_message, a later one ends the read.
  Result<LogReadResult, LogError> read(std::int64_t from_offset, std::uint64_t max_bytes,
                                       std::int64_t upper_bound_offset);

  // ---- Truncation ----
  // Removes every batch whose last offset is >= offset (UnifiedLog.truncateTo): whole later
  // segments and the tail of the one holding it. The new log end is the start of the batch
  // holding `offset` (== offset at a batch boundary, as followers truncate). The epoch cache
  // drops the epochs starting at or after it; the recovery point comes down with it. When
  // offset >= log end no batch goes, but an epoch starting at the log end does (one a leader
  // assigned without writing in it); below the log start the log restarts empty there.
  // Returns the new log end offset.
  Result<std::int64_t, LogError> truncate_to(std::int64_t offset, Time now);
  // Deletes everything and restarts the log empty at `offset` (UnifiedLog.truncateFullyAndStartAt:
  // a follower whose log end is below the leader's log start).
  LogStatus truncate_fully_and_start_at(std::int64_t offset, Time now);

  // ---- Segments and retention ----
  // Starts a new active segment at the log end now (UnifiedLog.roll); nothing when the active
  // segment is empty. Issues the flush of everything below the new segment, as Kafka does.
  LogStatus roll(Time now);
  // Deletes whole segments from the oldest while they are past log.retention.ms (by their
  // largest record timestamp) and then while the log is above log.retention.bytes, never a
  // segment with offsets at or above high_watermark (UnifiedLog.deleteOldSegments). When every
  // segment goes, a new empty one is rolled first, so the log start becomes the log end. Moves
  // the log start offset and trims the epoch cache from the start.
  Result<RetentionResult, LogError> apply_retention(Time now, std::int64_t high_watermark);

  // Reports every roll and every segment retention deletes (not truncations: the replication
  // layer reports those).
  void set_segment_listener(SegmentListener listener) { segment_listener_ = std::move(listener); }

  // ---- Leader epochs (KIP-101) ----
  // A new leader records where its epoch starts (Partition.makeLeader ->
  // maybeAssignEpochStartOffset) before any batch of that epoch exists.
  void assign_epoch_start_offset(std::int32_t epoch, std::int64_t start_offset);
  // OffsetsForLeaderEpoch's answer from this log (LeaderEpochCache::end_offset_for).
  EpochEndOffset end_offset_for_epoch(std::int32_t requested_epoch) const;
  const LeaderEpochCache& leader_epoch_cache() const { return epoch_cache_; }

  // ---- Idempotent producers (KIP-98) ----
  const ProducerStateManager& producer_state() const { return producer_state_; }

  // ---- Durability ----
  // Fsyncs every file with unflushed writes that holds offsets below up_to_offset (capped at the
  // log end), the checkpoint files and the directory; then moves the recovery point to
  // up_to_offset and calls done. done may run before flush returns (nothing to sync). A flush
  // overtaken by a truncation completes without moving the recovery point.
  void flush(std::int64_t up_to_offset, FlushDone done);
  // The flush policy (UnifiedLog.append's flush.messages check and the flush scheduler's
  // flush.ms check), plus the periodic write of the recovery point checkpoint
  // (log.flush.offset.checkpoint.interval.ms). Returns whether a flush was started. Appends run
  // the message check themselves; call this from a timer for the time-based ones.
  bool flush_if_needed(Time now);
  void set_recovery_point_listener(RecoveryPointListener listener) { recovery_point_listener_ = std::move(listener); }
  // Flushes everything, writes the recovery point checkpoint and the clean-shutdown marker, makes
  // them durable, then calls done (LogManager.shutdown). The log takes no further writes.
  // Destroying a log drops its pending completions uncalled.
  void close(Time now, FlushDone done);

  // ---- Bytes per codec ----
  // Bytes of the batches appended since the log was opened, by compression codec (record batch
  // attributes bits 0-2): the producer's codec, since the broker keeps batches as they came.
  std::uint64_t appended_bytes(Compression compression) const {
    return appended_bytes_by_codec_[static_cast<std::size_t>(compression)];
  }
  void set_append_listener(AppendListener listener) { append_listener_ = std::move(listener); }

  // ---- State (read-only) ----
  std::int64_t log_start_offset() const { return log_start_offset_; }
  std::int64_t log_end_offset() const;
  // Every offset below it is durable (fsynced); recovery after a crash scans from there.
  std::int64_t recovery_point() const { return recovery_point_; }
  // The highest offset a flush in flight will make the recovery point (recovery_point() when
  // none is in flight).
  std::int64_t highest_flush_target_in_flight() const;
  // The log end a leader counts toward the high watermark: the log end, but only the recovery
  // point while a flush that an append started under flush.messages is in flight. Kafka flushes
  // inside that append (UnifiedLog.append), before Partition.appendRecordsToLeader raises the
  // high watermark, so a leader never publishes offsets that flush has not made durable yet.
  std::int64_t high_watermark_end_offset() const;
  std::uint64_t size_bytes() const;
  std::size_t segment_count() const { return segments_.size(); }
  std::vector<SegmentInfo> segment_infos() const;
  const LogSegment& active_segment() const { return segments_.rbegin()->second; }
  // The segment whose offsets include `offset` (nullptr when out of range), for inspection.
  const LogSegment* segment_for(std::int64_t offset) const;
  const std::string& directory() const { return directory_; }
  const TopicPartition& topic_partition() const { return topic_partition_; }
  const LogConfig& config() const { return config_; }
  const RecoveryReport& recovery_report() const { return recovery_report_; }
  bool closing() const { return closing_; }
  std::size_t pending_flushes() const { return pending_flushes_.size(); }
  void check_invariants() const;

 private:
  // What a pending fsync targets, to mark it synced on completion (the segment may be gone).
  enum class SyncTargetKind : std::uint8_t {
    log,
    offset_index,
    time_index,
    leader_epoch_checkpoint,
    recovery_point_checkpoint,
    clean_shutdown_marker,
    directory,
  };
  struct SyncTarget {
    SyncTargetKind kind = SyncTargetKind::log;
    std::int64_t segment_base_offset = 0;  // for the three segment kinds
  };
  struct PendingFlush {
    std::int64_t target_offset = 0;
    std::uint64_t truncation_generation = 0;
    int syncs_outstanding = 0;
    LogStatus status;
    FlushDone done;
    bool in_append = false;  // started by an append under flush.messages
  };
  // A checkpoint-like file of the partition directory and whether its last write failed.
  struct CheckpointFile {
    FileSyncState sync;
    bool write_pending = false;  // the content changed but the last write failed: retry
  };

  PartitionLog(env::Files& files, std::string directory, TopicPartition topic_partition, LogConfig config);

  // partition_log_recovery.cpp
  LogStatus load(Time now);
  LogStatus load_segments(const std::vector<std::int64_t>& base_offsets, bool clean_shutdown,
                          std::optional<std::int64_t> scan_from_offset, Time now);

  // Appending.
  // The leader's producer-state verdict on a producer's batches (duplicate, gap, old epoch).
  Result<std::optional<LogAppendInfo>, LogError> check_producer_state(const std::vector<BatchHeader>& headers) const;
  // Rebuilds the producer state from every batch in the log (at open and after a truncation).
  void rebuild_producer_state();
  Result<std::vector<BatchHeader>, LogError> split_batches(ByteView records) const;
  Result<LogAppendInfo, LogError> append_validated(Bytes records, const std::vector<BatchHeader>& headers, Time now);
  Result<bool, LogError> maybe_roll(const RollCheck& check);
  // Starts a new active segment (no flush: callers run flush_rolled_segments when done); tells
  // the segment listener with `reason`.
  LogStatus roll_segment(Time now, std::string_view reason);
  void flush_rolled_segments(Time now);

  // Segments.
  RetentionResult delete_oldest_segments(std::size_t count, Time now, std::string_view reason);
  void remove_segment(std::map<std::int64_t, LogSegment>::iterator it);
  std::string path_of(std::string_view name) const;
  LogSegment& active() { return segments_.rbegin()->second; }

  // Checkpoint files: written through "<name>.tmp" and a rename, durable at the next flush.
  void write_leader_epoch_checkpoint();
  void write_recovery_point_checkpoint(Time now);
  bool write_checkpoint_file(std::string_view name, const std::string& text, CheckpointFile& file);
  void retry_pending_checkpoints(Time now);
  void mark_directory_written() { directory_sync_.written_sequence = ++write_sequence_; }

  // Flushing (partition_log_flush.cpp).
  void start_flush(std::int64_t target_offset, FlushDone done, bool in_append = false);
  void issue_sync(std::uint64_t flush_id, SyncTarget target, const std::string& path);
  void on_sync_done(std::uint64_t flush_id, SyncTarget target, std::uint64_t issued_at_sequence, env::IoStatus status);
  void finish_flush(std::uint64_t flush_id);
  FileSyncState* sync_state_of(SyncTarget target);
  bool flush_messages_due() const;
  void on_close_flushed(LogStatus status, Time now);

  env::Files& files_;
  std::string directory_;
  TopicPartition topic_partition_;
  LogConfig config_;
  // Every write to a file of this log takes the next number; fsyncs record which writes they cover.
  std::uint64_t write_sequence_ = 0;
  std::map<std::int64_t, LogSegment> segments_;  // by base offset; never empty; the last is active
  LeaderEpochCache epoch_cache_;
  ProducerStateManager producer_state_;
  std::int64_t log_start_offset_ = 0;
  std::int64_t recovery_point_ = 0;
  std::int64_t recovery_point_checkpointed_ = -1;  // the value last written to its file
  Time recovery_point_checkpointed_at_;
  Time last_flush_started_at_;
  // Bumped by every truncation: a flush started before it must not move the recovery point.
  std::uint64_t truncation_generation_ = 0;
  CheckpointFile leader_epoch_checkpoint_;
  CheckpointFile recovery_point_checkpoint_;
  CheckpointFile clean_shutdown_marker_;
  FileSyncState directory_sync_;
  std::uint64_t next_flush_id_ = 1;
  std::map<std::uint64_t, PendingFlush> pending_flushes_;
  RecoveryPointListener recovery_point_listener_;
  SegmentListener segment_listener_;
  AppendListener append_listener_;
  std::array<std::uint64_t, compression_id_max + 1> appended_bytes_by_codec_{};
  bool closing_ = false;
  FlushDone close_done_;
  RecoveryReport recovery_report_;
  // Pending fsync completions hold a weak reference: they do nothing once the log is destroyed.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace kraftsim::log

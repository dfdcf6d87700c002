// ReplicaLog: the narrow view of one partition's local log that the replication state machine
// (partition_replica.h) needs, and nothing more. The on-disk log (broker/log/partition_log.h)
// gets a thin adapter to it in the node driver; tests use MemoryReplicaLog.
//
// WHY AN INTERFACE THE CORE CALLS (rather than log operations in the output). Kafka's log
// append and truncation are synchronous writes to the OS page cache (durability is a separate,
// later fsync), and the replication logic reads the result at once: a truncation may land below
// the offset asked for (it removes whole batches), an append moves the log end that the next
// check reads. So the core calls these methods directly and reports what it did in
// Output::log_changes for the trace. It never reads record bytes: serving a Fetch is the
// driver's job (Output::fetch_responses says what to read).
//
// Contract every implementation keeps:
// - Offsets are contiguous: [log_start_offset(), log_end_offset()) holds whole batches, each
//   starting where the previous one ends.
// - The leader epoch cache (KIP-101, Kafka's LeaderEpochFileCache, `leader-epoch-checkpoint`)
//   maps each epoch to its first offset, both strictly increasing; appends teach it the epochs
//   of their batches, truncations drop the epochs that start at or after the new log end.
// - No method throws or aborts on a storage problem it can report: appends return failure.
#pragma once

#include <cstdint>
#include <optional>

#include "base/time.h"
#include "broker/replication/errors.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

// What a leader's append did.
struct LeaderAppend {
  // none, or why nothing was appended: KAFKA_STORAGE_ERROR, CORRUPT_MESSAGE, INVALID_RECORD,
  // OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH (an idempotent producer's batch).
  ErrorCode error = ErrorCode::none;
  Offset base_offset = -1;
  Offset last_offset = -1;
  // An idempotent producer's retry of a batch already in the log (KIP-98): nothing was appended
  // and the offsets are the original batch's.
  bool duplicate = false;
};

class ReplicaLog {
 public:
  virtual ~ReplicaLog() = default;

  // ---- State ----
  virtual Offset log_start_offset() const = 0;
  virtual Offset log_end_offset() const = 0;
  // The log end a leader counts toward the high watermark (at most log_end_offset()): lower
  // while a flush.messages flush the last appends started is in flight (Kafka flushes inside the
  // append, before the leader raises its high watermark). The driver calls
  // PartitionReplica::on_log_flushed when such a flush ends.
  virtual Offset high_watermark_end_offset() const { return log_end_offset(); }
  // The latest epoch in the epoch cache (UnifiedLog.latestEpoch); nullopt when it is empty.
  virtual std::optional<Epoch> latest_epoch() const = 0;
  // Kafka's LeaderEpochFileCache.endOffsetFor(requested, logEndOffset):
  // - requested undefined, above every known epoch, or an empty cache: undefined;
  // - requested == the latest epoch: (latest, log end);
  // - otherwise the largest known epoch <= requested and the start offset of the next one;
  // - requested below every known epoch: (requested, the first epoch's start offset) (KIP-279).
  virtual EpochEndOffset end_offset_for_epoch(Epoch requested) const = 0;

  // ---- Changes ----
  // A new leader records that `epoch` starts at `start_offset` (its log end) before writing
  // anything in it (Partition.makeLeader -> maybeAssignEpochStartOffset, KIP-101).
  virtual void assign_epoch(Time now, Epoch epoch, Offset start_offset) = 0;
  // A leader's append (UnifiedLog.appendAsLeader): one batch of record_count records at the log
  // end, stamped with leader_epoch, after the idempotent-producer checks (see LeaderAppend).
  virtual LeaderAppend append_as_leader(Time now, Epoch leader_epoch, std::int32_t record_count, Bytes payload) = 0;
  // A follower's append of a batch fetched from the leader (UnifiedLog.appendAsFollower): its
  // offsets and epoch are kept. Returns false, appending nothing, when the batch does not start
  // at the log end (Kafka's UnexpectedAppendOffsetException) or on a storage error.
  virtual bool append_as_follower(Time now, const ReplicaBatch& batch) = 0;
  // Removes every batch whose last offset is >= offset (UnifiedLog.truncateTo), and the epochs
  // starting at or after the new log end; when offset >= the log end no batch goes, but an
  // epoch starting at the log end does (an epoch assigned by a leader that wrote nothing in it).
  // Returns the new log end, which is below `offset` when `offset` falls inside a batch.
  virtual Offset truncate_to(Time now, Offset offset) = 0;
  // Deletes everything; the log restarts empty at `offset` with an empty epoch cache
  // (UnifiedLog.truncateFullyAndStartAt: a follower behind the leader's log start).
  virtual void truncate_fully_and_start_at(Time now, Offset offset) = 0;
};

}  // namespace kraftsim::replication

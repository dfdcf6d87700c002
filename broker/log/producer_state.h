// ProducerStateManager: what a partition log knows of each idempotent producer (KIP-98), as
// Kafka's storage ProducerStateManager / ProducerStateEntry / ProducerAppendInfo keep it: per
// producer id the producer epoch and the metadata (sequences and offsets) of its last 5 batches
// in this log.
//
// The leader uses it to validate a produced batch before appending it
// (UnifiedLog.analyzeAndValidateProducerState):
//  1. a batch whose epoch and sequence range equal one of the producer's last 5 batches is a
//     duplicate (a retry of a batch that was appended but whose answer was lost): nothing is
//     appended and the producer gets the original offsets (ProducerStateEntry.findDuplicateBatch);
//  2. an epoch below the producer's current one is INVALID_PRODUCER_EPOCH (checkProducerEpoch);
//  3. in the current epoch the first sequence must follow the last one (with wrap-around at
//     Integer.MAX_VALUE), else OUT_OF_ORDER_SEQUENCE_NUMBER; a new epoch must start at sequence 0;
//     a producer this log does not know (its batches were deleted or never came) may start at any
//     sequence (checkSequence, after KIP-360).
// Every appended batch, leader or follower, updates the state (followers do not validate), so a
// follower that becomes leader answers duplicates as its predecessor would have.
//
// The state is rebuilt from the log's batches at open and after a truncation (Kafka reloads it
// from its `<offset>.snapshot` files plus the batches after them; kraftsim rescans the log, see
// docs/replication.md). Retention keeps the state of producers whose batches were deleted, as
// Kafka does until producer.id.expiration.ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "broker/log/record_batch.h"

namespace kraftsim::log {

// ProducerStateEntry.NUM_BATCHES_TO_RETAIN: why max.in.flight.requests.per.connection <= 5 is
// required for idempotence.
inline constexpr std::size_t producer_batches_retained = 5;
// A runaway, not a workload: scenarios run a handful of producers (Kafka bounds it by
// producer.id.expiration.ms instead).
inline constexpr std::size_t producer_ids_max = 1 << 16;

struct ProducerBatchMetadata {
  std::int32_t first_seq = 0;
  std::int32_t last_seq = 0;
  std::int64_t first_offset = 0;
  std::int64_t last_offset = 0;
  bool operator==(const ProducerBatchMetadata&) const = default;
};

struct ProducerStateEntry {
  std::int16_t epoch = no_producer_epoch;
  std::deque<ProducerBatchMetadata> batches;  // oldest first, at most producer_batches_retained
  std::int32_t last_seq() const { return batches.empty() ? no_sequence : batches.back().last_seq; }
};

// The sequence of a batch's last record (DefaultRecordBatch.lastSequence: wraps to 0 after
// Integer.MAX_VALUE).
std::int32_t last_sequence(const BatchHeader& header);

enum class ProducerVerdict {
  append,        // in sequence (or no producer id): append it
  duplicate,     // already in the log: answer with `duplicate_of`, append nothing
  out_of_order,  // OUT_OF_ORDER_SEQUENCE_NUMBER
  fenced_epoch,  // INVALID_PRODUCER_EPOCH
};

struct ProducerCheck {
  ProducerVerdict verdict = ProducerVerdict::append;
  ProducerBatchMetadata duplicate_of;
  std::string message;  // why, for out_of_order and fenced_epoch
};

class ProducerStateManager {
 public:
  // The leader's check of one produced batch against the state (see above). A producer the
  // partition has no state for may start at any sequence (KIP-360: its records may have been
  // deleted by retention), except on a partition whose log has never held a record
  // (`log_never_written`), which takes only sequence 0 (KAFKA-15591, Kafka 4.5): otherwise a
  // retried first batch that failed while the partition was being created, overtaken by the
  // next one, could never be written.
  ProducerCheck check(const BatchHeader& header, bool log_never_written = false) const;
  // A batch now in the log (header carries its offsets). Batches without a producer id are
  // ignored.
  void update(const BatchHeader& header);
  void clear() { producers_.clear(); }

  const ProducerStateEntry* entry(std::int64_t producer_id) const;
  std::size_t producer_count() const { return producers_.size(); }
  const std::map<std::int64_t, ProducerStateEntry>& producers() const { return producers_; }

 private:
  std::map<std::int64_t, ProducerStateEntry> producers_;
};

}  // namespace kraftsim::log

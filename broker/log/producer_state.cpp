// ProducerStateManager: duplicate, epoch and sequence checks of idempotent producers (see
// producer_state.h).
#include "broker/log/producer_state.h"

#include <fmt/format.h>

#include <limits>

#include "base/assert.h"

namespace kraftsim::log {

namespace {

constexpr std::int32_t sequence_max = std::numeric_limits<std::int32_t>::max();

// ProducerAppendInfo.inSequence: the next sequence, wrapping after Integer.MAX_VALUE.
bool in_sequence(std::int32_t last_seq, std::int32_t next_seq) {
  return next_seq == (last_seq == sequence_max ? 0 : last_seq + 1);
}

}  // namespace

std::int32_t last_sequence(const BatchHeader& header) {
  if (header.base_sequence == no_sequence) return no_sequence;
  const std::int64_t last = static_cast<std::int64_t>(header.base_sequence) + header.last_offset_delta;
  return static_cast<std::int32_t>(last > sequence_max ? last - sequence_max - 1 : last);
}

ProducerCheck ProducerStateManager::check(const BatchHeader& header, bool log_never_written) const {
  ProducerCheck result;
  if (header.producer_id == no_producer_id) return result;
  auto it = producers_.find(header.producer_id);
  if (it == producers_.end()) {  // unknown producer: any sequence (KIP-360), but 0 on a new log (KAFKA-15591)
    if (log_never_written && header.base_sequence != 0) {
      result.verdict = ProducerVerdict::out_of_order;
      result.message = fmt::format("producer {} starts at sequence {} on a log that never held a record, expected 0",
                                   header.producer_id, header.base_sequence);
    }
    return result;
  }
  const ProducerStateEntry& entry = it->second;
  const std::int32_t first_seq = header.base_sequence;
  const std::int32_t last_seq = last_sequence(header);
  // ProducerStateEntry.findDuplicateBatch: same epoch and the same sequence range.
  if (header.producer_epoch == entry.epoch) {
    for (const ProducerBatchMetadata& batch : entry.batches) {
      if (batch.first_seq == first_seq && batch.last_seq == last_seq) {
        result.verdict = ProducerVerdict::duplicate;
        result.duplicate_of = batch;
        return result;
      }
    }
  }
  // ProducerAppendInfo.checkProducerEpoch.
  if (header.producer_epoch < entry.epoch) {
    result.verdict = ProducerVerdict::fenced_epoch;
    result.message = fmt::format("epoch {} of producer {} is older than its current epoch {}", header.producer_epoch,
                                 header.producer_id, entry.epoch);
    return result;
  }
  // ProducerAppendInfo.checkSequence.
  if (header.producer_epoch != entry.epoch) {
    if (first_seq != 0 && entry.epoch != no_producer_epoch) {
      result.verdict = ProducerVerdict::out_of_order;
      result.message = fmt::format("producer {} starts epoch {} at sequence {}, expected 0", header.producer_id,
                                   header.producer_epoch, first_seq);
    }
    return result;
  }
  const std::int32_t current_last = entry.last_seq();
  if (current_last != no_sequence && !in_sequence(current_last, first_seq)) {
    result.verdict = ProducerVerdict::out_of_order;
    result.message = fmt::format("producer {} epoch {}: sequence {} does not follow {}", header.producer_id,
                                 header.producer_epoch, first_seq, current_last);
  }
  return result;
}

void ProducerStateManager::update(const BatchHeader& header) {
  if (header.producer_id == no_producer_id) return;
  auto it = producers_.find(header.producer_id);
  if (it == producers_.end()) {
    KS_ASSERT_MSG(producers_.size() < producer_ids_max, "too many producer ids in one partition");
    it = producers_.emplace(header.producer_id, ProducerStateEntry{}).first;
  }
  ProducerStateEntry& entry = it->second;
  if (header.producer_epoch != entry.epoch) {
    // A new epoch forgets the old epoch's batches (ProducerStateEntry.update -> maybeUpdateProducerEpoch).
    entry.epoch = header.producer_epoch;
    entry.batches.clear();
  }
  entry.batches.push_back(ProducerBatchMetadata{header.base_sequence, last_sequence(header), header.base_offset,
                                                header.last_offset()});
  while (entry.batches.size() > producer_batches_retained) entry.batches.pop_front();
}

const ProducerStateEntry* ProducerStateManager::entry(std::int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

}  // namespace kraftsim::log

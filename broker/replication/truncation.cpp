// Kafka's follower truncation rule (truncation.h).
#include "broker/replication/truncation.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::replication {

TruncationDecision decide_truncation(const EpochEndOffset& leader_answer, const ReplicaLog& follower_log,
                                     Offset fallback_offset) {
  const Offset log_end = follower_log.log_end_offset();
  KS_ASSERT(fallback_offset >= 0);
  TruncationDecision decision;
  if (leader_answer.end_offset == undefined_epoch_offset) {
    decision = TruncationDecision{std::min(fallback_offset, log_end), true};
  } else if (leader_answer.epoch == undefined_epoch) {
    decision = TruncationDecision{std::min(leader_answer.end_offset, log_end), true};
  } else {
    const EpochEndOffset ours = follower_log.end_offset_for_epoch(leader_answer.epoch);
    if (ours.end_offset == undefined_epoch_offset) {
      decision = TruncationDecision{std::min(leader_answer.end_offset, log_end), true};
    } else if (ours.epoch != leader_answer.epoch) {
      // KIP-279: we never saw the leader's epoch. Everything after our largest smaller epoch is
      // suspect; cut there and ask again about the epoch we are left with.
      KS_ASSERT(ours.epoch < leader_answer.epoch);
      decision = TruncationDecision{std::min(ours.end_offset, log_end), false};
    } else {
      decision = TruncationDecision{std::min({ours.end_offset, leader_answer.end_offset, log_end}), true};
    }
  }
  KS_ASSERT(decision.truncate_to <= log_end);
  KS_ASSERT(decision.truncate_to >= 0);
  return decision;
}

}  // namespace kraftsim::replication

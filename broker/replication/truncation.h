// Where a follower truncates its log, given the leader's answer about an epoch: Kafka's
// AbstractFetcherThread.getOffsetTruncationState, used for OffsetsForLeaderEpoch answers
// (KIP-101, KIP-279) and for a Fetch response's DivergingEpoch (Kafka 2.7+). A pure function
// of the answer and the follower's log, so that it can be tested on its own.
//
// The rule (leader answered epoch E' ending at O'):
// - O' undefined: the leader knows no such epoch; truncate to the fallback offset (Kafka: the
//   initial fetch offset, i.e. the follower's high watermark) and stop.
// - E' undefined, O' defined (a pre-2.0 leader): truncate to min(O', log end) and stop.
// - the follower knows no epoch <= E': truncate to min(O', log end) and stop.
// - the follower's largest epoch <= E' is E' itself, ending at F: truncate to min(O', F, log
//   end) and stop: both logs agree up to there (KIP-101).
// - it is an older epoch F_e < E' ending at F: the follower never saw E'; truncate to
//   min(F, log end), dropping every epoch after F_e, and ask again with the new latest epoch
//   (KIP-279). Each such round strictly lowers the follower's latest epoch.
#pragma once

#include "broker/replication/replica_log.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

struct TruncationDecision {
  Offset truncate_to = 0;  // the follower's log end after truncating (<= its log end now)
  bool complete = true;    // false: ask the leader again (KIP-279)
  bool operator==(const TruncationDecision&) const = default;
};

TruncationDecision decide_truncation(const EpochEndOffset& leader_answer, const ReplicaLog& follower_log,
                                     Offset fallback_offset);

}  // namespace kraftsim::replication

// Invariants of partition leadership, judged event by event from the "partition-state" events
// each broker's replica records on every role, leader epoch or high watermark change (so the
// high watermark a leader serves in its Fetch answers is in the trace, with no extra events):
//  - single-partition-leader-per-epoch: for each topic-partition and leader epoch, at most one
//    broker ever acts as leader. The controller gives every new leader a new leader epoch
//    (Kafka's PartitionRegistration.merge bumps it whenever a PartitionChangeRecord names a
//    leader), which is what KIP-101 truncation and KIP-320 fencing rely on. The test-only switch
//    kraftsim.test.partition.leader.epoch.not.bumped breaks it.
//  - partition-hw-monotonic: (a) within one leader's tenure (one broker process leading a
//    partition without interruption, across leader epoch bumps that keep it leader) the high
//    watermark it serves never decreases (Partition.maybeIncrementLeaderHW only moves it
//    forward); (b) committed data is never un-committed: when a broker leads, its log ends at or
//    above every high watermark any leader of the partition published before.
//    What it does NOT claim: that a new leader's high watermark is at least its predecessor's.
//    Kafka allows it to be lower: the new leader's value is the copy it learned as a follower,
//    one fetch round behind, and it catches up once the ISR fetches from it (KIP-207 then makes
//    ListOffsets answer OFFSET_NOT_AVAILABLE while the high watermark is below the leader's
//    epoch start offset; kraftsim does not model that answer). The records below the old value
//    must still be in the new leader's log, which is (b). A clean election guarantees (b); an
//    unclean election (KIP-106), a power loss of the last ISR member, or the pre-KIP-101
//    truncation can break it, and the scenarios that teach those list it in `expect`. The
//    test-only switch kraftsim.test.leader.hw.may.decrease breaks (a).
// kraftsim has no DeleteTopics, so a topic name always names the same topic.
#pragma once

#include <memory>

#include "sim/check/checker.h"

namespace kraftsim::check {

std::unique_ptr<Checker> make_single_partition_leader_checker();
std::unique_ptr<Checker> make_partition_hw_monotonic_checker();

}  // namespace kraftsim::check

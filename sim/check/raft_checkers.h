// Invariants of the KRaft quorum, after Kafka's RaftEventSimulationTest invariants:
//  - single-controller-per-epoch (SingleLeader): every durable election state and every Leader
//    role of an epoch names the same node;
//  - raft-epoch-monotonic (MonotonicEpoch): a node's durable epoch never decreases, across
//    restarts too;
//  - raft-hw-monotonic (MonotonicHighWatermark): no leader publishes a high watermark below one
//    a leader already published;
//  - raft-majority-reached-hw (MajorityReachedHighWatermark): when a leader publishes a high
//    watermark, a majority of voters has flushed the log up to it;
//  - raft-committed-consistent (ConsistentCommittedData): no two nodes hold different records
//    at an offset below their high watermarks.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "sim/check/checker.h"

namespace kraftsim::check {

std::vector<std::unique_ptr<Checker>> make_raft_checkers(const ClusterView& view);

}  // namespace kraftsim::check

// Invariants of consumer groups, from the consumers' own reports in the trace:
//  - group-single-owner: in each generation of a group, every partition is owned by at most one
//    member (group-joined events: the partitions a member owns after joining that generation);
//    and after the run settles, every partition of the group's topic is owned by exactly one live
//    member (the latest group-joined of each consumer process still running, not revoked since,
//    all of the newest generation). Kafka's eager assignors guarantee it because every member
//    revokes its partitions before rejoining; the test-only consumer switch
//    kraftsim.consumer.ignore.revocation breaks it.
//  - committed-offset-monotonic: per group and topic-partition, no OffsetCommit the coordinator
//    accepts (offset-commit: the append reached the high watermark of __consumer_offsets) stores
//    an offset below the one stored before, unless the committing member's consumer reset its
//    position of that partition (auto.offset.reset after OFFSET_OUT_OF_RANGE) since then.
//    Kafka itself lets an application commit any offset (seek, then commitSync); the statement is
//    about what kraftsim's consumers do: they commit the position after the records they
//    processed and never seek backwards, so a lower commit is a zombie's: a member that lost the
//    partition in a rebalance (paused past session.timeout.ms, removed, the partition moved on)
//    committing the older position it still holds. The coordinator refuses those: UNKNOWN_MEMBER_ID
//    from a member the group removed, ILLEGAL_GENERATION from a stale generation
//    (GroupCoordinator.handleCommitOffsets); the test-only switch
//    kraftsim.test.coordinator.accepts.stale.generation.commits breaks it. Not judged: offsets a
//    coordinator loads from __consumer_offsets after a failover (their loss is a replication
//    matter, see partition-hw-monotonic and acked-write-durable).
// Scenarios leave time after their last fault for the group to settle.
#pragma once

#include <memory>

#include "sim/check/checker.h"

namespace kraftsim::check {

std::unique_ptr<Checker> make_group_single_owner_checker(const ClusterView& view);
std::unique_ptr<Checker> make_committed_offset_monotonic_checker();

}  // namespace kraftsim::check

// Invariants of consumer groups, from the consumers' own reports in the trace:
//  - group-single-owner: in each generation of a group, every partition is owned by at most one
//    member (group-joined events: the partitions a member owns after joining that generation);
//    and after the run settles, every partition of the group's topic is owned by exactly one live
//    member (the latest group-joined of each consumer process still running, not revoked since,
//    all of the newest generation). Kafka's eager assignors guarantee it because every member
//    revokes its partitions before rejoining; the test-only consumer switch
//    kraftsim.consumer.ignore.revocation breaks it.
// Scenarios leave time after their last fault for the group to settle.
#pragma once

#include <memory>

#include "sim/check/checker.h"

namespace kraftsim::check {

std::unique_ptr<Checker> make_group_single_owner_checker(const ClusterView& view);

}  // namespace kraftsim::check

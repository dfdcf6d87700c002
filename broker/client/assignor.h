// The consumer's partition assignors (ConsumerPartitionAssignor), run by the group leader on
// the members' subscriptions after JoinGroup, as Kafka's consumer does:
//  - range (RangeAssignor, first in Kafka's default partition.assignment.strategy): per topic,
//    the members subscribed to it in member-id order each get a contiguous range; the first
//    (partitions % members) members get one more.
//  - roundrobin (RoundRobinAssignor): every subscribed partition, in (topic, partition) order,
//    goes to the next member in member-id order that subscribes to its topic.
//  - cooperative-sticky (CooperativeStickyAssignor, KIP-429): balanced (each member gets
//    partitions/members or one more), keeping the partitions each member reports owning; a
//    partition that moves to another member is left out of this generation's assignment, so its
//    owner revokes it and rejoins, and the next rebalance hands it over (incremental rebalancing).
//    kraftsim's sticky step is the constrained case of AbstractStickyAssignor (every member
//    subscribes to the same topics), applied topic by topic.
// range and roundrobin are eager: every member gives up all its partitions before the rebalance
// (the consumer revokes them in onJoinPrepare).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/group_rpc.h"

namespace kraftsim::client {

enum class AssignmentStrategy { range, roundrobin, cooperative_sticky };
// The protocol names: "range", "roundrobin", "cooperative-sticky".
const char* to_string(AssignmentStrategy strategy);
// The cooperative protocol (KIP-429): members keep their partitions through a rebalance.
inline bool is_cooperative(AssignmentStrategy strategy) { return strategy == AssignmentStrategy::cooperative_sticky; }
std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name);

using MemberAssignment = std::map<std::string, std::vector<replication::TopicPartition>>;

// partitions_per_topic: the partition count of every topic (topics missing here are skipped);
// subscriptions: member id -> its subscription. Every member appears in the result.
MemberAssignment assign(AssignmentStrategy strategy, const std::map<std::string, std::int32_t>& partitions_per_topic,
                        const std::map<std::string, protocol::Subscription>& subscriptions);

}  // namespace kraftsim::client

// The consumer's partition assignors (ConsumerPartitionAssignor), run by the group leader on
// the members' subscriptions after JoinGroup, as Kafka's consumer does:
//  - range (RangeAssignor, first in Kafka's default partition.assignment.strategy): per topic,
//    the members subscribed to it in member-id order each get a contiguous range; the first
//    (partitions % members) members get one more.
//  - roundrobin (RoundRobinAssignor): every subscribed partition, in (topic, partition) order,
//    goes to the next member in member-id order that subscribes to its topic.
// Both are eager: every member gives up all its partitions before the rebalance (the consumer
// revokes them in onJoinPrepare). cooperative-sticky (KIP-429) is not modelled.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/group_rpc.h"

namespace kraftsim::client {

enum class AssignmentStrategy { range, roundrobin };
const char* to_string(AssignmentStrategy strategy);  // "range", "roundrobin" (the protocol names)
std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name);

using MemberAssignment = std::map<std::string, std::vector<replication::TopicPartition>>;

// partitions_per_topic: the partition count of every topic (topics missing here are skipped);
// subscriptions: member id -> its subscription. Every member appears in the result.
MemberAssignment assign(AssignmentStrategy strategy, const std::map<std::string, std::int32_t>& partitions_per_topic,
                        const std::map<std::string, protocol::Subscription>& subscriptions);

}  // namespace kraftsim::client

// Deterministic replica placement for new partitions. Kafka's StripedReplicaPlacer shuffles
// brokers randomly (and by rack); kraftsim places deterministically so that runs are easy to
// read: partition p gets `replication_factor` consecutive brokers of the sorted unfenced broker
// list, starting at (start_index + p) mod n. The first replica is the preferred leader, so
// leaders go round-robin over the brokers. Only unfenced brokers are used (a simplification:
// Kafka may place followers on fenced brokers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "broker/metadata/records.h"

namespace kraftsim::controller {

// Precondition: 1 <= replication_factor <= brokers.size(), brokers sorted and distinct.
std::vector<std::vector<metadata::BrokerId>> place_replicas(const std::vector<metadata::BrokerId>& brokers,
                                                            std::int32_t partition_count,
                                                            std::int32_t replication_factor,
                                                            std::size_t start_index);

}  // namespace kraftsim::controller

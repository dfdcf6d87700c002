// Round-robin replica placement (replica_placement.h).
#include "broker/controller/replica_placement.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::controller {

std::vector<std::vector<metadata::BrokerId>> place_replicas(const std::vector<metadata::BrokerId>& brokers,
                                                            std::int32_t partition_count,
                                                            std::int32_t replication_factor,
                                                            std::size_t start_index) {
  KS_ASSERT(partition_count >= 1);
  KS_ASSERT(replication_factor >= 1);
  KS_ASSERT(static_cast<std::size_t>(replication_factor) <= brokers.size());
  KS_ASSERT(std::is_sorted(brokers.begin(), brokers.end()));
  KS_ASSERT(std::adjacent_find(brokers.begin(), brokers.end()) == brokers.end());
  const std::size_t n = brokers.size();
  std::vector<std::vector<metadata::BrokerId>> assignment;
  assignment.reserve(static_cast<std::size_t>(partition_count));
  for (std::int32_t p = 0; p < partition_count; ++p) {
    std::vector<metadata::BrokerId> replicas;
    replicas.reserve(static_cast<std::size_t>(replication_factor));
    const std::size_t first = (start_index + static_cast<std::size_t>(p)) % n;
    for (std::int32_t r = 0; r < replication_factor; ++r) {
      replicas.push_back(brokers[(first + static_cast<std::size_t>(r)) % n]);
    }
    assignment.push_back(std::move(replicas));
  }
  KS_ASSERT(assignment.size() == static_cast<std::size_t>(partition_count));
  return assignment;
}

}  // namespace kraftsim::controller

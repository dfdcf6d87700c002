// check::finish_run (see end_of_run.h).
#include "sim/check/end_of_run.h"

#include <algorithm>
#include <map>
#include <vector>

namespace kraftsim::check {

void finish_run(std::span<Checker* const> checkers, const ClusterView& view, std::int64_t t_us) {
  // Which checkers judge each partition, in checker order.
  std::map<PartitionKey, std::vector<Checker*>> judges;
  for (Checker* c : checkers) {
    std::vector<PartitionKey> partitions = c->end_partitions();
    std::sort(partitions.begin(), partitions.end());
    partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    for (const PartitionKey& p : partitions) judges[p].push_back(c);
  }
  // view.partition_replicas keeps one partition's decoded records: the next partition's reuse
  // its memory (fresh pages cost more than the decoding in a VM: docs/PERFORMANCE.md).
  for (const auto& [partition, readers] : judges) {
    const std::vector<PartitionReplicaView>& replicas = view.partition_replicas(partition.first, partition.second);
    for (Checker* c : readers) c->on_end_partition(t_us, partition, replicas);
  }
  for (Checker* c : checkers) c->on_end(t_us);
}

}  // namespace kraftsim::check

// Test support: a ClusterView for checkers judged at the end of a run, with the replicas of one
// partition, "orders-0" (every other partition: none), no quorum cores, and every link up.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/check/checker.h"

namespace kraftsim::testing {

class OrdersZeroView final : public check::ClusterView {
 public:
  OrdersZeroView(std::vector<NodeId> nodes, std::vector<check::PartitionReplicaView> replicas)
      : nodes_(std::move(nodes)), replicas_(std::move(replicas)) {}

  std::vector<NodeId> voters() const override { return nodes_; }
  std::vector<NodeId> nodes() const override { return nodes_; }
  const raft::QuorumCore* quorum(NodeId) const override { return nullptr; }
  bool link_up(NodeId, NodeId) const override { return true; }
  const std::vector<check::PartitionReplicaView>& partition_replicas(const std::string& topic,
                                                                     std::int32_t partition) const override {
    static const std::vector<check::PartitionReplicaView> none;
    return topic == "orders" && partition == 0 ? replicas_ : none;
  }

 private:
  std::vector<NodeId> nodes_;
  std::vector<check::PartitionReplicaView> replicas_;
};

}  // namespace kraftsim::testing

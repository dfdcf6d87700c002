// Building a Kafka cluster in a World from a scenario: formatting each node's storage the way
// `kafka-storage.sh format` does (meta.properties with cluster.id, node.id, directory.id), the
// node configurations with Kafka's keys, and the KafkaNode programs. Also the read-only view of
// the nodes the checkers use.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "sim/check/checker.h"
#include "sim/check/produced_batches.h"
#include "sim/runner/scenario.h"
#include "sim/world/world.h"

namespace kraftsim::runner {

// controller.quorum.voters of the scenario: its own, or every controller node as N@kafkaN:9093.
std::string voters_of(const Scenario& scenario);

// The full Kafka properties of one node (node.id, process.roles, voters, cluster and node keys).
std::map<std::string, std::string> node_properties(const Scenario& scenario, const NodeSpec& node);

// Writes meta.properties durably on the node's disk (the format step, before the run).
void format_storage(sim::Disk& disk, const std::string& cluster_id, NodeId node_id, Rng& rng);

// Adds every node of the scenario to the world as a KafkaNode (formatting its storage first
// unless the scenario says it is unformatted). A configuration error names the node and key.
Result<bool, std::string> build_kafka_cluster(const Scenario& scenario, sim::World& world);

// The id of the admin client that creates the scenario's topics (a process of its own).
NodeId admin_node_id(const Scenario& scenario);
// The id of the scenario's index-th producer client (after the admin client's).
NodeId producer_node_id(const Scenario& scenario, std::size_t index);
// The id of the scenario's index-th consumer client (after the producers').
NodeId consumer_node_id(const Scenario& scenario, std::size_t index);

class WorldClusterView final : public check::ClusterView {
 public:
  WorldClusterView(const sim::World& world, std::vector<NodeId> voters) : world_(world), voters_(std::move(voters)) {}
  std::vector<NodeId> voters() const override { return voters_; }
  std::vector<NodeId> nodes() const override { return world_.node_ids(); }
  const raft::QuorumCore* quorum(NodeId node) const override;
  bool link_up(NodeId from, NodeId to) const override { return world_.network().link_up(from, to); }
  // Decoding every replica's segments is the costly part of judging a run. The answer for the
  // last partition asked is kept while the world stands still (same trace length): the end of a
  // run shows it to every checker that judges that partition. Only one partition is kept, so the
  // next one's decoding reuses its memory.
  const std::vector<check::PartitionReplicaView>& partition_replicas(const std::string& topic,
                                                                     std::int32_t partition) const override;
  // The acknowledged batches (fed by the run's produce-acked events): a replica's batch that is
  // one of them is read from it, not decoded (sim/check/produced_batches.h). nullptr: decode all.
  void recognise_batches(const check::ProducedBatches* produced) { produced_ = produced; }
  // Batches partition_replicas decoded, and those it recognised instead (each once per
  // partition: replicas that share a batch count it once).
  std::int64_t batches_decoded() const { return batches_decoded_; }
  std::int64_t batches_recognised() const { return batches_recognised_; }

 private:
  struct CachedReplicas {
    check::PartitionKey partition;
    std::uint64_t trace_size = 0;  // 0: nothing kept
    std::vector<check::PartitionReplicaView> replicas;
  };
  const sim::World& world_;
  std::vector<NodeId> voters_;
  mutable CachedReplicas replicas_cache_;
  const check::ProducedBatches* produced_ = nullptr;
  mutable std::int64_t batches_decoded_ = 0;
  mutable std::int64_t batches_recognised_ = 0;
};

}  // namespace kraftsim::runner

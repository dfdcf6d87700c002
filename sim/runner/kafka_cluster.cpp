// Kafka cluster construction and the checkers' node view (see kafka_cluster.h).
#include "sim/runner/kafka_cluster.h"

#include <fmt/format.h>

#include "broker/client/admin_client.h"
#include "broker/common/uuid.h"
#include "broker/node/kafka_node.h"
#include "broker/node/meta_properties.h"

namespace kraftsim::runner {

std::string voters_of(const Scenario& scenario) {
  if (!scenario.voters.empty()) return scenario.voters;
  std::string out;
  for (const NodeSpec& n : scenario.nodes) {
    if (n.roles.find("controller") == std::string::npos) continue;
    out += fmt::format("{}{}@kafka{}:9093", out.empty() ? "" : ",", n.id, n.id);
  }
  return out;
}

std::map<std::string, std::string> node_properties(const Scenario& scenario, const NodeSpec& node) {
  std::map<std::string, std::string> p = scenario.config;
  for (const auto& [k, v] : node.config) p[k] = v;
  p["node.id"] = std::to_string(node.id);
  p["process.roles"] = node.roles;
  p["controller.quorum.voters"] = voters_of(scenario);
  return p;
}

void format_storage(sim::Disk& disk, const std::string& cluster_id, NodeId node_id, Rng& rng) {
  node::MetaProperties meta;
  meta.cluster_id = cluster_id;
  meta.node_id = node_id;
  meta.directory_id = uuid_to_string(random_uuid([&rng] { return rng.next_u64(); }));
  const std::string text = node::encode_meta_properties(meta);
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  auto written = disk.write_at(node::meta_properties_path, 0, env::ByteView(data, text.size()));
  KS_ASSERT(written.ok());
  KS_ASSERT(disk.sync_file(node::meta_properties_path).ok());
  KS_ASSERT(disk.sync_dir("").ok());
}

Result<bool, std::string> build_kafka_cluster(const Scenario& scenario, sim::World& world) {
  Rng format_rng(world.seed(), "format");
  for (const NodeSpec& n : scenario.nodes) {
    auto config = node::parse_node_config(node_properties(scenario, n));
    if (!config.ok()) {
      return unexpected(fmt::format("node {}: {}: {}", n.id, config.error().key, config.error().message));
    }
    node::KafkaNodeOptions options;
    options.config = std::move(config.value());
    options.metadata_writes_per_s = scenario.metadata_writes_per_s;
    for (const std::string& m : scenario.test_only_mutations) {
      if (m == "raft-grant-vote-without-log-check") options.test_only_grant_vote_without_log_check = true;
      if (m == "raft-advance-hw-without-own-epoch-commit") options.test_only_advance_hw_without_own_epoch_commit = true;
    }
    sim::NodeHost& host = world.add_node(n.id, fmt::format("kafka{}", n.id), [options](env::Env& env) {
      return std::make_unique<node::KafkaNode>(env, options);
    });
    if (n.formatted) {
      format_storage(host.disk(), n.format_cluster_id.empty() ? scenario.cluster_id : n.format_cluster_id, n.id,
                     format_rng);
    }
  }
  if (!scenario.topics.empty()) {
    client::AdminClientConfig admin;
    for (const NodeSpec& n : scenario.nodes) {
      if (n.roles.find("controller") != std::string::npos) admin.controllers.push_back(n.id);
    }
    for (const TopicSpec& t : scenario.topics) {
      controller::CreateTopicsRequest::CreatableTopic topic;
      topic.name = t.name;
      topic.num_partitions = t.partitions;
      topic.replication_factor = static_cast<std::int16_t>(t.replication_factor);
      for (const auto& [k, v] : t.config) topic.configs.push_back({k, v});
      admin.topics.push_back(std::move(topic));
    }
    world.add_node(admin_node_id(scenario), "admin", [admin](env::Env& env) {
      return std::make_unique<client::AdminClient>(env, admin);
    });
  }
  return true;
}

NodeId admin_node_id(const Scenario& scenario) {
  NodeId max_id = 0;
  for (const NodeSpec& n : scenario.nodes) max_id = std::max(max_id, n.id);
  return max_id + 1000;  // clear of every node id, and stable for a scenario
}

const raft::QuorumCore* WorldClusterView::quorum(NodeId node) const {
  if (!world_.has_node(node)) return nullptr;
  const auto* kafka = dynamic_cast<const node::KafkaNode*>(world_.node(node).program());
  if (kafka == nullptr || !kafka->raft_started()) return nullptr;
  return &kafka->quorum();
}

}  // namespace kraftsim::runner

// CoordinatorDriver: the group coordinator's I/O on a broker (the part of Kafka's KafkaApis,
// GroupCoordinator and GroupMetadataManager that talks to the log and the network). It drives
// the sans-I/O broker/coordinator/GroupCoordinator:
//  - FindCoordinator, answered from the metadata image: the leader of __consumer_offsets
//    partition abs(hashCode(group)) % offsets.topic.num.partitions. While the topic does not
//    exist the broker asks the active controller to create it (CreateTopics, like Kafka's
//    AutoTopicCreationManager, with offsets.topic.num.partitions and
//    offsets.topic.replication.factor) and answers COORDINATOR_NOT_AVAILABLE; with fewer brokers
//    than the replication factor the creation fails and the answer stays COORDINATOR_NOT_AVAILABLE.
//  - the group APIs, handed to the core with a token and answered when it says;
//  - the core's appends: OffsetCommit records as one batch through ReplicaManager::append_local
//    (the leader's replicated path, acks=all; the answer comes when the high watermark passes);
//  - leadership of __consumer_offsets partitions: on becoming leader the partition's log is read
//    from its start to its end and replayed into the core (loadGroupsAndOffsets), after
//    coordinator_load_delay; on losing it the core unloads the partition's groups.
// Trace: coordinator-loaded {partition, leader_epoch, records, groups}, coordinator-unloaded
// {partition}, offsets-topic-create {error}, and the core's events (group-rebalance,
// group-generation, group-member-removed, offset-commit).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/random.h"
#include "broker/controller/requests.h"
#include "broker/coordinator/group_coordinator.h"
#include "broker/env/env.h"
#include "broker/metadata/image.h"
#include "broker/node/node_config.h"
#include "broker/node/replica_manager.h"

namespace kraftsim::node {

// Kafka loads on a scheduler thread; the time a load takes is modelled as this fixed pause
// (requests for the partition's groups get COORDINATOR_LOAD_IN_PROGRESS meanwhile).
inline constexpr Duration coordinator_load_delay = milliseconds(20);
// The CreateTopics for __consumer_offsets is given up after this and asked again on the next
// FindCoordinator.
inline constexpr Duration offsets_topic_create_timeout = milliseconds(5000);
// Bytes read per step while loading a partition.
inline constexpr std::uint64_t coordinator_load_read_bytes = 1 << 20;
// Requests the core holds at once (joins and syncs wait for the rest of the group).
inline constexpr std::size_t coordinator_requests_max = 65536;

struct CoordinatorDriverHooks {
  std::function<std::optional<NodeId>()> active_controller;
};

class CoordinatorDriver {
 public:
  CoordinatorDriver(env::Env& env, const NodeConfig& config, ReplicaManager& replicas, CoordinatorDriverHooks hooks);
  CoordinatorDriver(const CoordinatorDriver&) = delete;
  CoordinatorDriver& operator=(const CoordinatorDriver&) = delete;

  // True when the request is a group API (FindCoordinator, JoinGroup, ...) and was taken.
  bool on_request(NodeId from, const protocol::KafkaRpc& rpc);
  void on_metadata_update(const metadata::MetadataImage& image);
  // ReplicaManager's hook: a hosted partition changed (role, epoch, high watermark).
  void on_partition_changed(const replication::TopicPartition& tp);
  void on_create_topics_response(std::uint64_t correlation_id, const controller::CreateTopicsResponse& response);
  void on_connection_lost(NodeId peer);

  const coordinator::GroupCoordinator& core() const { return core_; }

 private:
  void on_find_coordinator(NodeId from, std::uint64_t correlation_id, const protocol::FindCoordinatorRequest& request);
  void maybe_create_offsets_topic();
  // Leads, loads and unloads __consumer_offsets partitions as the replica roles say.
  void check_partitions();
  void load(std::int32_t partition, std::int32_t leader_epoch);
  void drain();
  void arm_timer();

  env::Env& env_;
  const NodeConfig& config_;
  ReplicaManager& replicas_;
  CoordinatorDriverHooks hooks_;
  const metadata::MetadataImage* image_ = nullptr;
  Rng rng_;
  coordinator::GroupCoordinator core_;
  std::int32_t offsets_partitions_ = 50;
  std::int16_t offsets_replication_factor_ = 3;
  // Partitions this broker leads as coordinator: partition -> the leader epoch it loaded (or is loading).
  std::map<std::int32_t, std::int32_t> led_;
  std::uint64_t next_token_ = 1;
  std::map<coordinator::RequestToken, std::pair<NodeId, std::uint64_t>> reply_to_;
  std::uint64_t next_correlation_ = 1;
  std::optional<std::uint64_t> create_in_flight_;
  NodeId create_to_ = no_node;
  env::TimerId timer_;
  Time timer_deadline_ = Time::max();
  bool check_scheduled_ = false;
};

}  // namespace kraftsim::node

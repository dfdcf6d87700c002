// KafkaNode: the program a simulated Kafka server runs, in KRaft mode. At start-up it does what
// Kafka's KafkaRaftServer does, in order: read meta.properties (refuse to start without it or
// with another node id), recover the metadata log, and join the controller quorum as a voter
// (process.roles contains controller) or as an observer (broker only). Then:
//  - every node replays the committed metadata log into its MetadataImage (and loads metadata
//    snapshots), which is where later layers learn partition leadership;
//  - a controller whose Raft role is Leader becomes the active controller (QuorumController)
//    once its LeaderChange record commits, writes NoOpRecords every
//    metadata.max.idle.interval.ms (KIP-835), and answers controller RPCs;
//  - a broker registers and heartbeats (BrokerLifecycle), hosts partitions (ReplicaManager) and
//    coordinates the consumer groups whose __consumer_offsets partitions it leads
//    (CoordinatorDriver);
//  - every node writes a metadata snapshot after metadata.log.max.record.bytes.between.snapshots
//    bytes of new records, so the log prefix can go and late followers use FetchSnapshot.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "broker/controller/quorum_controller.h"
#include "broker/env/env.h"
#include "broker/metadata/image.h"
#include "broker/node/broker_lifecycle.h"
#include "broker/node/coordinator_driver.h"
#include "broker/node/meta_properties.h"
#include "broker/node/node_config.h"
#include "broker/node/producer_id_manager.h"
#include "broker/node/raft_driver.h"
#include "broker/node/replica_manager.h"

namespace kraftsim::node {

struct KafkaNodeOptions {
  NodeConfig config;
  // Extra metadata records per second the active controller writes (load for benchmarks and
  // property tests); 0 = none beyond Kafka's own periodic NoOpRecords.
  std::int64_t metadata_writes_per_s = 0;
  // Test-only mutation switches (see raft::QuorumConfig and controller::ControllerConfig).
  bool test_only_grant_vote_without_log_check = false;
  bool test_only_advance_hw_without_own_epoch_commit = false;
  bool test_only_elect_leader_outside_isr = false;

  // With a Raft mutation on, committed metadata can diverge between nodes (that is the point),
  // and the metadata layer would replay impossible histories. The node then runs the quorum
  // alone: no controller, no broker registration, no image; the leader writes raw NoOpRecords.
  bool quorum_only() const { return test_only_grant_vote_without_log_check || test_only_advance_hw_without_own_epoch_commit; }
};

class KafkaNode final : public env::Program {
 public:
  KafkaNode(env::Env& env, KafkaNodeOptions options);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;
  void on_connection_refused(NodeId peer) override;
  void on_shutdown_requested(env::Env& env) override;

  // Read-only accessors for checkers and tests.
  const NodeConfig& config() const { return options_.config; }
  const std::optional<MetaProperties>& meta() const { return meta_; }
  bool raft_started() const { return raft_ && raft_->started(); }
  const raft::QuorumCore& quorum() const { return raft_->core(); }
  // The committed metadata as this node has applied it.
  const metadata::MetadataImage& image() const { return image_; }
  std::int64_t applied_metadata_offset() const { return applied_offset_; }
  bool is_active_controller() const { return controller_ && controller_->is_active(); }
  const controller::QuorumController* quorum_controller() const { return controller_ ? &*controller_ : nullptr; }
  const BrokerLifecycle* broker_lifecycle() const { return lifecycle_ ? &*lifecycle_ : nullptr; }
  // The partitions this broker hosts (broker role only).
  const ReplicaManager* replica_manager() const { return replicas_ ? &*replicas_ : nullptr; }
  // The group coordinator (broker role only).
  const CoordinatorDriver* group_coordinator() const { return coordinator_ ? &*coordinator_ : nullptr; }

 private:
  raft::QuorumConfig quorum_config() const;
  controller::ControllerConfig controller_config() const;
  // The test-only switch kraftsim.test.partition.leader.epoch.not.bumped (metadata::MetadataImage).
  bool leader_epoch_not_bumped() const;
  void fail_start(const std::string& reason);

  // Metadata log -> state.
  void on_committed(const raft::Entry& entry);
  void on_snapshot_loaded(const raft::SnapshotImage& snapshot);
  void on_state_change(const raft::StateChange& change);
  void maybe_snapshot();
  void maybe_publish_image();
  void finish_shutdown();

  // Active controller.
  void on_controller_request(NodeId from, std::uint64_t correlation_id, const controller::ControllerRequest& request);
  void drain_controller();
  void arm_controller_timer();
  void on_noop_timer();
  void on_load_timer();
  bool write_noop();  // through the active controller, or straight to Raft in quorum-only mode

  env::Env& env_;
  KafkaNodeOptions options_;
  std::optional<MetaProperties> meta_;
  std::optional<RaftDriver> raft_;
  Rng controller_rng_;
  std::optional<controller::QuorumController> controller_;  // controller role only
  std::optional<BrokerLifecycle> lifecycle_;                 // broker role only
  // Kafka's BrokerServer enables request processing on the broker listener once the broker is
  // unfenced; until then client and replica connections are refused (Env::refuse).
  bool broker_listener_open_ = false;
  std::optional<ReplicaManager> replicas_;                   // broker role only
  std::optional<ProducerIdManager> producer_ids_;            // broker role only
  std::optional<CoordinatorDriver> coordinator_;             // broker role only
  metadata::MetadataImage image_;
  std::int64_t applied_offset_ = -1;              // last applied metadata offset
  bool image_changed_ = false;    // since the replica manager last saw the image
  bool image_caught_up_ = false;  // the image reached the high watermark once (MetadataLoader)
  std::int64_t bytes_since_snapshot_ = 0;
  std::int64_t last_snapshot_end_ = 0;
  Time last_snapshot_at_;

  std::uint64_t next_reply_token_ = 1;
  std::map<controller::ReplyToken, std::pair<NodeId, std::uint64_t>> reply_to_;  // token -> (node, correlation)
  env::TimerId controller_timer_;
  Time controller_timer_deadline_ = Time::max();
  env::TimerId noop_timer_;
  env::TimerId load_timer_;
};

}  // namespace kraftsim::node

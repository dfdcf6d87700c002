// KafkaNode: the program a simulated Kafka server runs, in KRaft mode. At start-up it does what
// Kafka's KafkaRaftServer does, in order: read meta.properties (refuse to start without it or
// with another node id), recover the metadata log, and join the controller quorum as a voter
// (process.roles contains controller) or as an observer (broker only). Every node keeps the
// cluster metadata image by replaying the committed metadata log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/env/env.h"
#include "broker/node/meta_properties.h"
#include "broker/node/node_config.h"
#include "broker/node/raft_driver.h"

namespace kraftsim::node {

struct KafkaNodeOptions {
  NodeConfig config;
  // Extra metadata records per second the active controller writes (load for benchmarks and
  // property tests); 0 = none.
  std::int64_t metadata_writes_per_s = 0;
  // Test-only mutation switches of the quorum core (see raft::QuorumConfig).
  bool test_only_grant_vote_without_log_check = false;
  bool test_only_advance_hw_without_own_epoch_commit = false;
};

class KafkaNode final : public env::Program {
 public:
  KafkaNode(env::Env& env, KafkaNodeOptions options);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;
  void on_shutdown_requested(env::Env& env) override;

  // Read-only accessors for checkers and tests.
  const NodeConfig& config() const { return options_.config; }
  const std::optional<MetaProperties>& meta() const { return meta_; }
  bool raft_started() const { return raft_ && raft_->started(); }
  const raft::QuorumCore& quorum() const { return raft_->core(); }
  std::int64_t committed_records() const { return committed_records_; }

 private:
  raft::QuorumConfig quorum_config() const;
  void on_committed(const raft::Entry& entry);
  void on_state_change(const raft::StateChange& change);
  void on_metadata_write_timer();

  env::Env& env_;
  KafkaNodeOptions options_;
  std::optional<MetaProperties> meta_;
  std::optional<RaftDriver> raft_;
  std::int64_t committed_records_ = 0;
  std::int64_t next_write_ = 0;
  env::TimerId write_timer_;
};

}  // namespace kraftsim::node

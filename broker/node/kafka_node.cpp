// KafkaNode: start-up checks, the quorum, and the metadata write load (see kafka_node.h).
#include "broker/node/kafka_node.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace kraftsim::node {

KafkaNode::KafkaNode(env::Env& env, KafkaNodeOptions options) : env_(env), options_(std::move(options)) {
  KS_ASSERT(options_.config.node_id == env_.self());
}

raft::QuorumConfig KafkaNode::quorum_config() const {
  const NodeConfig& c = options_.config;
  raft::QuorumConfig q;
  q.node_id = c.node_id;
  for (const Voter& v : c.voters) q.voter_ids.push_back(v.id);
  q.cluster_id = meta_->cluster_id;
  q.election_timeout = milliseconds(c.int_or("controller.quorum.election.timeout.ms", 1000));
  q.fetch_timeout = milliseconds(c.int_or("controller.quorum.fetch.timeout.ms", 2000));
  q.election_backoff_max = milliseconds(c.int_or("controller.quorum.election.backoff.max.ms", 1000));
  q.request_timeout = milliseconds(c.int_or("controller.quorum.request.timeout.ms", 2000));
  q.retry_backoff = milliseconds(c.int_or("controller.quorum.retry.backoff.ms", 20));
  q.test_only_grant_vote_without_log_check = options_.test_only_grant_vote_without_log_check;
  q.test_only_advance_hw_without_own_epoch_commit = options_.test_only_advance_hw_without_own_epoch_commit;
  return q;
}

void KafkaNode::on_start() {
  // 1. meta.properties (Kafka: MetaPropertiesEnsemble.verify in KafkaRaftServer).
  auto meta = read_meta_properties(env_.files());
  if (!meta.ok()) {
    env_.record("startup-failed", {{"reason", meta.error()}});
    env_.exit(meta.error());
    return;
  }
  if (meta->node_id != options_.config.node_id) {
    const std::string reason = fmt::format("meta.properties has node.id={} but the configuration has node.id={}",
                                           meta->node_id, options_.config.node_id);
    env_.record("startup-failed", {{"reason", reason}});
    env_.exit(reason);
    return;
  }
  if (!options_.config.cluster_id.empty() && options_.config.cluster_id != meta->cluster_id) {
    const std::string reason = fmt::format("Invalid cluster.id in meta.properties. Expected {}, but read {}",
                                           options_.config.cluster_id, meta->cluster_id);
    env_.record("startup-failed", {{"reason", reason}});
    env_.exit(reason);
    return;
  }
  meta_ = *meta;
  env_.record("node-started", {{"roles", options_.config.roles_string()}, {"cluster_id", meta_->cluster_id},
                               {"voter", options_.config.is_voter()}});

  // 2. The metadata log and the quorum.
  RaftHooks hooks;
  hooks.on_committed = [this](const raft::Entry& e) { on_committed(e); };
  hooks.on_state_change = [this](const raft::StateChange& c) { on_state_change(c); };
  raft_.emplace(env_, quorum_config(), static_cast<std::uint64_t>(options_.config.int_or("metadata.log.segment.bytes", 1 << 20)),
                std::move(hooks));
  auto started = raft_->start();
  if (!started.ok()) {
    env_.record("startup-failed", {{"reason", started.error()}});
    env_.exit(started.error());
    return;
  }
}

void KafkaNode::on_message(const protocol::Message& message) {
  if (const auto* rpc = std::get_if<protocol::RaftRpc>(&message.body)) {
    if (raft_ && raft_->started()) raft_->on_message(message.from, rpc->message);
  }
}

void KafkaNode::on_connection_lost(NodeId peer) {
  // Kafka's NetworkClient fails the in-flight requests of a broken connection at once.
  if (raft_ && raft_->started()) raft_->on_connection_lost(peer);
}

void KafkaNode::on_shutdown_requested(env::Env& /*env*/) {
  // Kafka's controlled shutdown of the quorum: a leader resigns (EndQuorumEpoch names its
  // preferred successors, KIP-595) and gives the message time to leave before the process stops.
  if (raft_ && raft_->started() && raft_->core().role() == raft::Role::leader) {
    raft_->resign();
    env_.set_timer(milliseconds(200), "shutdown", [this] { env_.exit("graceful shutdown"); });
    return;
  }
  env_.exit("graceful shutdown");
}

void KafkaNode::on_committed(const raft::Entry& entry) {
  ++committed_records_;
  (void)entry;
}

void KafkaNode::on_state_change(const raft::StateChange& change) {
  if (options_.metadata_writes_per_s <= 0) return;
  if (change.role == raft::Role::leader && !write_timer_.valid()) {
    on_metadata_write_timer();
  }
}

void KafkaNode::on_metadata_write_timer() {
  write_timer_ = {};
  if (!raft_ || raft_->core().role() != raft::Role::leader) return;
  const std::string payload = fmt::format("noop node={} n={}", options_.config.node_id, next_write_++);
  (void)raft_->append(env::Bytes(payload.begin(), payload.end()));
  const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / options_.metadata_writes_per_s);
  write_timer_ = env_.set_timer(microseconds(interval_us), "metadata-write", [this] { on_metadata_write_timer(); });
}

}  // namespace kraftsim::node

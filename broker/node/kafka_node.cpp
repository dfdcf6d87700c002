// KafkaNode: start-up, the metadata log, the active controller and the broker lifecycle (see
// kafka_node.h).
#include "broker/node/kafka_node.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "base/hash.h"
#include "broker/metadata/record_describe.h"

namespace kraftsim::node {

namespace {

// A metadata snapshot's bytes: every record of the image, each as a 4-byte big-endian length
// and the record in Kafka's MetadataRecordSerde encoding.
env::Bytes encode_snapshot(const metadata::MetadataImage& image) {
  env::Bytes out;
  for (const auto& record : image.snapshot_records()) {
    const auto bytes = metadata::encode_record(record);
    const auto n = static_cast<std::uint32_t>(bytes.size());
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

Result<std::vector<metadata::MetadataRecord>, std::string> decode_snapshot(const env::Bytes& bytes) {
  std::vector<metadata::MetadataRecord> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (at + 4 > bytes.size()) return unexpected(std::string("truncated snapshot record length"));
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | bytes[at + static_cast<std::size_t>(i)];
    at += 4;
    if (at + n > bytes.size()) return unexpected(std::string("truncated snapshot record"));
    auto record = metadata::decode_record(env::ByteView(bytes).subspan(at, n));
    if (!record.ok()) return unexpected(fmt::format("bad snapshot record at byte {}", at));
    out.push_back(std::move(record.value()));
    at += n;
  }
  return out;
}

}  // namespace

KafkaNode::KafkaNode(env::Env& env, KafkaNodeOptions options)
    : env_(env), options_(std::move(options)), controller_rng_(env.random().next_u64()) {
  KS_ASSERT(options_.config.node_id == env_.self());
  image_.set_test_only_leader_epoch_not_bumped(leader_epoch_not_bumped());
}

bool KafkaNode::leader_epoch_not_bumped() const {
  return options_.config.bool_or("kraftsim.test.partition.leader.epoch.not.bumped", false);
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

controller::ControllerConfig KafkaNode::controller_config() const {
  const NodeConfig& c = options_.config;
  controller::ControllerConfig cc;
  cc.node_id = c.node_id;
  cc.cluster_id = meta_->cluster_id;
  cc.broker_session_timeout = milliseconds(c.int_or("broker.session.timeout.ms", 9000));
  cc.num_partitions = static_cast<std::int32_t>(c.int_or("num.partitions", 1));
  cc.default_replication_factor = static_cast<std::int16_t>(c.int_or("default.replication.factor", 1));
  cc.unclean_leader_election_enable = c.bool_or("unclean.leader.election.enable", false);
  cc.test_only_elect_leader_outside_isr = options_.test_only_elect_leader_outside_isr;
  cc.test_only_leader_epoch_not_bumped = leader_epoch_not_bumped();
  return cc;
}

void KafkaNode::fail_start(const std::string& reason) {
  env_.record("startup-failed", {{"reason", reason}});
  env_.exit(reason);
}

void KafkaNode::on_start() {
  // 1. meta.properties (Kafka: MetaPropertiesEnsemble.verify in KafkaRaftServer).
  auto meta = read_meta_properties(env_.files());
  if (!meta.ok()) return fail_start(meta.error());
  if (meta->node_id != options_.config.node_id) {
    return fail_start(fmt::format("meta.properties has node.id={} but the configuration has node.id={}", meta->node_id,
                                  options_.config.node_id));
  }
  if (!options_.config.cluster_id.empty() && options_.config.cluster_id != meta->cluster_id) {
    return fail_start(fmt::format("Invalid cluster.id in meta.properties. Expected {}, but read {}",
                                  options_.config.cluster_id, meta->cluster_id));
  }
  meta_ = *meta;
  const std::string roles = options_.config.roles_string();
  env_.record("node-started", {{"roles", roles}, {"cluster_id", meta_->cluster_id},
                               {"voter", options_.config.is_voter()}});

  if (options_.config.controller && !options_.quorum_only()) controller_.emplace(controller_config(), controller_rng_);

  // 2. The partitions this broker hosts come from the metadata log, so the replica manager
  // exists before the log is replayed (Kafka: ReplicaManager starts before the metadata
  // listener catches up; the broker acts on the image as records are applied).
  if (options_.config.broker && !options_.quorum_only()) {
    ReplicaManagerHooks replica_hooks;
    replica_hooks.active_controller = [this]() -> std::optional<NodeId> {
      if (!raft_started()) return std::nullopt;
      return raft_->core().leader_id();
    };
    replica_hooks.broker_epoch = [this]() -> std::int64_t { return lifecycle_ ? lifecycle_->broker_epoch() : -1; };
    ProducerIdManager::Hooks id_hooks{replica_hooks.active_controller, replica_hooks.broker_epoch};
    producer_ids_.emplace(env_, options_.config.node_id, std::move(id_hooks));
    replica_hooks.on_partition_changed = [this](const replication::TopicPartition& tp) {
      if (coordinator_) coordinator_->on_partition_changed(tp);
    };
    replicas_.emplace(env_, options_.config, std::move(replica_hooks));
    auto replicas_started = replicas_->start();
    if (!replicas_started.ok()) return fail_start(replicas_started.error());
    CoordinatorDriverHooks coordinator_hooks;
    coordinator_hooks.active_controller = [this]() -> std::optional<NodeId> {
      if (!raft_started()) return std::nullopt;
      return raft_->core().leader_id();
    };
    coordinator_.emplace(env_, options_.config, *replicas_, std::move(coordinator_hooks));
  }

  // 3. The metadata log and the quorum.
  RaftHooks hooks;
  hooks.on_committed = [this](const raft::Entry& e) { on_committed(e); };
  hooks.on_snapshot_loaded = [this](const raft::SnapshotImage& s) { on_snapshot_loaded(s); };
  hooks.on_commits_handed_over = [this] { maybe_publish_image(); };
  hooks.on_state_change = [this](const raft::StateChange& c) { on_state_change(c); };
  raft_.emplace(env_, quorum_config(),
                static_cast<std::uint64_t>(options_.config.int_or("metadata.log.segment.bytes", 1 << 20)),
                std::move(hooks));
  auto started = raft_->start();
  if (!started.ok()) return fail_start(started.error());

  // 4. The broker registers with the active controller.
  if (options_.config.broker && !options_.quorum_only()) {
    BrokerLifecycle::Hooks hooks_lifecycle;
    hooks_lifecycle.active_controller = [this]() -> std::optional<NodeId> {
      if (!raft_started()) return std::nullopt;
      return raft_->core().leader_id();
    };
    hooks_lifecycle.applied_metadata_offset = [this] { return applied_offset_; };
    lifecycle_.emplace(env_, meta_->cluster_id, milliseconds(options_.config.int_or("broker.heartbeat.interval.ms", 2000)),
                       std::move(hooks_lifecycle));
    lifecycle_->start();
  }
}

void KafkaNode::on_message(const protocol::Message& message) {
  if (const auto* rpc = std::get_if<protocol::RaftRpc>(&message.body)) {
    if (raft_started()) raft_->on_message(message.from, rpc->message);
    return;
  }
  if (const auto* rpc = std::get_if<protocol::ControllerRpc>(&message.body)) {
    if (const auto* request = std::get_if<controller::ControllerRequest>(&rpc->body)) {
      on_controller_request(message.from, rpc->correlation_id, *request);
    } else if (const auto* alter = std::get_if<controller::AlterPartitionResponse>(
                   &std::get<controller::ControllerResponse>(rpc->body))) {
      if (replicas_) replicas_->on_alter_partition_response(rpc->correlation_id, *alter);
    } else if (const auto* ids = std::get_if<controller::AllocateProducerIdsResponse>(
                   &std::get<controller::ControllerResponse>(rpc->body))) {
      if (producer_ids_) producer_ids_->on_allocate_producer_ids_response(rpc->correlation_id, *ids);
    } else if (const auto* created = std::get_if<controller::CreateTopicsResponse>(
                   &std::get<controller::ControllerResponse>(rpc->body))) {
      if (coordinator_) coordinator_->on_create_topics_response(rpc->correlation_id, *created);
    } else if (lifecycle_) {
      (void)lifecycle_->on_response(message.from, rpc->correlation_id, std::get<controller::ControllerResponse>(rpc->body));
      if (!broker_listener_open_ && lifecycle_->state() == BrokerLifecycle::State::unfenced) {
        // BrokerServer.startup: "Waiting for the broker to be unfenced", then "Enabling request
        // processing" on the broker listener.
        broker_listener_open_ = true;
        env_.record("broker-listener", {{"state", "open"}, {"reason", "unfenced"}});
      }
    }
    return;
  }
  if (const auto* rpc = std::get_if<protocol::KafkaRpc>(&message.body)) {
    if (lifecycle_ && !broker_listener_open_ && rpc->is_request()) {
      // No broker listener yet: the client or replica finds the port closed. (A restarted broker
      // whose old registration is still alive would otherwise serve the leadership its stale
      // image names, from a log a power loss may have emptied: tests/regressions/.)
      env_.refuse(message.from);
      return;
    }
    // A controller-only node serves no client or replica APIs (Kafka: it has no such listener).
    if (const auto* init = std::get_if<protocol::InitProducerIdRequest>(&rpc->body)) {
      if (producer_ids_) producer_ids_->on_init_producer_id(message.from, rpc->correlation_id, *init);
      return;
    }
    if (coordinator_ && coordinator_->on_request(message.from, *rpc)) return;
    if (replicas_) replicas_->on_request(message.from, *rpc);
  }
}

void KafkaNode::on_connection_lost(NodeId peer) {
  // Kafka's NetworkClient fails the in-flight requests of a broken connection at once.
  if (raft_started()) raft_->on_connection_lost(peer);
  if (lifecycle_) lifecycle_->on_connection_lost(peer);
  if (replicas_) replicas_->on_connection_lost(peer);
  if (producer_ids_) producer_ids_->on_connection_lost(peer);
  if (coordinator_) coordinator_->on_connection_lost(peer);
}

void KafkaNode::on_connection_refused(NodeId peer) {
  // Only the replica fetchers connect to another broker's broker listener; Raft, heartbeats,
  // AlterPartition and AllocateProducerIds go to the controller listener, which stays open.
  if (replicas_) replicas_->on_connection_refused(peer);
}

void KafkaNode::on_shutdown_requested(env::Env& /*env*/) {
  // Kafka's shutdown order: the broker's logs are closed first (flushed, checkpointed, marked
  // clean: LogManager.shutdown), then the quorum.
  if (replicas_) {
    replicas_->shutdown([this] { finish_shutdown(); });
    return;
  }
  finish_shutdown();
}

void KafkaNode::finish_shutdown() {
  // Kafka's controlled shutdown of the quorum: a leader resigns (EndQuorumEpoch names its
  // preferred successors, KIP-595) and gives the message time to leave before the process stops.
  if (raft_started() && raft_->core().role() == raft::Role::leader) {
    raft_->resign();
    env_.set_timer(milliseconds(200), "shutdown", [this] { env_.exit("graceful shutdown"); });
    return;
  }
  env_.exit("graceful shutdown");
}

// ---- the metadata log ----

void KafkaNode::on_committed(const raft::Entry& entry) {
  if (options_.quorum_only()) {
    applied_offset_ = entry.offset;
    return;
  }
  if (entry.control) {
    if (controller_) {
      controller_->on_committed_control(env_.now(), entry.offset);
      // Kafka activates the controller when its listener reaches the LeaderChange record of the
      // epoch this node leads: everything before it is then replayed into the image.
      const auto change = raft::decode_leader_change(entry.payload);
      const raft::QuorumCore& core = raft_->core();
      if (change && change->leader_id == env_.self() && core.role() == raft::Role::leader &&
          entry.epoch == core.epoch() && !controller_->is_active()) {
        controller_->on_become_active(env_.now(), core.epoch(), core.log().end_offset());
        env_.record("controller-activated", {{"epoch", core.epoch()}});
        on_noop_timer();
        if (options_.metadata_writes_per_s > 0) on_load_timer();
      }
      drain_controller();
    }
    applied_offset_ = entry.offset;
    return;
  }
  auto record = metadata::decode_record(entry.payload);
  KS_ASSERT_MSG(record.ok(), "a committed metadata record does not decode");
  image_.apply(record.value());
  if (is_active_controller() && !std::holds_alternative<metadata::NoOpRecord>(record.value())) {
    // What the cluster decided, once: registrations, fencing, topics, leader and ISR changes.
    trace::Fields fields{{"offset", entry.offset}, {"record", metadata::name_of(record.value())}};
    metadata::describe(record.value(), image_, fields);
    env_.record("metadata-committed", fields);
  }
  if (controller_) {
    controller_->on_committed_record(env_.now(), entry.offset, record.value());
    drain_controller();
  }
  applied_offset_ = entry.offset;
  if (!std::holds_alternative<metadata::NoOpRecord>(record.value())) image_changed_ = true;
  bytes_since_snapshot_ += static_cast<std::int64_t>(entry.payload.size());
  maybe_snapshot();
}

void KafkaNode::on_snapshot_loaded(const raft::SnapshotImage& snapshot) {
  auto records = decode_snapshot(snapshot.bytes);
  KS_ASSERT_MSG(records.ok(), "a metadata snapshot from the quorum does not decode");
  image_ = metadata::MetadataImage::from_snapshot(records.value());
  image_.set_test_only_leader_epoch_not_bumped(leader_epoch_not_bumped());
  if (controller_) controller_->on_snapshot_loaded(env_.now(), snapshot.id.end_offset, records.value());
  applied_offset_ = snapshot.id.end_offset - 1;
  last_snapshot_end_ = snapshot.id.end_offset;
  bytes_since_snapshot_ = 0;
  env_.record("metadata-snapshot-loaded", {{"end_offset", snapshot.id.end_offset}});
  image_changed_ = true;
}

void KafkaNode::maybe_publish_image() {
  // Kafka's MetadataLoader publishes nothing until it has caught up with the high watermark it
  // learned at start-up: a restarting broker must not act on the historical images it replays
  // on the way (it would follow a leader of an epoch long gone). After that, it publishes once
  // per handleCommit: the image after every record the quorum handed over together, never the
  // ones in between. A broker back from isolation gets the leader changes it missed in one
  // fetch, and must not lead, even for an instant, in an epoch the next record replaced
  // (partition-hw-monotonic caught a broker taking leadership of an epoch long gone).
  if (!replicas_ || !image_changed_) return;
  if (!image_caught_up_) {
    const std::optional<raft::Offset> hw = raft_->core().high_watermark();
    if (!raft_->core().high_watermark_learned() || !hw || applied_offset_ + 1 < *hw) return;
    image_caught_up_ = true;
    env_.record("metadata-caught-up", {{"offset", applied_offset_}});
  }
  image_changed_ = false;
  replicas_->on_metadata_update(image_);
  if (coordinator_) coordinator_->on_metadata_update(image_);
  if (lifecycle_) lifecycle_->set_ready_to_unfence();
}

void KafkaNode::maybe_snapshot() {
  // Kafka's SnapshotGenerator: after metadata.log.max.record.bytes.between.snapshots bytes of
  // new records, or metadata.log.max.snapshot.interval.ms after the last snapshot (0 = never).
  const std::int64_t limit = options_.config.int_or("metadata.log.max.record.bytes.between.snapshots", 20 * 1024 * 1024);
  const std::int64_t interval_ms = options_.config.int_or("metadata.log.max.snapshot.interval.ms", 3'600'000);
  const bool by_bytes = bytes_since_snapshot_ >= limit;
  const bool by_time = interval_ms > 0 && bytes_since_snapshot_ > 0 && env_.now() - last_snapshot_at_ >= milliseconds(interval_ms);
  if (!by_bytes && !by_time) return;
  const std::int64_t end = applied_offset_ + 1;
  if (end <= last_snapshot_end_) return;
  env::Bytes bytes = encode_snapshot(image_);
  Hasher digest;
  digest.add_bytes(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (raft_->snapshot(end, std::move(bytes))) {
    // The digest lets checkers compare snapshots of the same offset across nodes.
    env_.record("metadata-snapshot-written",
                {{"end_offset", end}, {"digest", static_cast<std::int64_t>(digest.value())}});
    last_snapshot_end_ = end;
    last_snapshot_at_ = env_.now();
    bytes_since_snapshot_ = 0;
  }
}

void KafkaNode::on_state_change(const raft::StateChange& change) {
  if (options_.quorum_only() && change.role == raft::Role::leader && !noop_timer_.valid()) {
    on_noop_timer();
    if (options_.metadata_writes_per_s > 0 && !load_timer_.valid()) on_load_timer();
  }
  if (controller_ && controller_->is_active() && change.role != raft::Role::leader) {
    controller_->on_become_inactive(env_.now());
    env_.record("controller-deactivated", {{"epoch", change.epoch}});
    drain_controller();
  }
}

// ---- the active controller ----

void KafkaNode::on_controller_request(NodeId from, std::uint64_t correlation_id,
                                      const controller::ControllerRequest& request) {
  if (!controller_) {
    // A broker-only node is not a controller: it answers NOT_CONTROLLER, like a standby does.
    env_.send(from, protocol::ControllerRpc{correlation_id, controller::error_response(request, controller::ErrorCode::not_controller)});
    return;
  }
  const controller::ReplyToken token = next_reply_token_++;
  reply_to_[token] = {from, correlation_id};
  controller_->on_request(env_.now(), request, token);
  drain_controller();
}

void KafkaNode::drain_controller() {
  while (controller_->has_output()) {
    controller::ControllerOutput out = controller_->take_output();
    for (auto& r : out.records) {
      auto offset = raft_->append(std::move(r.payload));
      if (!offset.ok() || *offset != r.offset) {
        // Leadership was lost under us: the controller must step down (its contract).
        controller_->on_become_inactive(env_.now());
        break;
      }
    }
    for (auto& reply : out.replies) {
      auto it = reply_to_.find(reply.token);
      KS_ASSERT(it != reply_to_.end());
      env_.send(it->second.first, protocol::ControllerRpc{it->second.second, std::move(reply.response)});
      reply_to_.erase(it);
    }
  }
  arm_controller_timer();
}

void KafkaNode::arm_controller_timer() {
  const Time deadline = controller_->next_deadline();
  if (deadline == controller_timer_deadline_ && controller_timer_.valid()) return;
  if (controller_timer_.valid()) env_.cancel_timer(controller_timer_);
  controller_timer_ = {};
  controller_timer_deadline_ = deadline;
  if (deadline == Time::max()) return;
  controller_timer_ = env_.set_timer(deadline > env_.now() ? deadline - env_.now() : Duration{}, "broker-sessions", [this] {
    controller_timer_ = {};
    controller_timer_deadline_ = Time::max();
    controller_->on_tick(env_.now());
    drain_controller();
  });
}

void KafkaNode::on_noop_timer() {
  // KIP-835: the active controller writes a NoOpRecord every metadata.max.idle.interval.ms
  // (500), so the high watermark moves and brokers can tell the quorum is alive. 0 disables it.
  noop_timer_ = {};
  const std::int64_t interval_ms = options_.config.int_or("metadata.max.idle.interval.ms", 500);
  if (interval_ms <= 0 || !write_noop()) return;
  noop_timer_ = env_.set_timer(milliseconds(interval_ms), "metadata-noop", [this] { on_noop_timer(); });
}

void KafkaNode::on_load_timer() {
  load_timer_ = {};
  if (!write_noop()) return;
  const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / options_.metadata_writes_per_s);
  load_timer_ = env_.set_timer(microseconds(interval_us), "metadata-write", [this] { on_load_timer(); });
}

bool KafkaNode::write_noop() {
  if (options_.quorum_only()) {
    if (!raft_started() || raft_->core().role() != raft::Role::leader) return false;
    (void)raft_->append(metadata::encode_record(metadata::NoOpRecord{}));
    return true;
  }
  if (!is_active_controller()) return false;
  if (controller_->write_noop(env_.now())) drain_controller();
  return is_active_controller();
}

}  // namespace kraftsim::node

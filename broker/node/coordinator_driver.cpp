// CoordinatorDriver: FindCoordinator, the offsets topic's creation, loading and unloading
// __consumer_offsets partitions, and applying the group coordinator's output (see
// coordinator_driver.h).
#include "broker/node/coordinator_driver.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "broker/coordinator/group_hash.h"
#include "broker/log/record_batch.h"
#include "broker/log/record_batch_builder.h"

namespace kraftsim::node {

namespace {

coordinator::CoordinatorConfig coordinator_config(const NodeConfig& c) {
  coordinator::CoordinatorConfig cc;
  cc.offsets_partitions = static_cast<std::int32_t>(c.int_or("offsets.topic.num.partitions", 50));
  cc.initial_rebalance_delay = milliseconds(c.int_or("group.initial.rebalance.delay.ms", 3000));
  cc.session_timeout_min = milliseconds(c.int_or("group.min.session.timeout.ms", 6000));
  cc.session_timeout_max = milliseconds(c.int_or("group.max.session.timeout.ms", 1'800'000));
  cc.group_max_size = static_cast<std::size_t>(
      std::min<std::int64_t>(c.int_or("group.max.size", 2147483647), coordinator::members_per_group_max));
  cc.test_only_accept_stale_generation_commits =
      c.bool_or("kraftsim.test.coordinator.accepts.stale.generation.commits", false);
  return cc;
}

}  // namespace

CoordinatorDriver::CoordinatorDriver(env::Env& env, const NodeConfig& config, ReplicaManager& replicas,
                                     CoordinatorDriverHooks hooks)
    : env_(env),
      config_(config),
      replicas_(replicas),
      hooks_(std::move(hooks)),
      rng_(env.random().next_u64()),
      core_(coordinator_config(config), rng_) {
  offsets_partitions_ = static_cast<std::int32_t>(config.int_or("offsets.topic.num.partitions", 50));
  offsets_replication_factor_ = static_cast<std::int16_t>(config.int_or("offsets.topic.replication.factor", 3));
}

bool CoordinatorDriver::on_request(NodeId from, const protocol::KafkaRpc& rpc) {
  const Time now = env_.now();
  if (const auto* find = std::get_if<protocol::FindCoordinatorRequest>(&rpc.body)) {
    on_find_coordinator(from, rpc.correlation_id, *find);
    return true;
  }
  const coordinator::RequestToken token = next_token_;
  bool taken = true;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::JoinGroupRequest>) {
          core_.on_join_group(now, token, m);
        } else if constexpr (std::is_same_v<T, protocol::SyncGroupRequest>) {
          core_.on_sync_group(now, token, m);
        } else if constexpr (std::is_same_v<T, protocol::HeartbeatRequest>) {
          core_.on_heartbeat(now, token, m);
        } else if constexpr (std::is_same_v<T, protocol::LeaveGroupRequest>) {
          core_.on_leave_group(now, token, m);
        } else if constexpr (std::is_same_v<T, protocol::OffsetCommitRequest>) {
          core_.on_offset_commit(now, token, m);
        } else if constexpr (std::is_same_v<T, protocol::OffsetFetchRequest>) {
          core_.on_offset_fetch(now, token, m);
        } else {
          taken = false;
        }
      },
      rpc.body);
  if (!taken) return false;
  KS_ASSERT_MSG(reply_to_.size() < coordinator_requests_max, "too many group requests held");
  reply_to_[token] = {from, rpc.correlation_id};
  ++next_token_;
  drain();
  return true;
}

// ---------------------------------------------------------------- FindCoordinator

void CoordinatorDriver::on_find_coordinator(NodeId from, std::uint64_t correlation_id,
                                            const protocol::FindCoordinatorRequest& request) {
  protocol::FindCoordinatorResponse out{replication::ErrorCode::coordinator_not_available, no_node};
  const metadata::TopicImage* topic = image_ ? image_->topic_by_name(coordinator::offsets_topic) : nullptr;
  if (request.key_type != 0 || request.key.empty()) {
    out.error_code = replication::ErrorCode::invalid_request;  // transactional ids are not modelled
  } else if (topic == nullptr) {
    maybe_create_offsets_topic();
  } else {
    const std::int32_t partition = coordinator::partition_for_group(request.key, offsets_partitions_);
    const metadata::PartitionRegistration* reg = image_->partition(coordinator::offsets_topic, partition);
    if (reg != nullptr && reg->has_leader()) {
      out.error_code = replication::ErrorCode::none;
      out.node_id = reg->leader;
    }
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, out});
}

void CoordinatorDriver::maybe_create_offsets_topic() {
  if (create_in_flight_) return;
  const std::optional<NodeId> controller = hooks_.active_controller ? hooks_.active_controller() : std::nullopt;
  if (!controller) return;
  controller::CreateTopicsRequest request;
  controller::CreateTopicsRequest::CreatableTopic topic;
  topic.name = coordinator::offsets_topic;
  topic.num_partitions = offsets_partitions_;
  topic.replication_factor = offsets_replication_factor_;
  // GroupCoordinator.groupMetadataTopicConfigs: compacted, 100 MiB segments.
  topic.configs.push_back({"cleanup.policy", std::string("compact")});
  topic.configs.push_back({"segment.bytes", std::string("104857600")});
  request.topics.push_back(std::move(topic));
  const std::uint64_t correlation = next_correlation_++;
  create_in_flight_ = correlation;
  create_to_ = *controller;
  env_.send(*controller, protocol::ControllerRpc{correlation, controller::ControllerRequest{std::move(request)}});
  env_.set_timer(offsets_topic_create_timeout, "offsets-topic-create-timeout", [this, correlation] {
    if (create_in_flight_ == correlation) create_in_flight_.reset();
  });
}

void CoordinatorDriver::on_create_topics_response(std::uint64_t correlation_id,
                                                  const controller::CreateTopicsResponse& response) {
  if (!create_in_flight_ || *create_in_flight_ != correlation_id) return;
  create_in_flight_.reset();
  for (const auto& result : response.topics) {
    if (result.name != coordinator::offsets_topic) continue;
    // INVALID_REPLICATION_FACTOR while fewer brokers than offsets.topic.replication.factor are
    // up: Kafka keeps answering COORDINATOR_NOT_AVAILABLE and tries again on the next request.
    const std::string error(controller::to_string(result.error_code));
    const std::string message = result.error_message.value_or("");
    env_.record("offsets-topic-create", {{"error", error}, {"message", message},
                                         {"partitions", result.num_partitions},
                                         {"replication_factor", result.replication_factor}});
  }
}

void CoordinatorDriver::on_connection_lost(NodeId peer) {
  if (create_in_flight_ && create_to_ == peer) create_in_flight_.reset();
}

// ---------------------------------------------------------------- leadership and loading

void CoordinatorDriver::on_metadata_update(const metadata::MetadataImage& image) {
  image_ = &image;
  check_partitions();
}

void CoordinatorDriver::on_partition_changed(const replication::TopicPartition& tp) {
  if (tp.topic != coordinator::offsets_topic || check_scheduled_) return;
  // Most changes are the high watermark moving: nothing to do unless the role or epoch changed.
  const auto* hosted = replicas_.partition(tp.topic, tp.partition);
  const bool leader = hosted != nullptr && hosted->replica->role() == replication::Role::leader;
  const auto it = led_.find(tp.partition);
  if (leader ? (it != led_.end() && it->second == hosted->replica->leader_epoch()) : it == led_.end()) return;
  // Called from inside the ReplicaManager's output: look at the roles once it is done.
  check_scheduled_ = true;
  env_.set_timer(Duration{}, "coordinator-check", [this] {
    check_scheduled_ = false;
    check_partitions();
  });
}

void CoordinatorDriver::check_partitions() {
  const Time now = env_.now();
  for (std::int32_t partition = 0; partition < offsets_partitions_; ++partition) {
    const auto* hosted = replicas_.partition(coordinator::offsets_topic, partition);
    const bool leader = hosted != nullptr && hosted->replica->role() == replication::Role::leader;
    const std::int32_t epoch = leader ? hosted->replica->leader_epoch() : -1;
    auto it = led_.find(partition);
    if (it != led_.end() && it->second == epoch) continue;
    if (it != led_.end()) {
      // GroupCoordinator.onResignation: this broker no longer leads (or leads a new epoch, which
      // is loaded afresh).
      core_.on_unload(now, partition);
      led_.erase(it);
      env_.record("coordinator-unloaded", {{"partition", partition}, {"leader_epoch", epoch}});
    }
    if (!leader) continue;
    // GroupCoordinator.onElection: load the partition before serving its groups.
    led_[partition] = epoch;
    core_.on_load_started(now, partition);
    env_.set_timer(coordinator_load_delay, "coordinator-load", [this, partition, epoch] { load(partition, epoch); });
  }
  drain();
}

void CoordinatorDriver::load(std::int32_t partition, std::int32_t leader_epoch) {
  auto it = led_.find(partition);
  if (it == led_.end() || it->second != leader_epoch || !core_.is_loading(partition)) return;  // resigned meanwhile
  const auto* hosted = replicas_.partition(coordinator::offsets_topic, partition);
  KS_ASSERT(hosted != nullptr);
  const replication::TopicPartition tp{coordinator::offsets_topic, partition};
  // GroupMetadataManager.doLoadGroupsAndOffsets: from the log start to the log end.
  std::int64_t at = hosted->log->log_start_offset();
  const std::int64_t end = hosted->log->log_end_offset();
  std::int64_t records = 0;
  while (at < end) {
    auto batches = replicas_.read_local(tp, at, end, coordinator_load_read_bytes);
    if (!batches.ok() || batches->empty()) break;
    for (const auto& b : batches.value()) {
      auto decoded = log::decode_batch(b.payload);
      if (!decoded.ok()) break;
      for (const auto& record : decoded->records) {
        const std::int64_t offset = log::record_offset(*decoded, record);
        if (offset < at || offset >= end || !record.key) continue;
        const coordinator::RecordBytes key(record.key->begin(), record.key->end());
        std::optional<coordinator::RecordBytes> value;
        if (record.value) value.emplace(record.value->begin(), record.value->end());
        core_.on_load_record(partition, key, value);
        ++records;
      }
      at = std::max(at, b.base_offset + b.record_count);
    }
  }
  core_.on_load_completed(env_.now(), partition);
  env_.record("coordinator-loaded", {{"partition", partition}, {"leader_epoch", leader_epoch}, {"records", records},
                                     {"log_end_offset", end}});
  drain();
}

// ---------------------------------------------------------------- the core's output

void CoordinatorDriver::drain() {
  while (core_.has_output()) {
    coordinator::CoordinatorOutput out = core_.take_output();
    for (auto& a : out.appends) {
      // One batch per commit request, as Kafka's storeOffsets writes one MemoryRecords.
      log::BatchBuilderConfig bc;
      bc.batch_size_bytes = 1 << 20;
      log::BatchBuilder builder(bc);
      for (auto& [key, value] : a.records) {
        const auto outcome = builder.try_append(env_.now().us() / 1000, log::Bytes(key.begin(), key.end()),
                                                log::Bytes(value.begin(), value.end()));
        KS_ASSERT_MSG(outcome == log::AppendOutcome::appended, "an offset commit does not fit one batch");
      }
      const auto count = static_cast<std::int32_t>(builder.record_count());
      const std::uint64_t id = a.append_id;
      const bool appended = replicas_.append_local(
          {coordinator::offsets_topic, a.partition}, builder.encode(), count,
          milliseconds(config_.int_or("offsets.commit.timeout.ms", 5000)),
          [this, id](replication::ErrorCode error, std::int64_t /*base_offset*/) {
            core_.on_append_done(env_.now(), id, error);
            drain();
          });
      if (!appended) core_.on_append_done(env_.now(), id, replication::ErrorCode::not_leader_or_follower);
    }
    for (auto& r : out.replies) {
      auto it = reply_to_.find(r.token);
      KS_ASSERT(it != reply_to_.end());
      env_.send(it->second.first, protocol::KafkaRpc{it->second.second, std::move(r.body)});
      reply_to_.erase(it);
    }
    for (const auto& e : out.events) {
      trace::Fields fields{{"group", e.group}};
      if (!e.member.empty()) fields.add("member", e.member);
      if (e.generation >= 0) fields.add("generation", e.generation);
      if (!e.topic.empty()) fields.add("topic", e.topic);
      if (e.partition >= 0) fields.add("partition", e.partition);
      if (e.offset >= 0) fields.add("offset", e.offset);
      if (e.members >= 0) fields.add("members", e.members);
      if (!e.reason.empty()) fields.add("reason", e.reason);
      env_.record(e.name, fields);
    }
  }
  arm_timer();
}

void CoordinatorDriver::arm_timer() {
  const Time deadline = core_.next_deadline();
  if (deadline == timer_deadline_ && timer_.valid()) return;
  if (timer_.valid()) env_.cancel_timer(timer_);
  timer_ = {};
  timer_deadline_ = deadline;
  if (deadline == Time::max()) return;
  timer_ = env_.set_timer(deadline > env_.now() ? deadline - env_.now() : Duration{}, "group-coordinator", [this] {
    timer_ = {};
    timer_deadline_ = Time::max();
    core_.on_tick(env_.now());
    drain();
  });
}

}  // namespace kraftsim::node

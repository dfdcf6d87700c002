// ConsumerCoordinator: finding the coordinator, joining, syncing, heartbeats, commits and
// committed offsets (see consumer_coordinator.h).
#include "broker/client/consumer_coordinator.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::client {

using replication::ErrorCode;

namespace {

std::string join_partitions(const std::string& topic, const std::vector<std::int32_t>& partitions) {
  std::string out;
  for (std::int32_t p : partitions) {
    if (!out.empty()) out += ' ';
    out += topic + "-" + std::to_string(p);
  }
  return out;
}

}  // namespace

ConsumerCoordinator::ConsumerCoordinator(env::Env& env, std::vector<NodeId> bootstrap_servers, std::string topic,
                                         GroupConfig config, std::uint64_t& next_correlation, Hooks hooks)
    : env_(env),
      bootstrap_servers_(std::move(bootstrap_servers)),
      topic_(std::move(topic)),
      config_(std::move(config)),
      next_correlation_(next_correlation),
      hooks_(std::move(hooks)) {
  KS_ASSERT(!bootstrap_servers_.empty());
  KS_ASSERT(!config_.group_id.empty());
}

void ConsumerCoordinator::start() {
  last_poll_ = env_.now();
  next_auto_commit_ = env_.now() + config_.auto_commit_interval;
  find_coordinator();
  schedule_heartbeat(config_.heartbeat_interval);
}

std::uint64_t ConsumerCoordinator::send(RequestKind kind, NodeId to, protocol::KafkaRpc::Body body) {
  const std::uint64_t correlation = next_correlation_++;
  KS_ASSERT_MSG(in_flight_.size() < group_requests_in_flight_max, "too many group requests in flight");
  in_flight_[correlation] = {kind, to};
  env_.send(to, protocol::KafkaRpc{correlation, std::move(body)});
  // NetworkClient fails a request unanswered after request.timeout.ms (a message sent on a cut
  // link is lost without a word); JoinGroup may wait for the whole rebalance: its timeout is the
  // rebalance timeout plus 5 s (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
  const Duration timeout = kind == RequestKind::join ? config_.max_poll_interval + milliseconds(5000) : config_.request_timeout;
  env_.set_timer(timeout, "consumer-group-request-timeout", [this, correlation] { on_request_timeout(correlation); });
  return correlation;
}

void ConsumerCoordinator::on_request_timeout(std::uint64_t correlation_id) {
  auto it = in_flight_.find(correlation_id);
  if (it == in_flight_.end()) return;  // answered
  const RequestKind kind = it->second.first;
  in_flight_.erase(it);
  env_.record("consumer-request-timeout", {{"group", config_.group_id}, {"correlation", static_cast<std::int64_t>(correlation_id)}});
  if (kind == RequestKind::commit) record_commit_outcome(correlation_id, "info", "request timed out");
  if (kind == RequestKind::find_coordinator) {
    finding_ = false;
    ++bootstrap_index_;
    return find_coordinator();
  }
  if (kind == RequestKind::heartbeat) heartbeat_in_flight_ = false;
  if (kind == RequestKind::join || kind == RequestKind::sync) {
    phase_ = Phase::unjoined;
    rejoin_needed_ = true;
  }
  if (kind == RequestKind::commit && join_after_commit_ && join_commit_ == correlation_id) join_after_commit_ = false;
  coordinator_unknown();  // the coordinator is presumed dead
}

// ---------------------------------------------------------------- the coordinator

void ConsumerCoordinator::find_coordinator() {
  if (finding_ || closed_) return;
  finding_ = true;
  const NodeId to = bootstrap_servers_[bootstrap_index_ % bootstrap_servers_.size()];
  send(RequestKind::find_coordinator, to, protocol::FindCoordinatorRequest{config_.group_id, 0});
}

void ConsumerCoordinator::on_find_coordinator_response(const protocol::FindCoordinatorResponse& r) {
  finding_ = false;
  if (r.error_code != ErrorCode::none || r.node_id == no_node) {
    // COORDINATOR_NOT_AVAILABLE (the offsets topic is being created, or its partition has no
    // leader): ask again, another broker, after retry.backoff.ms.
    ++bootstrap_index_;
    env_.set_timer(config_.retry_backoff, "consumer-find-coordinator", [this] { find_coordinator(); });
    return;
  }
  coordinator_ = r.node_id;
  env_.record("consumer-coordinator", {{"group", config_.group_id}, {"coordinator", coordinator_}});
  ensure_active_group();
}

bool ConsumerCoordinator::coordinator_error(ErrorCode error) {
  if (error != ErrorCode::not_coordinator && error != ErrorCode::coordinator_not_available) return false;
  coordinator_unknown();
  return true;
}

void ConsumerCoordinator::coordinator_unknown() {
  // AbstractCoordinator.markCoordinatorUnknown: every request to it fails; find it again.
  if (coordinator_ == no_node && finding_) return;
  coordinator_ = no_node;
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    const RequestKind kind = it->second.first;
    if (kind == RequestKind::find_coordinator) {
      ++it;
      continue;
    }
    if (kind == RequestKind::join || kind == RequestKind::sync) {
      phase_ = Phase::unjoined;
      rejoin_needed_ = true;
    }
    if (kind == RequestKind::heartbeat) heartbeat_in_flight_ = false;
    if (kind == RequestKind::commit) {
      if (join_after_commit_) join_after_commit_ = false;
      record_commit_outcome(it->first, "info", "coordinator lost");
    }
    it = in_flight_.erase(it);
  }
  ++bootstrap_index_;
  env_.set_timer(config_.retry_backoff, "consumer-find-coordinator", [this] { find_coordinator(); });
}

// ---------------------------------------------------------------- joining

void ConsumerCoordinator::poll() {
  last_poll_ = env_.now();
  if (closed_) return;
  // ConsumerCoordinator.poll: rejoin if needed, then auto-commit when due.
  ensure_active_group();
  if (config_.enable_auto_commit && stable() && env_.now() >= next_auto_commit_) {
    next_auto_commit_ = env_.now() + config_.auto_commit_interval;
    commit(hooks_.committable());
  }
}

void ConsumerCoordinator::ensure_active_group() {
  if (closed_) return;
  if (coordinator_ == no_node) return find_coordinator();
  if (phase_ == Phase::joining || phase_ == Phase::syncing || join_after_commit_) return;
  if (phase_ == Phase::stable && !rejoin_needed_) {
    if (offsets_pending_) send_offset_fetch();
    return;
  }
  // onJoinPrepare: give up the partitions (after committing them, when auto-commit is on and
  // the generation is still ours), then JoinGroup.
  if (!join_prepared_) {
    join_prepared_ = true;
    if (!owned_.empty()) revoke(generation_ < 0);
    if (join_after_commit_) return;  // JoinGroup goes out when the commit is answered
  }
  send_join();
}

void ConsumerCoordinator::revoke(bool lost) {
  if (config_.enable_auto_commit && !lost && generation_ >= 0) {
    const auto offsets = hooks_.committable();
    if (!offsets.empty() && coordinator_ != no_node) {
      commit(offsets);
      join_commit_ = next_correlation_ - 1;
      join_after_commit_ = true;
    }
  }
  // KIP-429: a cooperative member keeps its partitions through the rebalance (and keeps
  // consuming them); it revokes only what the new assignment moves away (on_sync_response).
  if (is_cooperative(config_.strategy) && !lost) return;
  revoke_partitions(owned_, lost);
}

void ConsumerCoordinator::revoke_partitions(const std::vector<std::int32_t>& revoked, bool lost) {
  if (revoked.empty()) return;
  const std::string partitions = join_partitions(topic_, revoked);
  if (config_.test_only_ignore_revocation) {
    // Keeps fetching and owning them (test only: group-single-owner must catch it).
    env_.record("group-revocation-ignored", {{"group", config_.group_id}, {"member", member_id_},
                                             {"generation", generation_}, {"partitions", partitions}});
    return;
  }
  env_.record("group-revoked", {{"group", config_.group_id}, {"member", member_id_}, {"generation", generation_},
                                {"partitions", partitions}, {"lost", lost}});
  hooks_.on_revoked(revoked);
  std::vector<std::int32_t> kept;
  for (std::int32_t p : owned_) {
    if (std::find(revoked.begin(), revoked.end(), p) == revoked.end()) kept.push_back(p);
  }
  owned_ = std::move(kept);
}

void ConsumerCoordinator::send_join() {
  if (coordinator_ == no_node) return find_coordinator();
  phase_ = Phase::joining;
  join_prepared_ = false;
  protocol::JoinGroupRequest request;
  request.group_id = config_.group_id;
  request.client_id = config_.client_id;
  request.session_timeout_ms = static_cast<std::int32_t>(config_.session_timeout.ms());
  request.rebalance_timeout_ms = static_cast<std::int32_t>(config_.max_poll_interval.ms());
  request.member_id = member_id_;
  protocol::JoinGroupRequest::Protocol p;
  p.name = to_string(config_.strategy);
  p.metadata.topics = {topic_};
  for (std::int32_t partition : owned_) p.metadata.owned_partitions.push_back({topic_, partition});
  request.protocols.push_back(std::move(p));
  send(RequestKind::join, coordinator_, std::move(request));
}

void ConsumerCoordinator::reset_generation(bool forget_member) {
  generation_ = -1;
  if (forget_member) member_id_.clear();
  phase_ = Phase::unjoined;
  rejoin_needed_ = true;
}

void ConsumerCoordinator::on_join_response(const protocol::JoinGroupResponse& r) {
  if (r.error_code == ErrorCode::none) {
    member_id_ = r.member_id;
    generation_ = r.generation_id;
    phase_ = Phase::syncing;
    if (r.leader == member_id_) return send_sync(r);
    protocol::SyncGroupRequest sync{config_.group_id, generation_, member_id_, {}};
    send(RequestKind::sync, coordinator_, std::move(sync));
    return;
  }
  phase_ = Phase::unjoined;
  rejoin_needed_ = true;
  if (coordinator_error(r.error_code)) return;
  if (r.error_code == ErrorCode::unknown_member_id) reset_generation(true);
  if (r.error_code == ErrorCode::illegal_generation) reset_generation(false);
  // REBALANCE_IN_PROGRESS, COORDINATOR_LOAD_IN_PROGRESS, ...: the next poll joins again.
  const std::string error(replication::to_string(r.error_code));
  env_.record("consumer-join-failed", {{"group", config_.group_id}, {"error", error}});
}

void ConsumerCoordinator::send_sync(const protocol::JoinGroupResponse& response) {
  // The leader assigns (ConsumerCoordinator.onLeaderElected) once it knows the topic's partitions.
  const std::int32_t partitions = hooks_.partition_count();
  if (partitions <= 0) {
    pending_sync_ = response;
    env_.set_timer(config_.retry_backoff, "consumer-leader-metadata", [this] {
      if (!pending_sync_ || phase_ != Phase::syncing) return;
      const protocol::JoinGroupResponse waiting = *pending_sync_;
      pending_sync_.reset();
      if (waiting.generation_id == generation_) send_sync(waiting);
    });
    return;
  }
  std::map<std::string, protocol::Subscription> subscriptions;
  for (const auto& m : response.members) subscriptions[m.member_id] = m.metadata;
  const MemberAssignment assignment = assign(config_.strategy, {{topic_, partitions}}, subscriptions);
  protocol::SyncGroupRequest sync{config_.group_id, generation_, member_id_, {}};
  for (const auto& [member, tps] : assignment) sync.assignments.push_back({member, tps});
  send(RequestKind::sync, coordinator_, std::move(sync));
}

void ConsumerCoordinator::on_sync_response(const protocol::SyncGroupResponse& r) {
  if (r.error_code != ErrorCode::none) {
    phase_ = Phase::unjoined;
    rejoin_needed_ = true;
    if (coordinator_error(r.error_code)) return;
    if (r.error_code == ErrorCode::unknown_member_id) reset_generation(true);
    if (r.error_code == ErrorCode::illegal_generation) reset_generation(false);
    return;
  }
  phase_ = Phase::stable;
  rejoin_needed_ = false;
  assigned_.clear();
  for (const auto& tp : r.assignment) {
    if (tp.topic == topic_) assigned_.push_back(tp.partition);
  }
  std::sort(assigned_.begin(), assigned_.end());
  if (is_cooperative(config_.strategy)) {
    // ConsumerCoordinator.onJoinComplete (cooperative): give up what moved away, then rejoin
    // so that the next generation hands it to its new owner.
    std::vector<std::int32_t> revoked;
    for (std::int32_t p : owned_) {
      if (std::find(assigned_.begin(), assigned_.end(), p) == assigned_.end()) revoked.push_back(p);
    }
    revoke_partitions(revoked, false);
    if (!revoked.empty() && !config_.test_only_ignore_revocation) rejoin_needed_ = true;
  }
  for (std::int32_t p : assigned_) {
    if (std::find(owned_.begin(), owned_.end(), p) == owned_.end()) owned_.push_back(p);
  }
  std::sort(owned_.begin(), owned_.end());
  const std::string partitions = join_partitions(topic_, owned_);
  env_.record("group-joined", {{"group", config_.group_id}, {"member", member_id_}, {"generation", generation_},
                               {"partitions", partitions}, {"topic_partitions", hooks_.partition_count()}});
  offsets_pending_ = true;
  send_offset_fetch();
}

// ---------------------------------------------------------------- committed offsets

void ConsumerCoordinator::send_offset_fetch() {
  if (coordinator_ == no_node) return;
  for (const auto& [c, entry] : in_flight_) {
    if (entry.first == RequestKind::offset_fetch) return;
  }
  protocol::OffsetFetchRequest request;
  request.group_id = config_.group_id;
  for (std::int32_t p : owned_) request.partitions.push_back({topic_, p});
  send(RequestKind::offset_fetch, coordinator_, std::move(request));
}

void ConsumerCoordinator::on_offset_fetch_response(const protocol::OffsetFetchResponse& r) {
  if (r.error_code != ErrorCode::none) {
    if (coordinator_error(r.error_code)) return;
    // COORDINATOR_LOAD_IN_PROGRESS: ask again.
    env_.set_timer(config_.retry_backoff, "consumer-offset-fetch", [this] {
      if (offsets_pending_ && phase_ == Phase::stable) send_offset_fetch();
    });
    return;
  }
  if (!offsets_pending_ || phase_ != Phase::stable) return;
  offsets_pending_ = false;
  std::map<std::int32_t, std::optional<std::int64_t>> owned;
  for (std::int32_t p : owned_) owned[p] = std::nullopt;
  for (const auto& p : r.partitions) {
    if (p.topic_partition.topic != topic_ || !owned.contains(p.topic_partition.partition)) continue;
    if (p.committed_offset >= 0) owned[p.topic_partition.partition] = p.committed_offset;
  }
  hooks_.on_assigned(owned);
}

void ConsumerCoordinator::commit(const std::map<std::int32_t, std::int64_t>& offsets) {
  if (offsets.empty() || coordinator_ == no_node || generation_ < 0 || closed_) return;
  protocol::OffsetCommitRequest request;
  request.group_id = config_.group_id;
  request.generation_id = generation_;
  request.member_id = member_id_;
  for (const auto& [partition, offset] : offsets) {
    protocol::OffsetCommitRequest::Partition p;
    p.topic_partition = {topic_, partition};
    p.committed_offset = offset;
    request.partitions.push_back(std::move(p));
  }
  const std::uint64_t correlation = send(RequestKind::commit, coordinator_, std::move(request));
  // The application's commitSync/commitAsync in the history (invoke, then ok, fail, or info when
  // the answer never comes).
  std::string text;
  for (const auto& [partition, offset] : offsets) text += fmt::format("{}{}={}", text.empty() ? "" : ",", partition, offset);
  env_.record("history", {{"process", env_.self()}, {"type", "invoke"}, {"f", "commit"},
                          {"id", static_cast<std::int64_t>(correlation)}, {"topic", topic_}, {"offsets", text}});
}

void ConsumerCoordinator::record_commit_outcome(std::uint64_t correlation_id, std::string_view type, std::string_view error) {
  trace::Fields f{{"process", env_.self()}, {"type", type}, {"f", "commit"}, {"id", static_cast<std::int64_t>(correlation_id)},
                  {"topic", topic_}};
  if (!error.empty()) f.add("error", error);
  env_.record("history", std::move(f));
}

void ConsumerCoordinator::on_commit_response(std::uint64_t correlation_id, const protocol::OffsetCommitResponse& r) {
  const ErrorCode error = r.partitions.empty() ? ErrorCode::none : r.partitions.front().error_code;
  const bool join_commit = join_after_commit_ && join_commit_ == correlation_id;
  record_commit_outcome(correlation_id, error == ErrorCode::none ? "ok" : "fail",
                        error == ErrorCode::none ? std::string_view() : replication::to_string(error));
  if (error != ErrorCode::none) {
    const std::string text(replication::to_string(error));
    env_.record("consumer-commit-failed", {{"group", config_.group_id}, {"error", text}});
    if (!coordinator_error(error)) {
      if (error == ErrorCode::unknown_member_id) reset_generation(true);
      if (error == ErrorCode::illegal_generation) reset_generation(false);
      if (error == ErrorCode::rebalance_in_progress) rejoin_needed_ = true;
    }
  }
  if (join_commit) {
    join_after_commit_ = false;
    ensure_active_group();
  }
}

// ---------------------------------------------------------------- heartbeats

void ConsumerCoordinator::schedule_heartbeat(Duration after) {
  if (heartbeat_timer_.valid()) env_.cancel_timer(heartbeat_timer_);
  heartbeat_timer_ = env_.set_timer(after, "consumer-heartbeat", [this] { on_heartbeat_timer(); });
}

void ConsumerCoordinator::on_heartbeat_timer() {
  heartbeat_timer_ = {};
  if (closed_) return;
  const Time now = env_.now();
  if (generation_ >= 0 && now - last_poll_ > config_.max_poll_interval) {
    // The heartbeat thread's poll timeout: leave the group so the others take the partitions
    // (AbstractCoordinator.maybeLeaveGroup); the next poll rejoins, the partitions are lost.
    env_.record("consumer-poll-timeout", {{"group", config_.group_id}, {"member", member_id_}});
    if (coordinator_ != no_node) send(RequestKind::leave, coordinator_, protocol::LeaveGroupRequest{config_.group_id, member_id_});
    reset_generation(true);
  }
  if ((phase_ == Phase::stable || phase_ == Phase::syncing) && generation_ >= 0 && coordinator_ != no_node &&
      !heartbeat_in_flight_) {
    heartbeat_in_flight_ = true;
    send(RequestKind::heartbeat, coordinator_, protocol::HeartbeatRequest{config_.group_id, generation_, member_id_});
  }
  schedule_heartbeat(config_.heartbeat_interval);
}

void ConsumerCoordinator::on_heartbeat_response(const protocol::HeartbeatResponse& r) {
  heartbeat_in_flight_ = false;
  switch (r.error_code) {
    case ErrorCode::none:
      return;
    case ErrorCode::rebalance_in_progress:
      rejoin_needed_ = true;  // acted on at the next poll (onJoinPrepare commits first)
      return;
    case ErrorCode::illegal_generation:
      return reset_generation(false);
    case ErrorCode::unknown_member_id:
      return reset_generation(true);
    default:
      (void)coordinator_error(r.error_code);
      return;
  }
}

// ---------------------------------------------------------------- close, responses, connections

void ConsumerCoordinator::close() {
  if (closed_) return;
  if (config_.enable_auto_commit && generation_ >= 0) commit(hooks_.committable());
  if (coordinator_ != no_node && !member_id_.empty()) {
    send(RequestKind::leave, coordinator_, protocol::LeaveGroupRequest{config_.group_id, member_id_});
  }
  closed_ = true;
  if (heartbeat_timer_.valid()) env_.cancel_timer(heartbeat_timer_);
  heartbeat_timer_ = {};
}

bool ConsumerCoordinator::on_response(NodeId /*from*/, const protocol::KafkaRpc& rpc) {
  auto it = in_flight_.find(rpc.correlation_id);
  if (it == in_flight_.end()) return false;  // an answer to a request given up on
  in_flight_.erase(it);
  if (const auto* m = std::get_if<protocol::FindCoordinatorResponse>(&rpc.body)) on_find_coordinator_response(*m);
  else if (const auto* j = std::get_if<protocol::JoinGroupResponse>(&rpc.body)) on_join_response(*j);
  else if (const auto* s = std::get_if<protocol::SyncGroupResponse>(&rpc.body)) on_sync_response(*s);
  else if (const auto* h = std::get_if<protocol::HeartbeatResponse>(&rpc.body)) on_heartbeat_response(*h);
  else if (const auto* c = std::get_if<protocol::OffsetCommitResponse>(&rpc.body)) on_commit_response(rpc.correlation_id, *c);
  else if (const auto* f = std::get_if<protocol::OffsetFetchResponse>(&rpc.body)) on_offset_fetch_response(*f);
  return true;
}

void ConsumerCoordinator::on_connection_lost(NodeId peer) {
  bool find_lost = false;
  for (const auto& [c, entry] : in_flight_) {
    if (entry.second == peer && entry.first == RequestKind::find_coordinator) find_lost = true;
  }
  if (find_lost) {
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      it = it->second.first == RequestKind::find_coordinator ? in_flight_.erase(it) : std::next(it);
    }
    finding_ = false;
    ++bootstrap_index_;
    env_.set_timer(config_.retry_backoff, "consumer-find-coordinator", [this] { find_coordinator(); });
  }
  if (peer == coordinator_) coordinator_unknown();
}

}  // namespace kraftsim::client

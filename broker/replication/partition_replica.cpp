// PartitionReplica (partition_replica.h): input framing and invariants, the role changes the
// metadata image drives, timers, output and accessors. The leader's logic is in leader.cpp, the
// follower's in follower.cpp.
#include "broker/replication/partition_replica.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace kraftsim::replication {
namespace {

bool contains(const std::vector<NodeId>& ids, NodeId id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

bool all_distinct(std::vector<NodeId> ids) {
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) == ids.end();
}

bool is_subset(const std::vector<NodeId>& part, const std::vector<NodeId>& whole) {
  return std::all_of(part.begin(), part.end(), [&whole](NodeId id) { return contains(whole, id); });
}

}  // namespace

PartitionReplica::PartitionReplica(ReplicationConfig config, ReplicaLog& log, Time now,
                                   Offset checkpointed_high_watermark)
    : config_(std::move(config)), log_(log), last_now_(now) {
  const auto error = validate_config(config_);
  KS_ASSERT_MSG(!error.has_value(), error ? error->c_str() : "");
  KS_ASSERT(checkpointed_high_watermark >= 0);
  // UnifiedLog.updateHighWatermark at load: the checkpoint, clamped into the log.
  high_watermark_ = std::clamp(checkpointed_high_watermark, log_.log_start_offset(), log_.log_end_offset());
  check_invariants();
}

// ---------------------------------------------------------------- input framing

void PartitionReplica::begin_input(Time now) {
  KS_ASSERT_MSG(now >= last_now_, "time never goes backwards");
  last_now_ = now;
  input_was_leader_ = role() == Role::leader;
  input_high_watermark_ = high_watermark_;
}

void PartitionReplica::end_input(Time now) {
  if (role() == Role::follower) poll_follower(now);
  // Kafka's leader high watermark only moves forward while it leads (an epoch bump keeps it).
  if (input_was_leader_ && role() == Role::leader && !config_.test_only_leader_high_watermark_may_decrease) {
    KS_ASSERT_MSG(high_watermark_ >= input_high_watermark_, "the leader's high watermark went backwards");
  }
  check_invariants();
}

void PartitionReplica::check_invariants() const {
  const Offset log_end = log_.log_end_offset();
  KS_ASSERT(log_.log_start_offset() >= 0);
  KS_ASSERT(log_.log_start_offset() <= log_end);
  KS_ASSERT(high_watermark_ >= log_.log_start_offset());
  KS_ASSERT(high_watermark_ <= log_end);
  KS_ASSERT(ineligible_replicas_.size() <= replicas_max);
  if (const auto* leader = std::get_if<LeaderState>(&role_)) {
    KS_ASSERT(leader_epoch_ >= 0);
    KS_ASSERT_MSG(log_.latest_epoch() == leader_epoch_, "a leader's log ends in its own epoch (KIP-101)");
    KS_ASSERT(leader->replicas.size() <= replicas_max);
    KS_ASSERT(contains(leader->replicas, config_.node_id));
    KS_ASSERT(std::is_sorted(leader->isr.begin(), leader->isr.end()));
    KS_ASSERT(all_distinct(leader->isr));
    KS_ASSERT_MSG(contains(leader->isr, config_.node_id), "a leader is in its own ISR");
    KS_ASSERT(is_subset(leader->isr, leader->replicas));
    KS_ASSERT(leader->followers.size() + 1 == leader->replicas.size());
    for (std::size_t i = 0; i < leader->followers.size(); ++i) {
      const FollowerProgress& f = leader->followers[i];
      KS_ASSERT(f.replica_id != config_.node_id);
      KS_ASSERT(contains(leader->replicas, f.replica_id));
      KS_ASSERT(i == 0 || leader->followers[i - 1].replica_id < f.replica_id);
      KS_ASSERT(!f.log_end_offset.has_value() || *f.log_end_offset <= log_end);
    }
    KS_ASSERT(leader->epoch_start_offset <= log_end);
    KS_ASSERT(leader->produce_purgatory.size() <= produce_purgatory_max);
    for (std::size_t i = 0; i < leader->produce_purgatory.size(); ++i) {
      const ParkedProduce& p = leader->produce_purgatory[i];
      KS_ASSERT_MSG(p.required_offset > high_watermark_, "a produce the high watermark passed was answered");
      KS_ASSERT(p.required_offset <= log_end);
      KS_ASSERT(p.base_offset < p.required_offset);
      // Sorted by required offset; fresh appends never overlap, but an idempotent producer's
      // retry (a duplicate, KIP-98) waits for the same offsets as its original.
      KS_ASSERT(i == 0 || leader->produce_purgatory[i - 1].required_offset <= p.required_offset);
      KS_ASSERT(p.duplicate || i == 0 || leader->produce_purgatory[i - 1].required_offset <= p.base_offset ||
                leader->produce_purgatory[i - 1].duplicate);
    }
    KS_ASSERT(leader->fetch_purgatory.size() <= leader->followers.size());
    for (const ParkedFetch& p : leader->fetch_purgatory) {
      KS_ASSERT_MSG(p.request.fetch_offset == log_end, "a fetch with data to read was answered");
    }
    if (leader->pending_isr) {
      KS_ASSERT(contains(leader->pending_isr->proposed_isr, config_.node_id));
      KS_ASSERT(is_subset(leader->pending_isr->proposed_isr, leader->replicas));
      KS_ASSERT(leader->pending_isr->proposed_isr != leader->isr || leader->pending_isr->awaiting_metadata);
    }
  } else if (const auto* follower = std::get_if<FollowerState>(&role_)) {
    KS_ASSERT(follower->leader_id >= 0);
    KS_ASSERT(follower->leader_id != config_.node_id);
    KS_ASSERT(leader_epoch_ >= 0);
    KS_ASSERT(follower->truncation_rounds <= truncation_rounds_max);
    if (follower->in_flight) {
      KS_ASSERT(follower->phase == FetcherPhase::truncating || follower->phase == FetcherPhase::fetching);
      KS_ASSERT(follower->in_flight->offsets_for_leader_epoch == (follower->phase == FetcherPhase::truncating));
      KS_ASSERT_MSG(follower->in_flight->offsets_for_leader_epoch || follower->in_flight->fetch_offset == log_end,
                    "a follower fetches from its log end");
    }
    if (log_.latest_epoch()) KS_ASSERT(*log_.latest_epoch() <= leader_epoch_);
  }
}

void PartitionReplica::push_state_change(Time now, const char* reason) {
  StateChange change;
  change.at = now;
  change.role = role();
  change.leader_id = leader_id();
  change.leader_epoch = leader_epoch_;
  change.high_watermark = high_watermark_;
  change.log_end_offset = log_.log_end_offset();
  change.reason = reason;
  if (const auto* leader = std::get_if<LeaderState>(&role_)) {
    change.partition_epoch = leader->partition_epoch;
    change.isr = leader->isr;
  } else if (const auto* follower = std::get_if<FollowerState>(&role_)) {
    change.fetcher_phase = follower->phase;
  }
  output_.state_changes.push_back(std::move(change));
}

void PartitionReplica::record_log_change(LogChange change) {
  KS_ASSERT(change.log_end_offset == log_.log_end_offset());
  output_.log_changes.push_back(change);
}

Offset PartitionReplica::truncate_log(Time now, Offset offset, const char* reason) {
  KS_ASSERT(offset >= 0);
  const Offset log_end_before = log_.log_end_offset();
  const Offset high_watermark_before = high_watermark_;
  // Called even when offset >= the log end: an epoch assigned at the log end must go too.
  const Offset log_end_after = log_.truncate_to(now, offset);
  KS_ASSERT(log_end_after == log_.log_end_offset());
  KS_ASSERT(log_end_after <= log_end_before);
  KS_ASSERT(log_end_after <= std::max(offset, log_.log_start_offset()) || log_end_after == log_end_before);
  if (log_end_after < log_end_before) {
    LogChange change;
    change.kind = LogChange::Kind::truncate;
    change.offset = offset;
    change.log_end_offset = log_end_after;
    change.below_high_watermark = log_end_after < high_watermark_before;
    change.reason = reason;
    record_log_change(change);
  }
  clamp_high_watermark_to_log(now, reason);
  return log_end_after;
}

void PartitionReplica::truncate_log_fully(Time now, Offset start_offset, const char* reason) {
  KS_ASSERT(start_offset >= 0);
  log_.truncate_fully_and_start_at(now, start_offset);
  KS_ASSERT(log_.log_start_offset() == start_offset);
  KS_ASSERT(log_.log_end_offset() == start_offset);
  KS_ASSERT(!log_.latest_epoch().has_value());
  LogChange change;
  change.kind = LogChange::Kind::truncate_fully;
  change.offset = start_offset;
  change.log_end_offset = start_offset;
  change.reason = reason;
  record_log_change(change);
  clamp_high_watermark_to_log(now, reason);
}

void PartitionReplica::clamp_high_watermark_to_log(Time now, const char* reason) {
  const Offset clamped = std::clamp(high_watermark_, log_.log_start_offset(), log_.log_end_offset());
  if (clamped == high_watermark_) return;
  KS_ASSERT_MSG(role() != Role::leader, "a leader's log never shrinks");
  high_watermark_ = clamped;
  push_state_change(now, reason);
}

ErrorCode PartitionReplica::leader_request_error(std::optional<Epoch> current_leader_epoch) const {
  // Partition.getLocalLog -> checkCurrentLeaderEpoch (KIP-320): the epoch first, then the role.
  if (current_leader_epoch) {
    if (*current_leader_epoch < leader_epoch_) return ErrorCode::fenced_leader_epoch;
    if (*current_leader_epoch > leader_epoch_) return ErrorCode::unknown_leader_epoch;
  }
  if (role() != Role::leader) return ErrorCode::not_leader_or_follower;
  return ErrorCode::none;
}

LeaderState& PartitionReplica::leader_state() {
  KS_ASSERT(role() == Role::leader);
  return std::get<LeaderState>(role_);
}

const LeaderState& PartitionReplica::leader_state() const {
  KS_ASSERT(role() == Role::leader);
  return std::get<LeaderState>(role_);
}

FollowerState& PartitionReplica::follower_state() {
  KS_ASSERT(role() == Role::follower);
  return std::get<FollowerState>(role_);
}

// ---------------------------------------------------------------- metadata: role changes

void PartitionReplica::become_leader(Time now, Epoch leader_epoch, std::int32_t partition_epoch,
                                     std::vector<NodeId> replicas, std::vector<NodeId> isr) {
  begin_input(now);
  // The image only carries what kraftsim's controller guarantees: a broken one is our bug.
  KS_ASSERT(leader_epoch >= 0);
  KS_ASSERT(partition_epoch >= 0);
  KS_ASSERT_MSG(leader_epoch >= leader_epoch_, "leader epochs in the metadata image only grow");
  KS_ASSERT(!replicas.empty());
  KS_ASSERT(replicas.size() <= replicas_max);
  KS_ASSERT(all_distinct(replicas));
  KS_ASSERT(contains(replicas, config_.node_id));
  KS_ASSERT(all_distinct(isr));
  KS_ASSERT(contains(isr, config_.node_id));
  KS_ASSERT(is_subset(isr, replicas));
  std::sort(isr.begin(), isr.end());

  if (role() == Role::leader && leader_epoch == leader_epoch_) {
    // A metadata update in the same leadership (Partition.makeLeader with no new leader epoch).
    LeaderState& leader = leader_state();
    if (partition_epoch < leader.partition_epoch) {
      // The AlterPartition answer already told us something newer; this image is behind it.
      end_input(now);
      return;
    }
    leader.partition_epoch = partition_epoch;
    leader.replicas = std::move(replicas);
    leader.isr = std::move(isr);
    leader.pending_isr.reset();  // the image supersedes whatever was in flight
    // Keep what we know about remaining followers; a new one starts unknown.
    std::vector<FollowerProgress> followers;
    for (NodeId id : leader.replicas) {
      if (id == config_.node_id) continue;
      const FollowerProgress* known = find_follower(id);
      FollowerProgress progress = known ? *known : FollowerProgress{};
      progress.replica_id = id;
      followers.push_back(progress);
    }
    std::sort(followers.begin(), followers.end(),
              [](const FollowerProgress& a, const FollowerProgress& b) { return a.replica_id < b.replica_id; });
    leader.followers = std::move(followers);
    std::erase_if(leader.fetch_purgatory, [this](const ParkedFetch& p) {
      return find_follower(p.request.replica_id) == nullptr;
    });
    push_state_change(now, "metadata update");
    maybe_advance_high_watermark(now, "metadata update");
    end_input(now);
    return;
  }

  const bool was_leader = role() == Role::leader;
  KS_ASSERT_MSG(!was_leader || leader_epoch > leader_epoch_, "a new leadership has a new leader epoch");
  std::vector<ParkedFetch> parked_fetches;
  LeaderState next;
  if (was_leader) {
    // Re-elected (a new leader epoch, same leader): produce requests keep waiting; fetches of
    // the old epoch are answered below (FENCED_LEADER_EPOCH).
    LeaderState& previous = leader_state();
    next.produce_purgatory = std::move(previous.produce_purgatory);
    next.followers = std::move(previous.followers);
    parked_fetches = std::move(previous.fetch_purgatory);
  }
  leader_epoch_ = leader_epoch;
  // KIP-101: record where the new epoch starts before anything is written in it, so that a
  // follower asking about an older epoch learns where that one ended.
  const Offset epoch_start = log_.log_end_offset();
  log_.assign_epoch(now, leader_epoch, epoch_start);
  LogChange change;
  change.kind = LogChange::Kind::assign_epoch;
  change.offset = epoch_start;
  change.log_end_offset = epoch_start;
  change.epoch = leader_epoch;
  change.reason = "new leader epoch";
  record_log_change(change);

  next.partition_epoch = partition_epoch;
  next.replicas = std::move(replicas);
  next.isr = std::move(isr);
  next.epoch_start_offset = epoch_start;
  next.next_isr_expiration_check = now + config_.replica_lag_time_max / 2;
  role_ = std::move(next);
  reset_followers(now, !was_leader);
  answer_parked_fetches_after_role_change(std::move(parked_fetches));
  push_state_change(now, was_leader ? "new leader epoch" : "became leader");
  // The ISR may be just this broker: the high watermark can move at once.
  maybe_advance_high_watermark(now, "became leader");
  end_input(now);
}

void PartitionReplica::become_follower(Time now, NodeId leader_id, Epoch leader_epoch) {
  begin_input(now);
  KS_ASSERT(leader_id >= 0);
  KS_ASSERT_MSG(leader_id != config_.node_id, "use become_leader for this broker");
  KS_ASSERT(leader_epoch >= 0);
  KS_ASSERT_MSG(leader_epoch >= leader_epoch_, "leader epochs in the metadata image only grow");
  if (role() == Role::follower && follower_state().leader_id == leader_id && leader_epoch == leader_epoch_) {
    end_input(now);  // already following (Kafka skips the become-follower change)
    return;
  }
  KS_ASSERT_MSG(role() == Role::none || leader_epoch > leader_epoch_ || config_.test_only_leader_epoch_not_bumped,
                "a new leader has a new leader epoch");
  std::vector<ParkedFetch> parked_fetches;
  if (role() == Role::leader) {
    LeaderState& leader = leader_state();
    parked_fetches = std::move(leader.fetch_purgatory);
    // DelayedProduce completes with NOT_LEADER_OR_FOLLOWER once the partition is no longer led here.
    answer_all_produces(ErrorCode::not_leader_or_follower);
  }
  leader_epoch_ = leader_epoch;
  FollowerState follower;
  follower.leader_id = leader_id;
  role_ = follower;
  answer_parked_fetches_after_role_change(std::move(parked_fetches));
  push_state_change(now, "became follower");
  start_fetcher(now);
  end_input(now);
}

void PartitionReplica::on_min_insync_replicas_changed(Time now, int min_insync_replicas) {
  begin_input(now);
  KS_ASSERT(min_insync_replicas >= 1);
  config_.min_insync_replicas = min_insync_replicas;
  maybe_advance_high_watermark(now, "min.insync.replicas changed");
  end_input(now);
}

void PartitionReplica::on_ineligible_replicas_changed(Time now, std::vector<NodeId> ineligible_replica_ids) {
  begin_input(now);
  KS_ASSERT(ineligible_replica_ids.size() <= replicas_max);
  std::sort(ineligible_replica_ids.begin(), ineligible_replica_ids.end());
  ineligible_replicas_ = std::move(ineligible_replica_ids);
  end_input(now);
}

// ---------------------------------------------------------------- timers and output

void PartitionReplica::on_timer(Time now) {
  begin_input(now);
  if (auto* leader = std::get_if<LeaderState>(&role_)) {
    expire_produces(now);
    complete_parked_fetches(now);
    if (now >= leader->next_isr_expiration_check) {
      // Kafka's "isr-expiration" task runs every replica.lag.time.max.ms / 2.
      const Duration period = config_.replica_lag_time_max / 2;
      while (leader->next_isr_expiration_check <= now) leader->next_isr_expiration_check += period;
      maybe_shrink_isr(now);
    }
  } else if (auto* follower = std::get_if<FollowerState>(&role_)) {
    if (follower->in_flight && follower->in_flight->deadline <= now) {
      follower->in_flight.reset();
      follower->retry_at = now + config_.replica_fetch_backoff;
    }
  }
  end_input(now);
}

Time PartitionReplica::next_deadline() const {
  Time deadline = Time::max();
  if (const auto* leader = std::get_if<LeaderState>(&role_)) {
    deadline = std::min(deadline, leader->next_isr_expiration_check);
    for (const ParkedProduce& p : leader->produce_purgatory) deadline = std::min(deadline, p.deadline);
    for (const ParkedFetch& p : leader->fetch_purgatory) deadline = std::min(deadline, p.deadline);
  } else if (const auto* follower = std::get_if<FollowerState>(&role_)) {
    if (follower->in_flight) {
      deadline = std::min(deadline, follower->in_flight->deadline);
    } else if (follower->retry_at) {
      deadline = std::min(deadline, *follower->retry_at);
    }
  }
  return deadline;
}

Output PartitionReplica::take_output() {
  Output out = std::move(output_);
  output_ = Output{};
  return out;
}

// ---------------------------------------------------------------- accessors

Role PartitionReplica::role() const {
  if (std::holds_alternative<LeaderState>(role_)) return Role::leader;
  if (std::holds_alternative<FollowerState>(role_)) return Role::follower;
  return Role::none;
}

NodeId PartitionReplica::leader_id() const {
  if (std::holds_alternative<LeaderState>(role_)) return config_.node_id;
  if (const auto* follower = std::get_if<FollowerState>(&role_)) return follower->leader_id;
  return no_node;
}

std::vector<NodeId> PartitionReplica::isr() const {
  if (const auto* leader = std::get_if<LeaderState>(&role_)) return leader->isr;
  return {};
}

std::vector<NodeId> PartitionReplica::maximal_isr() const {
  const auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr) return {};
  // KIP-497: while an expansion is in flight the joining replica already counts (it makes the
  // high watermark stricter, which is safe); a shrink counts only once the controller agrees.
  if (leader->pending_isr && leader->pending_isr->kind == PendingIsrChange::Kind::expand) {
    return leader->pending_isr->proposed_isr;
  }
  return leader->isr;
}

std::int32_t PartitionReplica::partition_epoch() const {
  if (const auto* leader = std::get_if<LeaderState>(&role_)) return leader->partition_epoch;
  return -1;
}

int PartitionReplica::effective_min_isr() const {
  const auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr) return config_.min_insync_replicas;
  return std::min(config_.min_insync_replicas, static_cast<int>(leader->replicas.size()));
}

bool PartitionReplica::under_min_isr() const {
  const auto* leader = std::get_if<LeaderState>(&role_);
  return leader != nullptr && static_cast<int>(leader->isr.size()) < effective_min_isr();
}

const FollowerProgress* PartitionReplica::follower_progress(NodeId replica_id) const {
  const auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr) return nullptr;
  const auto it = std::find_if(leader->followers.begin(), leader->followers.end(),
                               [replica_id](const FollowerProgress& f) { return f.replica_id == replica_id; });
  return it == leader->followers.end() ? nullptr : &*it;
}

std::size_t PartitionReplica::waiting_produce_count() const {
  const auto* leader = std::get_if<LeaderState>(&role_);
  return leader == nullptr ? 0 : leader->produce_purgatory.size();
}

std::optional<FetcherPhase> PartitionReplica::fetcher_phase() const {
  if (const auto* follower = std::get_if<FollowerState>(&role_)) return follower->phase;
  return std::nullopt;
}

}  // namespace kraftsim::replication

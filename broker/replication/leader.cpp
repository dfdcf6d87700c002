// PartitionReplica, the leader's side (partition_replica.h): produce with acks and
// min.insync.replicas, the produce and fetch purgatories, follower fetches with KIP-320 fencing
// and DivergingEpoch, follower progress, the high watermark (KIP-497 maximal ISR, KIP-966),
// ISR shrink and expansion through AlterPartition, and OffsetsForLeaderEpoch answers.
//
// Kafka sources mirrored: Partition.appendRecordsToLeader, checkEnoughReplicasReachOffset,
// fetchRecords/readRecords, updateFollowerFetchState, maybeIncrementLeaderHW, maybeExpandIsr,
// maybeShrinkIsr, handleAlterPartitionUpdate/Error, lastOffsetForLeaderEpoch; Replica's
// updateFetchStateOrThrow / resetReplicaState / isCaughtUp; DelayedProduce; DelayedFetch.
#include <algorithm>
#include <utility>

#include "base/assert.h"
#include "broker/replication/partition_replica.h"

namespace kraftsim::replication {
namespace {

bool contains(const std::vector<NodeId>& ids, NodeId id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

FetchResponse error_fetch_response(std::uint64_t request_id, ErrorCode error) {
  FetchResponse response;
  response.request_id = request_id;
  response.error = error;
  return response;
}

}  // namespace

FollowerProgress* PartitionReplica::find_follower(NodeId id) {
  auto& followers = leader_state().followers;
  const auto it = std::lower_bound(followers.begin(), followers.end(), id,
                                   [](const FollowerProgress& f, NodeId n) { return f.replica_id < n; });
  return it != followers.end() && it->replica_id == id ? &*it : nullptr;
}

void PartitionReplica::reset_followers(Time now, bool new_leader) {
  // Replica.resetReplicaState: an ISR member counts as caught up now, so that it has a full
  // replica.lag.time.max.ms to fetch from the new leader; anyone else has never caught up.
  LeaderState& leader = leader_state();
  std::vector<FollowerProgress> followers;
  for (NodeId id : leader.replicas) {
    if (id == config_.node_id) continue;
    FollowerProgress progress;
    if (!new_leader) {
      const auto it = std::find_if(leader.followers.begin(), leader.followers.end(),
                                   [id](const FollowerProgress& f) { return f.replica_id == id; });
      if (it != leader.followers.end()) progress = *it;
      progress.last_fetch_leader_log_end_offset = leader.epoch_start_offset;
    }
    progress.replica_id = id;
    progress.last_caught_up_time = contains(leader.isr, id) ? std::optional<Time>(now) : std::nullopt;
    followers.push_back(progress);
  }
  std::sort(followers.begin(), followers.end(),
            [](const FollowerProgress& a, const FollowerProgress& b) { return a.replica_id < b.replica_id; });
  leader.followers = std::move(followers);
  KS_ASSERT(leader.followers.size() + 1 == leader.replicas.size());
}

// ---------------------------------------------------------------- Produce

void PartitionReplica::on_produce(Time now, ProduceRequest request) {
  begin_input(now);
  KS_ASSERT(request.record_count > 0);
  KS_ASSERT(request.record_count <= batch_records_max);
  KS_ASSERT(request.timeout >= Duration());
  const auto respond_before_append = [&](ErrorCode error) {
    ProduceResponse response;
    response.request_id = request.request_id;
    response.error = error;
    response.acks = request.acks;
    response.send_to_producer = request.acks != Acks::none;
    response.close_connection = request.acks == Acks::none;
    output_.produce_responses.push_back(response);
  };
  if (role() != Role::leader) {
    respond_before_append(ErrorCode::not_leader_or_follower);
    end_input(now);
    return;
  }
  LeaderState& leader = leader_state();
  // Partition.appendRecordsToLeader: acks=all refuses BEFORE appending when the (committed) ISR
  // is already too small; min.insync.replicas means nothing to acks=0 and acks=1.
  if (request.acks == Acks::all && static_cast<int>(leader.isr.size()) < effective_min_isr()) {
    respond_before_append(ErrorCode::not_enough_replicas);
    end_input(now);
    return;
  }
  // Producers bound their in-flight requests; a full purgatory is a runaway driver.
  KS_ASSERT_MSG(request.acks != Acks::all || leader.produce_purgatory.size() < produce_purgatory_max,
                "produce purgatory full");
  const Offset log_end_before = log_.log_end_offset();
  const LeaderAppend appended = log_.append_as_leader(now, leader_epoch_, request.record_count, std::move(request.payload));
  if (appended.error != ErrorCode::none) {
    respond_before_append(appended.error);
    end_input(now);
    return;
  }
  if (appended.duplicate) {
    // An idempotent producer's retry of a batch already in the log (KIP-98): nothing appended;
    // answered with the original offsets once they are as safe as acks asks (DelayedProduce
    // waits for the duplicate's last offset like for a fresh append).
    KS_ASSERT(log_.log_end_offset() == log_end_before);
    KS_ASSERT(appended.base_offset >= 0 && appended.last_offset < log_end_before);
  } else {
    KS_ASSERT(appended.base_offset == log_end_before);
    KS_ASSERT(appended.last_offset == log_end_before + request.record_count - 1);
    KS_ASSERT(log_.log_end_offset() == log_end_before + request.record_count);
    LogChange change;
    change.kind = LogChange::Kind::append_as_leader;
    change.offset = appended.base_offset;
    change.log_end_offset = log_.log_end_offset();
    change.epoch = leader_epoch_;
    change.record_count = request.record_count;
    change.reason = "produce";
    record_log_change(change);
    // An ISR of one moves the high watermark at once (earlier waiting produces complete first,
    // keeping the answers in offset order); followers waiting for data get it.
    maybe_advance_high_watermark(now, "produce");
    complete_parked_fetches(now);
  }

  if (request.acks != Acks::all) {
    ProduceResponse response;  // acks=1 (and acks=0, not sent)
    response.request_id = request.request_id;
    response.base_offset = appended.base_offset;
    response.acks = request.acks;
    response.send_to_producer = request.acks != Acks::none;
    response.duplicate = appended.duplicate;
    output_.produce_responses.push_back(response);
    end_input(now);
    return;
  }
  const ParkedProduce parked{request.request_id, appended.base_offset, appended.last_offset + 1, now + request.timeout,
                             appended.duplicate};
  if (high_watermark_ >= parked.required_offset) {
    answer_produce(parked, static_cast<int>(maximal_isr().size()) >= effective_min_isr()
                               ? ErrorCode::none
                               : ErrorCode::not_enough_replicas_after_append);
  } else {
    park_produce(parked);
  }
  end_input(now);
}

void PartitionReplica::park_produce(const ParkedProduce& parked) {
  // The purgatory is answered front to back as the high watermark passes required_offset, so it
  // stays sorted by it; a duplicate's original can sit before later fresh appends.
  auto& purgatory = leader_state().produce_purgatory;
  auto at = std::upper_bound(purgatory.begin(), purgatory.end(), parked.required_offset,
                             [](Offset required, const ParkedProduce& p) { return required < p.required_offset; });
  purgatory.insert(at, parked);
}

void PartitionReplica::answer_produce(const ParkedProduce& parked, ErrorCode error) {
  ProduceResponse response;
  response.request_id = parked.request_id;
  response.error = error;
  response.base_offset = parked.base_offset;
  response.acks = Acks::all;
  response.duplicate = parked.duplicate;
  output_.produce_responses.push_back(response);
}

void PartitionReplica::complete_waiting_produces(Time /*now*/) {
  // DelayedProduce.tryComplete -> Partition.checkEnoughReplicasReachOffset: done once the high
  // watermark passes the last record; NOT_ENOUGH_REPLICAS_AFTER_APPEND if by then the (maximal)
  // ISR is below min.insync.replicas. Under KIP-966 the high watermark does not move in that
  // state, so such a request waits for the ISR to grow back or times out instead.
  LeaderState& leader = leader_state();
  const bool enough = static_cast<int>(maximal_isr().size()) >= effective_min_isr();
  std::size_t done = 0;
  while (done < leader.produce_purgatory.size() && leader.produce_purgatory[done].required_offset <= high_watermark_) {
    answer_produce(leader.produce_purgatory[done],
                   enough ? ErrorCode::none : ErrorCode::not_enough_replicas_after_append);
    ++done;
  }
  leader.produce_purgatory.erase(leader.produce_purgatory.begin(),
                                 leader.produce_purgatory.begin() + static_cast<std::ptrdiff_t>(done));
}

void PartitionReplica::expire_produces(Time now) {
  // DelayedProduce.onExpiration: REQUEST_TIMED_OUT; the records stay in the log.
  LeaderState& leader = leader_state();
  std::vector<ParkedProduce> waiting;
  for (const ParkedProduce& p : leader.produce_purgatory) {
    if (p.deadline <= now) {
      answer_produce(p, ErrorCode::request_timed_out);
    } else {
      waiting.push_back(p);
    }
  }
  leader.produce_purgatory = std::move(waiting);
}

void PartitionReplica::answer_all_produces(ErrorCode error) {
  LeaderState& leader = leader_state();
  for (const ParkedProduce& p : leader.produce_purgatory) answer_produce(p, error);
  leader.produce_purgatory.clear();
}

// ---------------------------------------------------------------- Fetch from a follower

void PartitionReplica::on_follower_fetch(Time now, const FetchRequest& request) {
  begin_input(now);
  ErrorCode error = leader_request_error(request.current_leader_epoch);
  if (error == ErrorCode::none && find_follower(request.replica_id) == nullptr) {
    error = ErrorCode::not_leader_or_follower;  // "Replica N is not in replica assignment"
  }
  if (error != ErrorCode::none) {
    output_.fetch_responses.push_back({request.replica_id, error_fetch_response(request.request_id, error)});
    end_input(now);
    return;
  }
  LeaderState& leader = leader_state();
  // A newer fetch from the same follower supersedes a parked one (it gave up on that one).
  std::erase_if(leader.fetch_purgatory,
                [&request](const ParkedFetch& p) { return p.request.replica_id == request.replica_id; });
  // The response carries the high watermark as it was BEFORE this fetch moved it (Kafka reads,
  // then updates the follower's state): followers learn the high watermark a round trip late.
  FetchResponse response = leader_fetch_response(request);
  if (response.error == ErrorCode::none && !response.diverging_epoch) {
    update_follower_fetch_state(now, *find_follower(request.replica_id), request.fetch_offset);
    const bool nothing_to_read = response.read_from_offset == response.read_up_to_offset;
    if (nothing_to_read && request.max_wait > Duration()) {
      // DelayedFetch: wait for data (replica.fetch.min.bytes = 1) or replica.fetch.wait.max.ms.
      KS_ASSERT(request.fetch_offset == log_.log_end_offset());
      leader_state().fetch_purgatory.push_back(ParkedFetch{request, now + request.max_wait});
      end_input(now);
      return;
    }
  }
  output_.fetch_responses.push_back({request.replica_id, std::move(response)});
  end_input(now);
}

FetchResponse PartitionReplica::leader_fetch_response(const FetchRequest& request) const {
  KS_ASSERT(role() == Role::leader);
  FetchResponse response;
  response.request_id = request.request_id;
  response.high_watermark = high_watermark_;
  response.log_start_offset = log_.log_start_offset();
  response.log_end_offset = log_.log_end_offset();
  response.read_from_offset = request.fetch_offset;
  response.read_up_to_offset = request.fetch_offset;
  if (request.last_fetched_epoch) {
    // Partition.readRecords: the follower's last epoch must end, on this log, at or after its
    // fetch offset; otherwise tell it where that epoch really ends (DivergingEpoch).
    const EpochEndOffset ours = log_.end_offset_for_epoch(*request.last_fetched_epoch);
    if (ours.epoch == undefined_epoch || ours.end_offset == undefined_epoch_offset ||
        request.fetch_offset < log_.log_start_offset()) {
      response.error = ErrorCode::offset_out_of_range;
      return response;
    }
    if (ours.epoch < *request.last_fetched_epoch || ours.end_offset < request.fetch_offset) {
      response.diverging_epoch = ours;
      return response;
    }
  }
  if (request.fetch_offset < log_.log_start_offset() || request.fetch_offset > log_.log_end_offset()) {
    response.error = ErrorCode::offset_out_of_range;
    return response;
  }
  response.read_up_to_offset = log_.log_end_offset();
  KS_ASSERT(response.read_from_offset <= response.read_up_to_offset);
  return response;
}

void PartitionReplica::update_follower_fetch_state(Time now, FollowerProgress& follower, Offset fetch_offset) {
  const Offset leader_end = log_.log_end_offset();
  KS_ASSERT(fetch_offset >= 0);
  KS_ASSERT(fetch_offset <= leader_end);
  const std::optional<Offset> previous_end = follower.log_end_offset;
  const auto caught_up_at = [&follower](Time t) {
    follower.last_caught_up_time = follower.last_caught_up_time ? std::max(*follower.last_caught_up_time, t) : t;
  };
  // Replica.updateFetchStateOrThrow: caught up now if it has everything; caught up as of its
  // previous fetch if it has everything the leader had then.
  if (fetch_offset >= leader_end) {
    caught_up_at(now);
  } else if (follower.last_fetch_leader_log_end_offset && follower.last_fetch_time &&
             fetch_offset >= *follower.last_fetch_leader_log_end_offset) {
    caught_up_at(*follower.last_fetch_time);
  }
  follower.log_end_offset = fetch_offset;
  follower.last_fetch_leader_log_end_offset =
      std::max(leader_end, follower.last_fetch_leader_log_end_offset.value_or(leader_end));
  follower.last_fetch_time = now;
  maybe_expand_isr(now, follower);
  if (previous_end != follower.log_end_offset) maybe_advance_high_watermark(now, "follower fetch");
}

void PartitionReplica::complete_parked_fetches(Time now) {
  LeaderState& leader = leader_state();
  const Offset log_end = log_.log_end_offset();
  std::vector<ParkedFetch> due;
  std::vector<ParkedFetch> still_parked;
  for (ParkedFetch& p : leader.fetch_purgatory) {
    (p.request.fetch_offset < log_end || p.deadline <= now ? due : still_parked).push_back(std::move(p));
  }
  leader.fetch_purgatory = std::move(still_parked);
  for (const ParkedFetch& p : due) {
    output_.fetch_responses.push_back({p.request.replica_id, leader_fetch_response(p.request)});
  }
}

void PartitionReplica::answer_parked_fetches_after_role_change(std::vector<ParkedFetch> parked) {
  // DelayedFetch re-checks the partition when leadership changes: the old epoch is fenced, a
  // follower is not a leader.
  for (const ParkedFetch& p : parked) {
    const ErrorCode error = leader_request_error(p.request.current_leader_epoch);
    if (error != ErrorCode::none) {
      output_.fetch_responses.push_back({p.request.replica_id, error_fetch_response(p.request.request_id, error)});
    } else if (role() == Role::leader && find_follower(p.request.replica_id) != nullptr) {
      output_.fetch_responses.push_back({p.request.replica_id, leader_fetch_response(p.request)});
    } else {
      const FetchResponse response = error_fetch_response(p.request.request_id, ErrorCode::not_leader_or_follower);
      output_.fetch_responses.push_back({p.request.replica_id, response});
    }
  }
}

// ---------------------------------------------------------------- High watermark

void PartitionReplica::on_log_flushed(Time now) {
  begin_input(now);
  maybe_advance_high_watermark(now, "flushed");
  end_input(now);
}

bool PartitionReplica::maybe_advance_high_watermark(Time now, const char* reason) {
  if (role() != Role::leader) return false;
  // KIP-966 (Kafka 3.7+): records only an under-sized ISR holds are not committed.
  if (!config_.legacy_advance_high_watermark_below_min_isr && under_min_isr()) return false;
  // The smallest log end over the maximal ISR, the leader's own included (as far as its
  // flush.messages flushes made it durable: ReplicaLog::high_watermark_end_offset). A member that
  // has not fetched in this leadership holds it back (Kafka's UnknownOffset).
  Offset candidate = log_.high_watermark_end_offset();
  KS_ASSERT(candidate <= log_.log_end_offset());
  for (NodeId id : maximal_isr()) {
    if (id == config_.node_id) continue;
    const FollowerProgress* follower = find_follower(id);
    KS_ASSERT(follower != nullptr);
    if (!follower->log_end_offset) return false;
    candidate = std::min(candidate, *follower->log_end_offset);
  }
  if (config_.test_only_leader_high_watermark_may_decrease) {
    // The test-only mutation (config.h): lagging replicas count, and the value may go down.
    for (const FollowerProgress& f : leader_state().followers) {
      if (f.log_end_offset) candidate = std::min(candidate, *f.log_end_offset);
    }
    candidate = std::max(candidate, log_.log_start_offset());
    if (candidate == high_watermark_) return false;
  } else if (candidate <= high_watermark_) {
    return false;  // only forward (UnifiedLog.maybeIncrementHighWatermark)
  }
  KS_ASSERT(candidate <= log_.log_end_offset());
  for (NodeId id : maximal_isr()) {
    KS_ASSERT(id == config_.node_id || candidate <= *find_follower(id)->log_end_offset);
  }
  high_watermark_ = candidate;
  push_state_change(now, reason);
  complete_waiting_produces(now);
  return true;
}

// ---------------------------------------------------------------- ISR

bool PartitionReplica::is_caught_up(const FollowerProgress& follower, Time now) const {
  // ReplicaState.isCaughtUp: it has the leader's log end, or had it within replica.lag.time.max.ms.
  if (follower.log_end_offset == log_.log_end_offset()) return true;
  return follower.last_caught_up_time && now - *follower.last_caught_up_time <= config_.replica_lag_time_max;
}

void PartitionReplica::maybe_expand_isr(Time now, const FollowerProgress& follower) {
  LeaderState& leader = leader_state();
  if (leader.pending_isr) return;  // one AlterPartition at a time
  if (contains(leader.isr, follower.replica_id)) return;
  if (std::binary_search(ineligible_replicas_.begin(), ineligible_replicas_.end(), follower.replica_id)) return;
  if (!follower.log_end_offset) return;
  // Partition.isFollowerInSync: at the high watermark, and past the start of this leader's
  // epoch (else committed records between the high watermark and the log end could be lost if
  // it were elected before fetching them).
  if (*follower.log_end_offset < high_watermark_ || *follower.log_end_offset < leader.epoch_start_offset) return;
  std::vector<NodeId> proposed = leader.isr;
  proposed.push_back(follower.replica_id);
  std::sort(proposed.begin(), proposed.end());
  send_alter_partition(now, PendingIsrChange::Kind::expand, std::move(proposed));
}

void PartitionReplica::maybe_shrink_isr(Time now) {
  LeaderState& leader = leader_state();
  if (leader.pending_isr) return;
  std::vector<NodeId> proposed;
  for (NodeId id : leader.isr) {
    if (id == config_.node_id) {
      proposed.push_back(id);
      continue;
    }
    const FollowerProgress* follower = find_follower(id);
    KS_ASSERT(follower != nullptr);
    if (is_caught_up(*follower, now)) proposed.push_back(id);
  }
  if (proposed.size() == leader.isr.size()) return;
  send_alter_partition(now, PendingIsrChange::Kind::shrink, std::move(proposed));
}

void PartitionReplica::send_alter_partition(Time /*now*/, PendingIsrChange::Kind kind,
                                            std::vector<NodeId> proposed_isr) {
  LeaderState& leader = leader_state();
  KS_ASSERT(!leader.pending_isr);
  KS_ASSERT(proposed_isr != leader.isr);
  KS_ASSERT(std::is_sorted(proposed_isr.begin(), proposed_isr.end()));
  const std::uint64_t request_id = next_request_id_++;
  AlterPartitionRequest request;
  request.request_id = request_id;
  request.topic_partition = config_.topic_partition;
  request.leader_id = config_.node_id;
  request.leader_epoch = leader_epoch_;
  request.partition_epoch = leader.partition_epoch;
  request.new_isr = proposed_isr;
  output_.alter_partition_requests.push_back(std::move(request));
  leader.pending_isr = PendingIsrChange{kind, request_id, std::move(proposed_isr), false};
}

void PartitionReplica::on_alter_partition_response(Time now, const AlterPartitionResponse& response) {
  begin_input(now);
  auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr || !leader->pending_isr || leader->pending_isr->request_id != response.request_id ||
      leader->pending_isr->awaiting_metadata) {
    end_input(now);  // an answer to a request the metadata image has superseded
    return;
  }
  PendingIsrChange& pending = *leader->pending_isr;
  switch (response.error) {
    case ErrorCode::none: {
      // handleAlterPartitionUpdate: an answer for another leader epoch or an older partition
      // epoch changes nothing; the request stays in flight until the metadata image moves on.
      if (response.leader_epoch != leader_epoch_ || response.partition_epoch < leader->partition_epoch) {
        pending.awaiting_metadata = true;
        break;
      }
      std::vector<NodeId> isr = response.isr;
      std::sort(isr.begin(), isr.end());
      KS_ASSERT(contains(isr, config_.node_id));
      KS_ASSERT(std::all_of(isr.begin(), isr.end(), [leader](NodeId id) { return contains(leader->replicas, id); }));
      const bool expanded = pending.kind == PendingIsrChange::Kind::expand;
      leader->isr = std::move(isr);
      leader->partition_epoch = response.partition_epoch;
      leader->pending_isr.reset();
      push_state_change(now, expanded ? "ISR expanded" : "ISR shrunk");
      maybe_advance_high_watermark(now, expanded ? "ISR expanded" : "ISR shrunk");
      break;
    }
    case ErrorCode::operation_not_attempted:
    case ErrorCode::ineligible_replica:
      // The controller says the request was not applied and our partition epoch is current:
      // back to the committed ISR; a later fetch or check may propose again.
      leader->pending_isr.reset();
      break;
    default:
      // INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION, ...: our view is
      // stale; wait for the metadata image.
      pending.awaiting_metadata = true;
      break;
  }
  end_input(now);
}

// ---------------------------------------------------------------- OffsetsForLeaderEpoch

OffsetsForLeaderEpochResponse PartitionReplica::on_offsets_for_leader_epoch(
    Time now, const OffsetsForLeaderEpochRequest& request) const {
  KS_ASSERT_MSG(now >= last_now_, "time never goes backwards");
  OffsetsForLeaderEpochResponse response;
  response.request_id = request.request_id;
  // Partition.lastOffsetForLeaderEpoch with fetchOnlyFromLeader (a replica is asking).
  response.error = leader_request_error(request.current_leader_epoch);
  if (response.error != ErrorCode::none) return response;
  response.end = log_.end_offset_for_epoch(request.leader_epoch);
  KS_ASSERT(response.end.undefined() || response.end.epoch <= request.leader_epoch);
  KS_ASSERT(response.end.undefined() || response.end.end_offset <= log_.log_end_offset());
  return response;
}

}  // namespace kraftsim::replication

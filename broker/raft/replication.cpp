// QuorumCore replication (quorum_core.h): the leader's side of Fetch and FetchSnapshot (fetch
// validation, long polling, replica progress, high watermark, check-quorum), the follower's
// side (append, DivergingEpoch truncation, snapshot download), flush bookkeeping, and
// DescribeQuorum.
#include "broker/raft/quorum_core.h"

#include <algorithm>

namespace kraftsim::raft {
namespace {

ReplicaProgress* find_replica(std::vector<ReplicaProgress>& replicas, NodeId id) {
  const auto it = std::lower_bound(replicas.begin(), replicas.end(), id,
                                   [](const ReplicaProgress& r, NodeId n) { return r.replica_id < n; });
  return it != replicas.end() && it->replica_id == id ? &*it : nullptr;
}

ReplicaDescription describe(const ReplicaProgress& r) {
  return ReplicaDescription{r.replica_id, r.end_offset, r.last_fetch_time, r.last_caught_up_time};
}

}  // namespace

// ---------------------------------------------------------------- leader: Fetch

std::optional<ErrorCode> QuorumCore::leader_only_error(Epoch request_epoch) const {
  // Kafka validateLeaderOnlyRequest.
  if (request_epoch < epoch_) return ErrorCode::fenced_leader_epoch;
  if (request_epoch > epoch_) return ErrorCode::unknown_leader_epoch;
  if (role() != Role::leader) return ErrorCode::not_leader_or_follower;
  return std::nullopt;
}

void QuorumCore::on_fetch_request(Time now, NodeId from, std::uint64_t correlation_id, const FetchRequest& request) {
  auto respond_error = [&](ErrorCode error) {
    FetchResponse response;
    response.error = error;
    response.leader_epoch = epoch_;
    response.leader_id = leader_id();
    response.log_start_offset = log_.start_offset();
    send_response(from, correlation_id, std::move(response));
  };
  if (request.cluster_id != config_.cluster_id) return respond_error(ErrorCode::inconsistent_cluster_id);
  if (request.replica_id != from || request.fetch_offset < 0 || request.last_fetched_epoch < 0 ||
      request.last_fetched_epoch > request.current_leader_epoch) {
    return respond_error(ErrorCode::invalid_request);
  }
  if (const auto error = leader_only_error(request.current_leader_epoch)) return respond_error(*error);
  auto& leader = std::get<LeaderState>(role_);
  // A newer fetch from the same replica supersedes a parked one (the replica gave up on it).
  std::erase_if(leader.parked_fetches, [from](const ParkedFetch& p) { return p.replica_id == from; });
  if (is_voter_id(from)) {
    update_check_quorum(now, from);
    find_replica(leader.voters, from)->begin_quorum_acked = true;  // it fetches: it knows us
  }
  complete_fetch(now, from, correlation_id, request, true);
}

void QuorumCore::complete_fetch(Time now, NodeId from, std::uint64_t correlation_id, const FetchRequest& request,
                                bool may_park) {
  KS_ASSERT(role() == Role::leader);
  // A follower with an empty log is better served by the snapshot than by replaying the log.
  FetchValidation validation;
  if (request.fetch_offset == 0 && snapshot_) {
    validation.kind = FetchValidation::Kind::snapshot;
    validation.snapshot = snapshot_->id;
  } else {
    validation = log_.validate_offset_and_epoch(request.fetch_offset, request.last_fetched_epoch);
  }
  FetchResponse response;
  response.leader_epoch = epoch_;
  response.leader_id = config_.node_id;
  response.log_start_offset = log_.start_offset();
  switch (validation.kind) {
    case FetchValidation::Kind::diverging: response.diverging_epoch = validation.diverging; break;
    case FetchValidation::Kind::snapshot: response.snapshot_id = validation.snapshot; break;
    case FetchValidation::Kind::valid: {
      // Only a consistent fetch offset proves what the replica holds (and, since followers
      // fetch only up to their flushed offset, that it is durable there: KAFKA-10533).
      update_replica_progress(now, from, request.fetch_offset);
      const std::size_t bytes_max = std::min(request.max_bytes, config_.fetch_bytes_max);
      response.records = log_.read(request.fetch_offset, config_.fetch_entries_max, std::max<std::size_t>(bytes_max, 1));
      auto& leader = std::get<LeaderState>(role_);
      const bool room = leader.parked_fetches.size() < config_.voter_ids.size() + observers_tracked_max;
      if (response.records.empty() && may_park && room && request.max_wait > Duration()) {
        // Bounded by the request timeout: the follower gives up on the request after that anyway.
        const Duration wait = std::min(request.max_wait, config_.request_timeout);
        leader.parked_fetches.push_back(ParkedFetch{from, correlation_id, request, now + wait});
        return;
      }
      break;
    }
  }
  response.high_watermark = std::get<LeaderState>(role_).high_watermark;
  send_response(from, correlation_id, std::move(response));
}

void QuorumCore::complete_parked_fetches(Time now, bool all) {
  auto& leader = std::get<LeaderState>(role_);
  std::vector<ParkedFetch> due;
  std::vector<ParkedFetch> still_parked;
  for (ParkedFetch& p : leader.parked_fetches) {
    (all || p.deadline <= now ? due : still_parked).push_back(std::move(p));
  }
  leader.parked_fetches = std::move(still_parked);
  // Deterministic order: by replica id.
  std::sort(due.begin(), due.end(), [](const ParkedFetch& a, const ParkedFetch& b) { return a.replica_id < b.replica_id; });
  for (const ParkedFetch& p : due) complete_fetch(now, p.replica_id, p.correlation_id, p.request, false);
}

void QuorumCore::answer_parked_fetches_after_leadership(std::vector<ParkedFetch> parked) {
  // Kafka completes the fetch purgatory exceptionally when leadership ends.
  for (const ParkedFetch& p : parked) {
    FetchResponse response;
    response.error = ErrorCode::not_leader_or_follower;
    response.leader_epoch = epoch_;
    response.leader_id = leader_id();
    response.log_start_offset = log_.start_offset();
    send_response(p.replica_id, p.correlation_id, std::move(response));
  }
}

void QuorumCore::update_replica_progress(Time now, NodeId replica, Offset fetch_offset) {
  auto& leader = std::get<LeaderState>(role_);
  KS_ASSERT(fetch_offset <= log_.end_offset());
  ReplicaProgress* progress = find_replica(leader.voters, replica);
  if (progress == nullptr) progress = find_replica(leader.observers, replica);
  if (progress == nullptr) {
    if (leader.observers.size() >= observers_tracked_max) return;  // bookkeeping is bounded
    ReplicaProgress fresh;
    fresh.replica_id = replica;
    const auto it = std::lower_bound(leader.observers.begin(), leader.observers.end(), replica,
                                     [](const ReplicaProgress& r, NodeId n) { return r.replica_id < n; });
    progress = &*leader.observers.insert(it, fresh);
  }
  progress->end_offset = fetch_offset;
  progress->last_fetch_time = now;
  if (fetch_offset >= log_.end_offset()) progress->last_caught_up_time = now;
  if (is_voter_id(replica)) maybe_advance_high_watermark();
}

void QuorumCore::update_check_quorum(Time now, NodeId voter) {
  auto& leader = std::get<LeaderState>(role_);
  KS_ASSERT(is_voter_id(voter));
  KS_ASSERT(voter != config_.node_id);
  if (std::find(leader.fetched_voters.begin(), leader.fetched_voters.end(), voter) == leader.fetched_voters.end()) {
    leader.fetched_voters.push_back(voter);
  }
  // Kafka LeaderState.updateCheckQuorumForFollowingVoter: the leader counts itself, so a
  // majority needs majority - 1 other voters within the window.
  if (leader.fetched_voters.size() + 1 >= config_.majority()) {
    leader.fetched_voters.clear();
    leader.check_quorum_deadline = now + check_quorum_timeout();
  }
}

void QuorumCore::maybe_advance_high_watermark() {
  auto& leader = std::get<LeaderState>(role_);
  // Kafka LeaderState.maybeUpdateHighWatermark: sort the voters' fetch offsets (ours is the
  // flushed end) descending, unknown last, and take the one at index voters / 2: a majority
  // holds everything below it.
  std::vector<std::optional<Offset>> offsets;
  offsets.reserve(leader.voters.size());
  for (const ReplicaProgress& voter : leader.voters) {
    offsets.push_back(voter.replica_id == config_.node_id ? std::optional<Offset>(flushed_end_) : voter.end_offset);
  }
  std::sort(offsets.begin(), offsets.end(), [](const std::optional<Offset>& a, const std::optional<Offset>& b) {
    return a.value_or(-1) > b.value_or(-1);
  });
  const std::optional<Offset> candidate = offsets[leader.voters.size() / 2];
  if (!candidate) return;
  // Raft 5.4.2: commit entries of older epochs only by committing one of our own epoch, here
  // the LeaderChange record at epoch_start_offset.
  if (!config_.test_only_advance_hw_without_own_epoch_commit && *candidate <= leader.epoch_start_offset) return;
  if (leader.high_watermark && *candidate <= *leader.high_watermark) return;  // never decreases
  KS_RAFT_SAFETY(*candidate >= high_watermark_, "a new leader's high watermark is below one already known");
  KS_ASSERT(*candidate <= log_.end_offset());
  leader.high_watermark = candidate;
  high_watermark_ = std::max(high_watermark_, *candidate);
  high_watermark_learned_ = true;
  wake_parked_fetches_ = true;  // followers learn the new high watermark at once
}

void QuorumCore::append_as_leader(Entry entry) {
  KS_ASSERT(role() == Role::leader);
  KS_ASSERT(entry.epoch == epoch_);
  log_.append(entry);
  output_.log_ops.push_back(LogOp{LogOp::Kind::append, entry.offset, {std::move(entry)}});
  request_flush();
  wake_parked_fetches_ = true;
}

std::vector<NodeId> QuorumCore::voters_by_descending_fetch_offset() const {
  const auto& leader = std::get<LeaderState>(role_);
  std::vector<const ReplicaProgress*> others;
  for (const ReplicaProgress& voter : leader.voters) {
    if (voter.replica_id != config_.node_id) others.push_back(&voter);
  }
  std::stable_sort(others.begin(), others.end(), [](const ReplicaProgress* a, const ReplicaProgress* b) {
    return a->end_offset.value_or(-1) > b->end_offset.value_or(-1);
  });
  std::vector<NodeId> ids;
  for (const ReplicaProgress* r : others) ids.push_back(r->replica_id);
  return ids;
}

// ---------------------------------------------------------------- follower: Fetch

void QuorumCore::maybe_send_fetch(Time now, NodeId target) {
  KS_ASSERT(role() == Role::follower);
  if (tracker_.any_in_flight() || !tracker_.is_ready(target, now)) return;
  const auto& follower = std::get<FollowerState>(role_);
  if (follower.download) {
    const SnapshotDownload& d = follower.download.value();
    send_request(now, target,
                 FetchSnapshotRequest{config_.cluster_id, config_.node_id, epoch_, d.id, d.bytes.size(),
                                      config_.snapshot_chunk_bytes_max});
    return;
  }
  // KAFKA-10533: report only a flushed offset, so the leader never counts an entry that a
  // power loss here could still erase. Wait for the flush of the last append first.
  if (flushed_end_ < log_.end_offset()) return;
  send_request(now, target,
               FetchRequest{config_.cluster_id, config_.node_id, epoch_, log_.end_offset(), log_.last_epoch(),
                            config_.fetch_max_wait, config_.fetch_bytes_max});
}

void QuorumCore::maybe_send_discovery_fetch(Time now) {
  KS_ASSERT(!is_voter_);
  if (tracker_.any_in_flight()) return;
  std::vector<NodeId> ready;
  for (NodeId v : config_.voter_ids) {
    if (tracker_.is_ready(v, now)) ready.push_back(v);
  }
  if (ready.empty()) return;
  const NodeId target = ready[rng_.below(ready.size())];
  if (role() == Role::follower) {
    maybe_send_fetch(now, target);
    return;
  }
  // Unattached observer: any voter answers with the leader it knows (Kafka's bootstrap fetch).
  if (flushed_end_ < log_.end_offset()) return;
  send_request(now, target,
               FetchRequest{config_.cluster_id, config_.node_id, epoch_, log_.end_offset(), log_.last_epoch(),
                            config_.fetch_max_wait, config_.fetch_bytes_max});
}

void QuorumCore::on_fetch_response(Time now, NodeId from, std::uint64_t correlation_id, const FetchResponse& response) {
  if (!tracker_.on_response(from, correlation_id)) return;
  if (handle_common_response(now, from, response.error, response.leader_id, response.leader_epoch)) return;
  if (response.error != ErrorCode::none) {
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  auto* follower = std::get_if<FollowerState>(&role_);
  if (follower == nullptr || follower->leader_id != from || response.leader_epoch != epoch_) return;
  follower->fetch_deadline = now + config_.fetch_timeout;
  follower->has_fetched_from_leader = true;
  if (response.diverging_epoch) {
    truncate_divergent_suffix(*response.diverging_epoch);
    return;
  }
  if (response.snapshot_id) {
    if (!follower->download || follower->download->id != *response.snapshot_id) {
      follower->download = SnapshotDownload{*response.snapshot_id, {}, std::nullopt};
    }
    return;
  }
  append_as_follower(response.records);
  update_follower_high_watermark(response.high_watermark);
}

void QuorumCore::append_as_follower(const std::vector<Entry>& records) {
  if (records.empty() || records.front().offset != log_.end_offset()) return;
  for (const Entry& entry : records) {
    // Network input: stop at the first entry that does not continue our log.
    if (entry.offset != log_.end_offset() || entry.epoch < log_.last_epoch() || entry.epoch > epoch_ || entry.epoch < 1) {
      break;
    }
    log_.append(entry);
    if (output_.log_ops.empty() || output_.log_ops.back().kind != LogOp::Kind::append) {
      output_.log_ops.push_back(LogOp{LogOp::Kind::append, entry.offset, {}});
    }
    output_.log_ops.back().entries.push_back(entry);
  }
  request_flush();
}

void QuorumCore::update_follower_high_watermark(std::optional<Offset> leader_high_watermark) {
  if (!leader_high_watermark) return;
  // Kafka updateFollowerHighWatermark: we can only vouch for what we hold.
  const Offset learned = std::min(*leader_high_watermark, log_.end_offset());
  KS_RAFT_SAFETY(learned >= high_watermark_, "the high watermark went backwards on a follower");
  high_watermark_ = std::max(high_watermark_, learned);
  high_watermark_learned_ = true;
}

void QuorumCore::truncate_divergent_suffix(OffsetAndEpoch leader_end) {
  const Offset truncation = log_.truncation_offset_for(leader_end);
  // A committed entry is never removed: the leader holds every committed entry (Raft's
  // leader completeness), so a divergence point below our high watermark is a broken invariant.
  KS_RAFT_SAFETY(truncation >= high_watermark_, "asked to truncate below the high watermark");
  KS_ASSERT(truncation >= log_.start_offset());
  if (truncation >= log_.end_offset()) return;
  log_.truncate_suffix(truncation);
  output_.log_ops.push_back(LogOp{LogOp::Kind::truncate_suffix, truncation, {}});
  clamp_pending_flushes(truncation);
}

// ---------------------------------------------------------------- FetchSnapshot

void QuorumCore::on_fetch_snapshot_request(Time now, NodeId from, std::uint64_t correlation_id,
                                           const FetchSnapshotRequest& request) {
  auto respond_error = [&](ErrorCode error) {
    FetchSnapshotResponse response;
    response.error = error;
    response.leader_epoch = epoch_;
    response.leader_id = leader_id();
    response.snapshot_id = request.snapshot_id;
    send_response(from, correlation_id, std::move(response));
  };
  if (request.cluster_id != config_.cluster_id) return respond_error(ErrorCode::inconsistent_cluster_id);
  if (request.replica_id != from) return respond_error(ErrorCode::invalid_request);
  if (const auto error = leader_only_error(request.current_leader_epoch)) return respond_error(*error);
  if (is_voter_id(from)) update_check_quorum(now, from);
  if (!snapshot_ || snapshot_->id != request.snapshot_id) return respond_error(ErrorCode::snapshot_not_found);
  const std::uint64_t size = snapshot_->bytes.size();
  if (request.position > size) return respond_error(ErrorCode::position_out_of_range);
  const std::size_t chunk_max = std::max<std::size_t>(1, std::min(request.max_bytes, config_.snapshot_chunk_bytes_max));
  const std::uint64_t length = std::min<std::uint64_t>(size - request.position, chunk_max);
  FetchSnapshotResponse response;
  response.leader_epoch = epoch_;
  response.leader_id = config_.node_id;
  response.snapshot_id = snapshot_->id;
  response.size = size;
  response.position = request.position;
  const auto begin = snapshot_->bytes.begin() + static_cast<std::ptrdiff_t>(request.position);
  response.bytes.assign(begin, begin + static_cast<std::ptrdiff_t>(length));
  send_response(from, correlation_id, std::move(response));
}

void QuorumCore::on_fetch_snapshot_response(Time now, NodeId from, std::uint64_t correlation_id,
                                            const FetchSnapshotResponse& response) {
  if (!tracker_.on_response(from, correlation_id)) return;
  if (handle_common_response(now, from, response.error, response.leader_id, response.leader_epoch)) return;
  auto* follower = std::get_if<FollowerState>(&role_);
  const bool ours = follower != nullptr && follower->leader_id == from && response.leader_epoch == epoch_ &&
                    follower->download && follower->download->id == response.snapshot_id;
  if (response.error != ErrorCode::none || !ours) {
    // SNAPSHOT_NOT_FOUND (the leader moved on to a newer snapshot) and the like: start over
    // with a Fetch, which names the current snapshot.
    if (follower != nullptr) follower->download.reset();
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  SnapshotDownload& download = follower->download.value();
  const bool consistent = response.position == download.bytes.size() && response.size <= snapshot_bytes_max &&
                          (!download.size || *download.size == response.size) &&
                          response.position + response.bytes.size() <= response.size;
  if (!consistent) {
    follower->download.reset();
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  follower->fetch_deadline = now + config_.fetch_timeout;
  follower->has_fetched_from_leader = true;
  download.size = response.size;
  download.bytes.insert(download.bytes.end(), response.bytes.begin(), response.bytes.end());
  if (download.bytes.size() == response.size) {
    SnapshotDownload done = std::move(download);
    follower->download.reset();
    install_snapshot(done.id, std::move(done.bytes));
  }
}

void QuorumCore::install_snapshot(SnapshotId id, Bytes bytes) {
  KS_ASSERT(role() == Role::follower);
  KS_ASSERT(bytes.size() <= snapshot_bytes_max);
  // A snapshot holds committed entries only; it never takes back what we already applied.
  KS_RAFT_SAFETY(id.end_offset >= applied_end_, "a fetched snapshot is behind what was applied");
  // Entries we hold past the snapshot end are dropped too (Kafka truncateToLatestSnapshot
  // truncates fully when the snapshot's epoch is later than our last): the leader sent the
  // snapshot because our log diverges from it, so those entries are not committed.
  KS_RAFT_SAFETY(high_watermark_ <= id.end_offset || log_.end_offset() <= id.end_offset,
                 "a fetched snapshot would drop committed entries past it");
  snapshot_ = SnapshotImage{id, std::move(bytes)};
  output_.snapshot_to_persist = *snapshot_;
  log_.reset_to_snapshot(id);
  output_.log_ops.push_back(LogOp{LogOp::Kind::reset, id.end_offset, {}});
  clamp_pending_flushes(id.end_offset);
  flushed_end_ = id.end_offset;  // durable: the snapshot is persisted before the reset
  high_watermark_ = std::max(high_watermark_, id.end_offset);
  if (id.end_offset > applied_end_) {
    // Committed entries collected earlier in this output are inside the snapshot.
    std::erase_if(output_.committed, [&](const Entry& e) { return e.offset < id.end_offset; });
    output_.snapshot_to_load = *snapshot_;
    applied_end_ = id.end_offset;
  }
}

// ---------------------------------------------------------------- flushes

void QuorumCore::request_flush() {
  const Offset end = log_.end_offset();
  if (flushed_end_ >= end) return;
  // One request per Output: a later append in the same Output extends it.
  if (output_.flush_log_to && !pending_flushes_.empty()) {
    pending_flushes_.back() = PendingFlush{end, end};
  } else {
    pending_flushes_.push_back(PendingFlush{end, end});
  }
  output_.flush_log_to = end;
  KS_ASSERT(pending_flushes_.size() <= 1024);  // the driver reports flushes; a runaway queue is a bug
}

void QuorumCore::clamp_pending_flushes(Offset end) {
  flushed_end_ = std::min(flushed_end_, end);
  for (PendingFlush& p : pending_flushes_) p.durable_end = std::min(p.durable_end, end);
}

// ---------------------------------------------------------------- DescribeQuorum

void QuorumCore::on_describe_quorum_request(Time now, NodeId from, std::uint64_t correlation_id) {
  send_response(from, correlation_id, describe_quorum(now));
}

DescribeQuorumResponse QuorumCore::describe_quorum(Time now) const {
  DescribeQuorumResponse response;
  response.leader_epoch = epoch_;
  response.leader_id = leader_id();
  const auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr) {
    response.error = ErrorCode::not_leader_or_follower;
    return response;
  }
  response.high_watermark = leader->high_watermark;
  for (const ReplicaProgress& voter : leader->voters) {
    ReplicaDescription d = describe(voter);
    if (voter.replica_id == config_.node_id) d = ReplicaDescription{voter.replica_id, log_.end_offset(), now, now};
    response.voters.push_back(d);
  }
  for (const ReplicaProgress& observer : leader->observers) response.observers.push_back(describe(observer));
  return response;
}

}  // namespace kraftsim::raft

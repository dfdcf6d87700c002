// QuorumCore (quorum_core.h): construction from persisted state, the public inputs, the poll
// that runs every role's timers after each input, the role transitions, and the output.
// Election handlers are in election.cpp, replication handlers in replication.cpp.
#include "broker/raft/quorum_core.h"

#include <algorithm>
#include <utility>

namespace kraftsim::raft {
namespace {

// A poll may chain a few transitions (Resigned -> Unattached -> Prospective -> Candidate ->
// Leader for a single voter); more means a loop.
constexpr int poll_rounds_max = 8;

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

QuorumCore::QuorumCore(QuorumConfig config, Rng& rng, PersistedState persisted, Time now)
    : config_(std::move(config)),
      rng_(rng),
      log_(persisted.snapshot ? std::optional<SnapshotId>(persisted.snapshot->id) : std::nullopt,
           std::move(persisted.entries)),
      last_now_(now) {
  KS_ASSERT_MSG(!validate_config(config_), "QuorumCore needs a valid config (call validate_config first)");
  is_voter_ = config_.is_voter();

  // The snapshot is committed state: the state machine loads it before anything else.
  if (persisted.snapshot) {
    KS_ASSERT(persisted.snapshot->bytes.size() <= snapshot_bytes_max);
    snapshot_ = std::move(persisted.snapshot);
    high_watermark_ = snapshot_->id.end_offset;
    applied_end_ = snapshot_->id.end_offset;
    output_.snapshot_to_load = *snapshot_;
  } else {
    applied_end_ = log_.start_offset();
  }
  flushed_end_ = std::clamp(persisted.durable_end_offset.value_or(log_.end_offset()), log_.start_offset(),
                            log_.end_offset());
  if (flushed_end_ < log_.end_offset()) request_flush();

  // Kafka's QuorumState.initialize: resume in the state the quorum-state file describes.
  const QuorumStateRecord stored = persisted.quorum_state.value_or(QuorumStateRecord{});
  KS_ASSERT(stored.epoch >= 0);
  persisted_ = stored;
  epoch_ = stored.epoch;
  voted_id_ = stored.voted_id;
  KS_ASSERT_MSG(!voted_id_ || is_voter_, "an observer cannot have voted");
  const bool stored_leader_is_voter = stored.leader_id && is_voter_id(*stored.leader_id);
  if (stored.epoch < log_.last_epoch()) {
    // The log saw a later epoch than the file (the file write was lost): that epoch is real.
    epoch_ = log_.last_epoch();
    voted_id_.reset();
    role_ = UnattachedState{is_voter_ ? now + random_election_timeout() : Time::max()};
  } else if (stored.leader_id == config_.node_id && is_voter_) {
    // We led this epoch before the restart. Resigned keeps us from voting in it again and
    // from reusing (offset, epoch) pairs whose unflushed entries may have been lost.
    ResignedState resigned;
    for (NodeId v : config_.voter_ids) {
      if (v != config_.node_id) resigned.unacked_voters.push_back(v);
    }
    resigned.election_deadline = now + random_election_timeout();
    role_ = std::move(resigned);
  } else if (voted_id_ == config_.node_id) {
    CandidateState candidate{VoteTally(config_.voter_ids), now + random_election_timeout(), std::nullopt, 1};
    candidate.tally.record(config_.node_id, true);
    role_ = std::move(candidate);
  } else if (stored_leader_is_voter && *stored.leader_id != config_.node_id) {
    role_ = FollowerState{*stored.leader_id, now + config_.fetch_timeout, false, std::nullopt};
  } else {
    role_ = UnattachedState{is_voter_ ? now + random_election_timeout() : Time::max()};
  }
  push_state_change(now, "started");
  end_input(now);
}

// ---------------------------------------------------------------- inputs

void QuorumCore::on_message(Time now, NodeId from, const Message& message) {
  begin_input(now);
  const std::uint64_t id = message.correlation_id;
  std::visit(Overloaded{
                 [&](const VoteRequest& m) { on_vote_request(now, from, id, m); },
                 [&](const VoteResponse& m) { on_vote_response(now, from, id, m); },
                 [&](const BeginQuorumEpochRequest& m) { on_begin_quorum_epoch_request(now, from, id, m); },
                 [&](const BeginQuorumEpochResponse& m) { on_begin_quorum_epoch_response(now, from, id, m); },
                 [&](const EndQuorumEpochRequest& m) { on_end_quorum_epoch_request(now, from, id, m); },
                 [&](const EndQuorumEpochResponse& m) { on_end_quorum_epoch_response(now, from, id, m); },
                 [&](const FetchRequest& m) { on_fetch_request(now, from, id, m); },
                 [&](const FetchResponse& m) { on_fetch_response(now, from, id, m); },
                 [&](const FetchSnapshotRequest& m) { on_fetch_snapshot_request(now, from, id, m); },
                 [&](const FetchSnapshotResponse& m) { on_fetch_snapshot_response(now, from, id, m); },
                 [&](const DescribeQuorumRequest&) { on_describe_quorum_request(now, from, id); },
                 [&](const DescribeQuorumResponse&) { /* answers go to admin clients, not to cores */ },
             },
             message.body);
  end_input(now);
}

void QuorumCore::on_timer(Time now) {
  begin_input(now);
  end_input(now);
}

void QuorumCore::on_connection_lost(Time now, NodeId peer) {
  begin_input(now);
  KS_ASSERT(peer != config_.node_id);
  tracker_.fail(peer, now + config_.retry_backoff);
  end_input(now);
}

void QuorumCore::on_log_flushed(Time now, Offset end_offset) {
  begin_input(now);
  // Flushes complete in request order; one fsync may cover several requests.
  KS_ASSERT_MSG(!pending_flushes_.empty(), "on_log_flushed without a flush request");
  KS_ASSERT_MSG(std::any_of(pending_flushes_.begin(), pending_flushes_.end(),
                            [end_offset](const PendingFlush& p) { return p.end_offset == end_offset; }),
                "on_log_flushed must report a requested flush_log_to");
  // The report completes the oldest request with this end offset and every request before it.
  PendingFlush done;
  do {
    done = pending_flushes_.front();
    pending_flushes_.pop_front();
  } while (done.end_offset != end_offset);
  flushed_end_ = std::min(std::max(flushed_end_, done.durable_end), log_.end_offset());
  KS_ASSERT(flushed_end_ >= log_.start_offset());
  // KAFKA-10533: the leader's own offset counts toward the high watermark only once flushed.
  if (role() == Role::leader) maybe_advance_high_watermark();
  end_input(now);
}

Result<Offset, AppendError> QuorumCore::append(Time now, Bytes payload) {
  begin_input(now);
  if (role() != Role::leader) {
    end_input(now);
    return unexpected(AppendError::not_leader);
  }
  if (payload.size() > config_.append_bytes_max) {
    end_input(now);
    return unexpected(AppendError::payload_too_large);
  }
  const Offset offset = log_.end_offset();
  append_as_leader(Entry{offset, epoch_, false, std::move(payload)});
  KS_ASSERT(log_.end_offset() == offset + 1);
  end_input(now);
  return offset;
}

bool QuorumCore::resign(Time now) {
  begin_input(now);
  const bool resigned = role() == Role::leader;
  if (resigned) become_resigned(now, voters_by_descending_fetch_offset(), "resign");
  end_input(now);
  return resigned;
}

bool QuorumCore::snapshot(Time now, Offset end_offset, Bytes bytes) {
  begin_input(now);
  KS_ASSERT_MSG(end_offset <= applied_end_, "a snapshot may only cover entries handed to the state machine");
  KS_ASSERT(bytes.size() <= snapshot_bytes_max);
  if (end_offset <= log_.start_offset()) {
    end_input(now);
    return false;
  }
  KS_ASSERT(end_offset <= log_.end_offset());
  const SnapshotId id{end_offset, *log_.epoch_at(end_offset - 1)};
  snapshot_ = SnapshotImage{id, std::move(bytes)};
  output_.snapshot_to_persist = *snapshot_;
  log_.drop_prefix(id);
  output_.log_ops.push_back(LogOp{LogOp::Kind::drop_prefix, end_offset, {}});
  // The snapshot is durable (step 2 of the contract): what it covers counts as flushed.
  flushed_end_ = std::max(flushed_end_, end_offset);
  KS_ASSERT(log_.start_offset() == end_offset);
  end_input(now);
  return true;
}

Output QuorumCore::take_output() {
  Output out = std::move(output_);
  output_ = Output{};
  return out;
}

// ---------------------------------------------------------------- poll and deadlines

void QuorumCore::begin_input(Time now) {
  KS_ASSERT_MSG(now >= last_now_, "time never goes backwards");
  last_now_ = now;
}

void QuorumCore::end_input(Time now) {
  poll(now);
  emit_committed();
  sync_persisted_state();
  if (high_watermark() != last_reported_high_watermark_) push_state_change(now, "high watermark");
  KS_ASSERT(applied_end_ <= high_watermark_);
  KS_ASSERT_MSG(next_deadline() > now, "the core must not ask to be woken in the past");
}

void QuorumCore::poll(Time now) {
  tracker_.expire(now);
  for (int round = 0; round < poll_rounds_max; ++round) {
    const std::uint64_t before = transitions_;
    switch (role()) {
      case Role::unattached: poll_unattached(now); break;
      case Role::prospective: poll_prospective(now); break;
      case Role::candidate: poll_candidate(now); break;
      case Role::leader: poll_leader(now); break;
      case Role::follower: poll_follower(now); break;
      case Role::resigned: poll_resigned(now); break;
    }
    if (transitions_ == before) return;
  }
  KS_ASSERT_MSG(false, "poll did not settle");
}

// Each poll_<role> first fires the role's expired timer (a named handler), then sends whatever
// requests the role still owes (one in flight per peer, see RequestTracker).

void QuorumCore::poll_unattached(Time now) {
  const auto& state = std::get<UnattachedState>(role_);
  if (is_voter_ && now >= state.election_deadline) return on_election_timeout(now);
  if (!is_voter_) maybe_send_discovery_fetch(now);
}

void QuorumCore::poll_prospective(Time now) {
  auto& state = std::get<ProspectiveState>(role_);
  if (state.tally.granted_by_majority()) return become_candidate(now);
  if (state.tally.rejected_by_majority()) return prospective_lost(now, "pre-vote rejected");
  if (now >= state.election_deadline) return on_election_timeout(now);
  send_vote_requests(now, state.tally, true);
}

void QuorumCore::poll_candidate(Time now) {
  auto& state = std::get<CandidateState>(role_);
  if (state.tally.granted_by_majority()) return become_leader(now);
  if (state.backoff_deadline) {
    if (now >= *state.backoff_deadline) become_prospective(now, "election lost, backoff over");
    return;
  }
  if (state.tally.rejected_by_majority()) {
    // Kafka: a rejected candidate backs off at once rather than waiting out its timeout.
    state.backoff_deadline = now + election_backoff(state.retries);
    return poll_candidate(now);
  }
  if (now >= state.election_deadline) return on_election_timeout(now);
  send_vote_requests(now, state.tally, false);
}

void QuorumCore::poll_leader(Time now) {
  auto& state = std::get<LeaderState>(role_);
  if (state.voters.size() > 1 && now >= state.check_quorum_deadline) return on_check_quorum_timeout(now);
  complete_parked_fetches(now, wake_parked_fetches_);
  wake_parked_fetches_ = false;
  send_begin_quorum_epoch_requests(now);
}

void QuorumCore::poll_follower(Time now) {
  const auto& state = std::get<FollowerState>(role_);
  if (now >= state.fetch_deadline) return on_fetch_timeout(now);
  maybe_send_fetch(now, state.leader_id);
}

void QuorumCore::poll_resigned(Time now) {
  const auto& state = std::get<ResignedState>(role_);
  if (now >= state.election_deadline) return on_election_timeout(now);
  send_end_quorum_epoch_requests(now);
}

void QuorumCore::on_election_timeout(Time now) {
  KS_ASSERT(is_voter_);
  switch (role()) {
    case Role::unattached:
      // KIP-996: ask first (pre-vote), without bumping the epoch.
      return become_prospective(now, "election timeout");
    case Role::prospective:
      return prospective_lost(now, "pre-vote timed out");
    case Role::candidate: {
      // Wait a random binary exponential backoff before trying again, so that competing
      // candidates stop colliding (Kafka's binaryExponentialElectionBackoffMs).
      auto& candidate = std::get<CandidateState>(role_);
      candidate.backoff_deadline = now + election_backoff(candidate.retries);
      return poll_candidate(now);
    }
    case Role::resigned:
      // Kafka: Resigned -> Unattached(epoch + 1) with the expired timer, so at once Prospective.
      return become_unattached(now, epoch_ + 1, "resigned: election timeout", now);
    case Role::leader:
    case Role::follower:
      break;
  }
  KS_ASSERT_MSG(false, "no election timer in this role");
}

void QuorumCore::on_fetch_timeout(Time now) {
  KS_ASSERT(role() == Role::follower);
  // A voter that has not heard from its leader for the fetch timeout suspects it (KIP-595)
  // and asks for pre-votes; an observer does not campaign but looks for the leader through any
  // voter (Kafka fetches from the bootstrap servers).
  if (is_voter_) return become_prospective(now, "fetch timeout");
  maybe_send_discovery_fetch(now);
}

void QuorumCore::on_check_quorum_timeout(Time now) {
  KS_ASSERT(role() == Role::leader);
  // Check-quorum: no majority fetched within 1.5 x fetch timeout, so a partition may have elected
  // someone else; stop acting as leader (Kafka LeaderState.timeUntilCheckQuorumExpires).
  become_resigned(now, voters_by_descending_fetch_offset(), "check-quorum: no majority fetched");
}

Time QuorumCore::next_deadline() const {
  Time next = tracker_.next_deadline();
  std::visit(Overloaded{
                 [&](const UnattachedState& s) { next = std::min(next, s.election_deadline); },
                 [&](const ProspectiveState& s) { next = std::min(next, s.election_deadline); },
                 [&](const CandidateState& s) { next = std::min(next, s.backoff_deadline.value_or(s.election_deadline)); },
                 [&](const LeaderState& s) {
                   if (s.voters.size() > 1) next = std::min(next, s.check_quorum_deadline);
                   for (const ParkedFetch& p : s.parked_fetches) next = std::min(next, p.deadline);
                 },
                 [&](const FollowerState& s) {
                   // An observer past its fetch deadline keeps fetching; the deadline is spent.
                   if (s.fetch_deadline > last_now_) next = std::min(next, s.fetch_deadline);
                 },
                 [&](const ResignedState& s) { next = std::min(next, s.election_deadline); },
             },
             role_);
  return next;
}

// ---------------------------------------------------------------- output helpers

QuorumStateRecord QuorumCore::current_quorum_state() const { return {epoch_, voted_id_, leader_id()}; }

void QuorumCore::sync_persisted_state() {
  const QuorumStateRecord current = current_quorum_state();
  if (current == persisted_) return;
  KS_ASSERT_MSG(current.epoch >= persisted_.epoch, "the persisted epoch never decreases");
  if (current.epoch == persisted_.epoch && persisted_.voted_id) {
    KS_ASSERT_MSG(current.voted_id == persisted_.voted_id, "a vote is never changed within an epoch");
  }
  persisted_ = current;
  output_.quorum_state = current;
}

void QuorumCore::emit_committed() {
  KS_ASSERT(applied_end_ >= log_.start_offset());
  const Offset limit = std::min(high_watermark_, log_.end_offset());
  while (applied_end_ < limit) {
    output_.committed.push_back(log_.at(applied_end_));
    ++applied_end_;
  }
}

void QuorumCore::push_state_change(Time now, const char* reason) {
  KS_ASSERT(reason != nullptr);
  output_.state_changes.push_back(
      StateChange{now, role(), epoch_, leader_id(), voted_id_, high_watermark(), reason});
  last_reported_high_watermark_ = high_watermark();
}

std::optional<NodeId> QuorumCore::leader_id() const {
  return std::visit(Overloaded{
                        [](const UnattachedState&) -> std::optional<NodeId> { return std::nullopt; },
                        [](const ProspectiveState& s) -> std::optional<NodeId> { return s.leader_id; },
                        [](const CandidateState&) -> std::optional<NodeId> { return std::nullopt; },
                        [this](const LeaderState&) -> std::optional<NodeId> { return config_.node_id; },
                        [](const FollowerState& s) -> std::optional<NodeId> { return s.leader_id; },
                        [this](const ResignedState&) -> std::optional<NodeId> { return config_.node_id; },
                    },
                    role_);
}

std::optional<Offset> QuorumCore::high_watermark() const {
  if (const auto* leader = std::get_if<LeaderState>(&role_)) return leader->high_watermark;
  return high_watermark_;
}

void QuorumCore::send_request(Time now, NodeId to, Body body) {
  KS_ASSERT(to != config_.node_id);
  KS_ASSERT(!is_response(body));
  const std::uint64_t id = next_correlation_id_++;
  tracker_.on_request_sent(to, id, now + config_.request_timeout);
  output_.messages.push_back(Outbound{to, Message{id, std::move(body)}});
}

void QuorumCore::send_response(NodeId to, std::uint64_t correlation_id, Body body) {
  KS_ASSERT(to != config_.node_id);
  KS_ASSERT(is_response(body));
  output_.messages.push_back(Outbound{to, Message{correlation_id, std::move(body)}});
}

// ---------------------------------------------------------------- transitions

void QuorumCore::set_epoch(Epoch epoch) {
  KS_ASSERT_MSG(epoch >= epoch_, "the epoch never decreases");
  if (epoch != epoch_) voted_id_.reset();
  epoch_ = epoch;
}

void QuorumCore::enter_role(Time now, RoleState next, const char* reason) {
  std::vector<ParkedFetch> parked;
  if (auto* leader = std::get_if<LeaderState>(&role_)) parked = std::move(leader->parked_fetches);
  KS_ASSERT(is_voter_ || role_of(next) == Role::unattached || role_of(next) == Role::follower);
  role_ = std::move(next);
  // Kafka resetConnections: answers to requests of the previous role are no longer expected.
  tracker_.reset_all();
  ++transitions_;
  push_state_change(now, reason);
  answer_parked_fetches_after_leadership(std::move(parked));
}

void QuorumCore::become_unattached(Time now, Epoch epoch, const char* reason, std::optional<Time> election_deadline) {
  KS_ASSERT(epoch > epoch_ || (epoch == epoch_ && role() == Role::prospective));
  Time deadline = Time::max();
  if (is_voter_) {
    // Kafka keeps the running election timer of Unattached, Candidate and a Prospective that was
    // not rejected: a stream of higher epochs must not postpone this node's own election forever.
    std::optional<Time> running;
    if (const auto* u = std::get_if<UnattachedState>(&role_)) running = u->election_deadline;
    if (const auto* c = std::get_if<CandidateState>(&role_)) running = c->election_deadline;
    if (const auto* p = std::get_if<ProspectiveState>(&role_); p && !p->tally.rejected_by_majority()) {
      running = p->election_deadline;
    }
    if (election_deadline) {
      deadline = *election_deadline;
    } else if (running && *running > now) {
      deadline = *running;
    } else {
      deadline = now + random_election_timeout();
    }
  }
  set_epoch(epoch);
  enter_role(now, UnattachedState{deadline}, reason);
}

void QuorumCore::become_prospective(Time now, const char* reason) {
  KS_ASSERT(is_voter_);
  KS_ASSERT(role() != Role::leader && role() != Role::prospective);
  int retries = 1;
  if (const auto* c = std::get_if<CandidateState>(&role_)) retries = c->retries + 1;
  std::optional<NodeId> leader;
  if (const auto* f = std::get_if<FollowerState>(&role_)) leader = f->leader_id;
  ProspectiveState next{leader, VoteTally(config_.voter_ids), now + random_election_timeout(), retries};
  next.tally.record(config_.node_id, true);  // KIP-996: a prospective grants itself
  enter_role(now, std::move(next), reason);
}

void QuorumCore::become_candidate(Time now) {
  const auto& prospective = std::get<ProspectiveState>(role_);
  KS_ASSERT(prospective.tally.granted_by_majority());
  const int retries = prospective.retries;
  set_epoch(epoch_ + 1);
  voted_id_ = config_.node_id;  // persisted (end_input) before the vote requests leave
  CandidateState next{VoteTally(config_.voter_ids), now + random_election_timeout(), std::nullopt, retries};
  next.tally.record(config_.node_id, true);
  enter_role(now, std::move(next), "pre-vote won");
}

void QuorumCore::become_leader(Time now) {
  const auto& candidate = std::get<CandidateState>(role_);
  KS_ASSERT(candidate.tally.granted_by_majority());
  KS_ASSERT(voted_id_ == config_.node_id);
  LeaderState next;
  next.epoch_start_offset = log_.end_offset();
  next.granting_voters = candidate.tally.granting();
  for (NodeId v : config_.voter_ids) {
    ReplicaProgress progress;
    progress.replica_id = v;
    progress.begin_quorum_acked = v == config_.node_id;
    next.voters.push_back(progress);
  }
  next.check_quorum_deadline = now + check_quorum_timeout();
  const std::vector<NodeId> granting = next.granting_voters;
  enter_role(now, std::move(next), "won election");
  // KIP-595: the first record of the epoch is a LeaderChange control record. The high watermark
  // may advance only past it, which proves a majority holds this epoch's log.
  const LeaderChange change{config_.node_id, config_.voter_ids, granting};
  append_as_leader(Entry{log_.end_offset(), epoch_, true, encode_leader_change(change)});
}

void QuorumCore::become_follower(Time now, Epoch epoch, NodeId leader, const char* reason) {
  KS_ASSERT(leader != config_.node_id);
  KS_ASSERT(is_voter_id(leader));
  KS_ASSERT(epoch > epoch_ || (role() != Role::follower && role() != Role::leader && role() != Role::resigned));
  set_epoch(epoch);
  enter_role(now, FollowerState{leader, now + config_.fetch_timeout, false, std::nullopt}, reason);
}

void QuorumCore::become_resigned(Time now, std::vector<NodeId> preferred_successors, const char* reason) {
  KS_ASSERT(role() == Role::leader);
  ResignedState next;
  next.preferred_successors = std::move(preferred_successors);
  for (NodeId v : config_.voter_ids) {
    if (v != config_.node_id) next.unacked_voters.push_back(v);
  }
  next.election_deadline = now + random_election_timeout();
  enter_role(now, std::move(next), reason);
}

void QuorumCore::prospective_lost(Time now, const char* reason) {
  const auto& prospective = std::get<ProspectiveState>(role_);
  if (prospective.leader_id) {
    become_follower(now, epoch_, *prospective.leader_id, reason);
  } else {
    become_unattached(now, epoch_, reason);
  }
}

Duration QuorumCore::random_election_timeout() {
  // Kafka's randomElectionTimeoutMs: T + random[0, T).
  const std::int64_t t = config_.election_timeout.us();
  return Duration::from_us(t + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(t))));
}

Duration QuorumCore::election_backoff(int retries) {
  KS_ASSERT(retries >= 1);
  // Kafka's binaryExponentialElectionBackoffMs: base x random[0, 2^retries), capped.
  const int exponent = std::min(20, retries);
  const std::uint64_t factor = rng_.below(std::uint64_t{1} << exponent);
  const Duration backoff = config_.election_backoff_base * static_cast<std::int64_t>(factor);
  return std::min(backoff, config_.election_backoff_max);
}

Duration QuorumCore::end_epoch_election_backoff(std::ptrdiff_t position, std::size_t successors) const {
  // Kafka's endEpochElectionBackoff + strictExponentialElectionBackoffMs: the first preferred
  // successor (the most up-to-date voter) starts at once, the next ones wait exponentially
  // longer, so the best candidate usually wins the election.
  if (position <= 0) return Duration();
  if (static_cast<std::size_t>(position) >= successors) return config_.election_backoff_max;
  const Duration base = config_.election_backoff_max / (std::int64_t{1} << (successors - 1));
  return std::min(config_.election_backoff_max, base * (std::int64_t{1} << (position - 1)));
}

bool QuorumCore::is_voter_id(NodeId id) const {
  return std::binary_search(config_.voter_ids.begin(), config_.voter_ids.end(), id);
}

}  // namespace kraftsim::raft

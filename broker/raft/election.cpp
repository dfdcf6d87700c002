// QuorumCore elections (quorum_core.h): Vote with KIP-996 pre-vote, BeginQuorumEpoch,
// EndQuorumEpoch, and the epoch bookkeeping every response goes through (Kafka's
// maybeTransition / maybeHandleCommonResponse).
#include "broker/raft/quorum_core.h"

#include <algorithm>

namespace kraftsim::raft {

// ---------------------------------------------------------------- Vote

void QuorumCore::on_vote_request(Time now, NodeId from, std::uint64_t correlation_id, const VoteRequest& request) {
  auto respond = [&](ErrorCode error, bool granted) {
    send_response(from, correlation_id, VoteResponse{error, epoch_, leader_id(), granted});
  };
  if (request.cluster_id != config_.cluster_id) return respond(ErrorCode::inconsistent_cluster_id, false);
  if (request.candidate_id != from || !is_voter_id(request.candidate_id)) {
    return respond(ErrorCode::inconsistent_voter_set, false);
  }
  // A real candidate bumped its epoch past every epoch in its log; a prospective did not.
  const bool illegal_epoch = request.pre_vote ? request.last_epoch > request.candidate_epoch
                                              : request.last_epoch >= request.candidate_epoch;
  if (request.last_epoch_end_offset < 0 || request.last_epoch < 0 || illegal_epoch) {
    return respond(ErrorCode::invalid_request, false);
  }
  if (request.candidate_epoch < epoch_) return respond(ErrorCode::fenced_leader_epoch, false);
  if (request.candidate_epoch > epoch_) {
    // A higher epoch exists (even a pre-vote only carries an epoch its sender already saw).
    become_unattached(now, request.candidate_epoch, "higher epoch in Vote request");
  }
  KS_ASSERT(request.candidate_epoch == epoch_);
  // Raft 5.4.1: grant only to a candidate whose log is at least as up to date as ours, compared
  // by last epoch, then end offset. This is what keeps committed entries in every new leader.
  const OffsetAndEpoch candidate_end{request.last_epoch_end_offset, request.last_epoch};
  const bool log_is_up_to_date =
      config_.test_only_grant_vote_without_log_check || candidate_end >= log_.end_offset_and_epoch();
  const bool granted = can_grant_vote(request.candidate_id, log_is_up_to_date, request.pre_vote);
  // A real vote is recorded now and persisted (end_input) before the response is sent; a
  // pre-vote changes nothing durable (KIP-996).
  if (granted && !request.pre_vote) record_vote(now, request.candidate_id);
  respond(ErrorCode::none, granted);
}

bool QuorumCore::can_grant_vote(NodeId candidate, bool log_is_up_to_date, bool pre_vote) const {
  KS_ASSERT(candidate != config_.node_id);
  if (!is_voter_) return false;  // kraftsim: observers never vote (static quorum)
  switch (role()) {
    case Role::unattached:
      if (pre_vote) return log_is_up_to_date;
      if (voted_id_) return *voted_id_ == candidate;
      return log_is_up_to_date;
    case Role::prospective: {
      if (pre_vote) return log_is_up_to_date;
      if (voted_id_) return *voted_id_ == candidate;
      // It knows a leader in this epoch: like a follower, it will not elect another.
      if (std::get<ProspectiveState>(role_).leader_id) return false;
      return log_is_up_to_date;
    }
    case Role::candidate:
      // Voted for itself in this epoch; a pre-vote is only advice, so answer it honestly.
      return pre_vote && log_is_up_to_date;
    case Role::follower:
      // KIP-996: a follower that hears from its leader refuses pre-votes, so a node that was
      // partitioned away cannot disturb a healthy leader when it comes back.
      return pre_vote && !std::get<FollowerState>(role_).has_fetched_from_leader && log_is_up_to_date;
    case Role::leader:
    case Role::resigned:
      return false;
  }
  return false;
}

void QuorumCore::record_vote(Time now, NodeId candidate) {
  KS_ASSERT(is_voter_);
  KS_ASSERT(!voted_id_ || *voted_id_ == candidate);
  if (voted_id_ == candidate) return;
  voted_id_ = candidate;
  // Kafka resets the election timer after voting: the candidate has at least our chances.
  if (auto* unattached = std::get_if<UnattachedState>(&role_)) {
    unattached->election_deadline = now + random_election_timeout();
  } else if (auto* prospective = std::get_if<ProspectiveState>(&role_)) {
    prospective->election_deadline = now + random_election_timeout();
  }
}

void QuorumCore::on_vote_response(Time now, NodeId from, std::uint64_t correlation_id, const VoteResponse& response) {
  if (!tracker_.on_response(from, correlation_id)) return;
  if (handle_common_response(now, from, response.error, response.leader_id, response.leader_epoch)) return;
  if (response.error != ErrorCode::none) {
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  if (response.leader_epoch != epoch_ || !is_voter_id(from)) return;
  // The poll that ends this input turns a decided tally into a transition.
  if (auto* prospective = std::get_if<ProspectiveState>(&role_)) {
    prospective->tally.record(from, response.vote_granted);
  } else if (auto* candidate = std::get_if<CandidateState>(&role_)) {
    candidate->tally.record(from, response.vote_granted);
  }
}

void QuorumCore::send_vote_requests(Time now, const VoteTally& tally, bool pre_vote) {
  for (NodeId voter : tally.unanswered()) {
    if (voter == config_.node_id || !tracker_.is_ready(voter, now)) continue;
    send_request(now, voter,
                 VoteRequest{config_.cluster_id, epoch_, config_.node_id, log_.last_epoch(), log_.end_offset(), pre_vote});
  }
}

// ---------------------------------------------------------------- BeginQuorumEpoch

void QuorumCore::on_begin_quorum_epoch_request(Time now, NodeId from, std::uint64_t correlation_id,
                                               const BeginQuorumEpochRequest& request) {
  auto respond = [&](ErrorCode error) {
    send_response(from, correlation_id, BeginQuorumEpochResponse{error, epoch_, leader_id()});
  };
  if (request.cluster_id != config_.cluster_id) return respond(ErrorCode::inconsistent_cluster_id);
  if (request.leader_id != from || !is_voter_id(request.leader_id)) return respond(ErrorCode::inconsistent_voter_set);
  if (request.leader_epoch < epoch_) return respond(ErrorCode::fenced_leader_epoch);
  maybe_transition(now, request.leader_id, request.leader_epoch, "BeginQuorumEpoch");
  respond(ErrorCode::none);
}

void QuorumCore::on_begin_quorum_epoch_response(Time now, NodeId from, std::uint64_t correlation_id,
                                                const BeginQuorumEpochResponse& response) {
  if (!tracker_.on_response(from, correlation_id)) return;
  if (handle_common_response(now, from, response.error, response.leader_id, response.leader_epoch)) return;
  if (response.error != ErrorCode::none) {
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  auto* leader = std::get_if<LeaderState>(&role_);
  if (leader == nullptr || response.leader_epoch != epoch_) return;
  for (ReplicaProgress& voter : leader->voters) {
    if (voter.replica_id == from) voter.begin_quorum_acked = true;
  }
}

void QuorumCore::send_begin_quorum_epoch_requests(Time now) {
  const auto& leader = std::get<LeaderState>(role_);
  // Retried until acknowledged: a voter that missed the election learns the leader here.
  for (const ReplicaProgress& voter : leader.voters) {
    if (voter.begin_quorum_acked || !tracker_.is_ready(voter.replica_id, now)) continue;
    send_request(now, voter.replica_id, BeginQuorumEpochRequest{config_.cluster_id, epoch_, config_.node_id});
  }
}

// ---------------------------------------------------------------- EndQuorumEpoch

void QuorumCore::on_end_quorum_epoch_request(Time now, NodeId from, std::uint64_t correlation_id,
                                             const EndQuorumEpochRequest& request) {
  auto respond = [&](ErrorCode error) {
    send_response(from, correlation_id, EndQuorumEpochResponse{error, epoch_, leader_id()});
  };
  if (request.cluster_id != config_.cluster_id) return respond(ErrorCode::inconsistent_cluster_id);
  if (request.leader_id != from || !is_voter_id(request.leader_id)) return respond(ErrorCode::inconsistent_voter_set);
  if (request.leader_epoch < epoch_) return respond(ErrorCode::fenced_leader_epoch);
  maybe_transition(now, request.leader_id, request.leader_epoch, "EndQuorumEpoch");
  if (auto* follower = std::get_if<FollowerState>(&role_);
      follower != nullptr && is_voter_ && follower->leader_id == request.leader_id && request.leader_epoch == epoch_) {
    // The leader is leaving: cut our fetch timeout so that an election starts soon, soonest for
    // the most up-to-date successors (Kafka handleEndQuorumEpochRequest).
    const auto& successors = request.preferred_successors;
    const auto it = std::find(successors.begin(), successors.end(), config_.node_id);
    const std::ptrdiff_t position = it == successors.end() ? -1 : it - successors.begin();
    follower->fetch_deadline = std::min(follower->fetch_deadline,
                                        now + end_epoch_election_backoff(position, successors.size()));
  }
  respond(ErrorCode::none);
}

void QuorumCore::on_end_quorum_epoch_response(Time now, NodeId from, std::uint64_t correlation_id,
                                              const EndQuorumEpochResponse& response) {
  if (!tracker_.on_response(from, correlation_id)) return;
  if (handle_common_response(now, from, response.error, response.leader_id, response.leader_epoch)) return;
  if (response.error != ErrorCode::none) {
    tracker_.back_off(from, now + config_.retry_backoff);
    return;
  }
  auto* resigned = std::get_if<ResignedState>(&role_);
  if (resigned == nullptr || response.leader_epoch != epoch_) return;
  auto& unacked = resigned->unacked_voters;
  unacked.erase(std::remove(unacked.begin(), unacked.end(), from), unacked.end());
}

void QuorumCore::send_end_quorum_epoch_requests(Time now) {
  const auto& resigned = std::get<ResignedState>(role_);
  for (NodeId voter : resigned.unacked_voters) {
    if (!tracker_.is_ready(voter, now)) continue;
    send_request(now, voter,
                 EndQuorumEpochRequest{config_.cluster_id, epoch_, config_.node_id, resigned.preferred_successors});
  }
}

// ---------------------------------------------------------------- epoch bookkeeping

bool QuorumCore::maybe_transition(Time now, std::optional<NodeId> leader, Epoch epoch, const char* reason) {
  // Only a voter can lead; a message naming anything else tells us the epoch only.
  const NodeId named = leader && is_voter_id(*leader) ? *leader : no_node;
  if (epoch > epoch_) {
    // A later epoch that names this node leader means this node led it and then lost its state:
    // its disk was replaced (static voters cannot tell a new disk from the old one; KIP-853's
    // directory ids exist for this). It cannot lead again without its log: it becomes
    // Unattached in that epoch and lets the others elect a leader.
    if (named != no_node && named != config_.node_id) {
      become_follower(now, epoch, named, reason);
    } else {
      become_unattached(now, epoch, reason);
    }
    return true;
  }
  if (epoch == epoch_ && named != no_node && named != config_.node_id) {
    const std::optional<NodeId> known = leader_id();
    if (!known) {
      become_follower(now, epoch, named, reason);
      return true;
    }
    KS_RAFT_SAFETY(*known == named, "two leaders in one epoch (election safety)");
  }
  return false;
}

bool QuorumCore::handle_common_response(Time now, NodeId from, ErrorCode error, std::optional<NodeId> leader,
                                        Epoch epoch) {
  if (error == ErrorCode::inconsistent_cluster_id || error == ErrorCode::invalid_request) {
    // A top-level error in Kafka: the response carries no partition data, so no epoch or
    // leader can be learned from it (KafkaRaftClient.handleTopLevelError -> unexpected error).
    // Retry after the backoff; the operator must fix the storage or the configuration.
    tracker_.back_off(from, now + config_.retry_backoff);
    return true;
  }
  if (epoch < epoch_) return true;  // answers an older epoch: nothing left to learn from it
  if (error == ErrorCode::unknown_leader_epoch) {
    tracker_.back_off(from, now + config_.retry_backoff);
    return true;
  }
  if (epoch > epoch_ || error == ErrorCode::fenced_leader_epoch || error == ErrorCode::not_leader_or_follower) {
    if (!maybe_transition(now, leader, epoch, "epoch or leader learned from a response")) {
      tracker_.back_off(from, now + config_.retry_backoff);
    }
    return true;
  }
  if (leader && *leader != config_.node_id && is_voter_id(*leader) && !leader_id()) {
    // Same epoch, and the responder knows the leader we lack. A successful response is then
    // handled in the new role (an observer can discover the leader and append in one Fetch).
    become_follower(now, epoch, *leader, "leader learned from a response");
    return error != ErrorCode::none;
  }
  return false;
}

}  // namespace kraftsim::raft

// PartitionReplica, the follower's side (partition_replica.h): the fetcher of one partition
// (Kafka's AbstractFetcherThread / ReplicaFetcherThread): truncation first (KIP-101
// OffsetsForLeaderEpoch with KIP-279's extra rounds, Kafka 2.7+'s DivergingEpoch in Fetch, or
// the legacy truncation to the high watermark), then fetching from the log end, appending what
// the leader sends and learning its high watermark; errors as Kafka handles them.
#include <algorithm>

#include "base/assert.h"
#include "broker/replication/partition_replica.h"
#include "broker/replication/truncation.h"

namespace kraftsim::replication {

void PartitionReplica::set_fetcher_phase(Time now, FetcherPhase phase, const char* reason) {
  FollowerState& follower = follower_state();
  if (follower.phase == phase) return;
  follower.phase = phase;
  if (phase == FetcherPhase::fenced || phase == FetcherPhase::failed) {
    follower.in_flight.reset();
    follower.retry_at.reset();
  }
  push_state_change(now, reason);
}

void PartitionReplica::start_fetcher(Time now) {
  FollowerState& follower = follower_state();
  follower.in_flight.reset();
  follower.retry_at.reset();
  follower.truncation_rounds = 0;
  if (config_.legacy_truncate_to_high_watermark) {
    // Pre-KIP-101: the follower trusts its own high watermark. Whatever it holds above it is
    // thrown away even if committed (scenario 1), and whatever is below it is kept even if the
    // new leader never had it (scenario 2).
    truncate_log(now, high_watermark_, "legacy: truncate to the high watermark (pre-KIP-101)");
    follower.phase = FetcherPhase::fetching;
  } else if (!log_.latest_epoch()) {
    // No epoch to ask about (an empty log): Kafka truncates such partitions to the high watermark.
    truncate_log(now, high_watermark_, "no leader epoch: truncate to the high watermark");
    follower.phase = FetcherPhase::fetching;
  } else if (config_.truncate_on_fetch) {
    follower.phase = FetcherPhase::fetching;  // the leader checks lastFetchedEpoch (Kafka 2.7+)
  } else {
    follower.phase = FetcherPhase::truncating;  // ask OffsetsForLeaderEpoch first (KIP-101)
  }
  push_state_change(now, "fetcher started");
}

void PartitionReplica::poll_follower(Time now) {
  FollowerState& follower = follower_state();
  if (follower.phase != FetcherPhase::truncating && follower.phase != FetcherPhase::fetching) return;
  if (follower.in_flight) return;
  if (follower.retry_at && *follower.retry_at > now) return;
  follower.retry_at.reset();
  if (follower.phase == FetcherPhase::truncating) {
    send_offsets_for_leader_epoch(now);
  } else {
    send_fetch(now);
  }
  KS_ASSERT(follower.in_flight.has_value());
}

void PartitionReplica::send_fetch(Time now) {
  FollowerState& follower = follower_state();
  KS_ASSERT(follower.phase == FetcherPhase::fetching);
  KS_ASSERT(!follower.in_flight);
  FetchRequest request;
  request.request_id = next_request_id_++;
  request.replica_id = config_.node_id;
  request.fetch_offset = log_.log_end_offset();
  // Only Kafka 2.7+ followers send lastFetchedEpoch (Fetch v12); the legacy and KIP-101 modes
  // rely on their truncation step alone.
  if (config_.truncate_on_fetch) request.last_fetched_epoch = log_.latest_epoch();
  request.current_leader_epoch = leader_epoch_;  // KIP-320
  request.max_wait = config_.replica_fetch_wait_max;
  follower.in_flight =
      InFlightRequest{request.request_id, false, request.fetch_offset, now + config_.replica_socket_timeout};
  output_.fetch_requests.push_back({follower.leader_id, request});
}

void PartitionReplica::send_offsets_for_leader_epoch(Time now) {
  FollowerState& follower = follower_state();
  KS_ASSERT(follower.phase == FetcherPhase::truncating);
  KS_ASSERT(!follower.in_flight);
  const std::optional<Epoch> latest = log_.latest_epoch();
  KS_ASSERT_MSG(latest.has_value(), "a truncating follower has an epoch to ask about");
  KS_ASSERT(*latest <= leader_epoch_);
  OffsetsForLeaderEpochRequest request;
  request.request_id = next_request_id_++;
  request.replica_id = config_.node_id;
  request.current_leader_epoch = leader_epoch_;
  request.leader_epoch = *latest;
  follower.in_flight =
      InFlightRequest{request.request_id, true, log_.log_end_offset(), now + config_.replica_socket_timeout};
  output_.offsets_for_leader_epoch_requests.push_back({follower.leader_id, request});
}

void PartitionReplica::fetch_failed(Time now, const char* /*reason*/) {
  // AbstractFetcherThread: the partition is retried after replica.fetch.backoff.ms.
  FollowerState& follower = follower_state();
  follower.in_flight.reset();
  follower.retry_at = now + config_.replica_fetch_backoff;
}

void PartitionReplica::on_connection_lost(Time now, NodeId peer) {
  begin_input(now);
  if (auto* follower = std::get_if<FollowerState>(&role_)) {
    // The request in flight to the leader failed: retry after the backoff.
    if (follower->leader_id == peer && follower->in_flight) fetch_failed(now, "connection lost");
  } else if (auto* leader = std::get_if<LeaderState>(&role_)) {
    // A parked fetch from that follower can no longer be answered.
    std::erase_if(leader->fetch_purgatory, [peer](const ParkedFetch& p) { return p.request.replica_id == peer; });
  }
  end_input(now);
}

// ---------------------------------------------------------------- OffsetsForLeaderEpoch answer

void PartitionReplica::on_offsets_for_leader_epoch_response(Time now, const OffsetsForLeaderEpochResponse& response) {
  begin_input(now);
  auto* follower = std::get_if<FollowerState>(&role_);
  if (follower == nullptr || !follower->in_flight || !follower->in_flight->offsets_for_leader_epoch ||
      follower->in_flight->request_id != response.request_id) {
    end_input(now);  // an answer for an earlier leader or epoch
    return;
  }
  follower->in_flight.reset();
  switch (response.error) {
    case ErrorCode::none:
      apply_truncation(now, response.end, "OffsetsForLeaderEpoch (KIP-101)");
      break;
    case ErrorCode::fenced_leader_epoch:
      // onPartitionFenced: the leader is in a newer epoch than we know; wait for metadata.
      set_fetcher_phase(now, FetcherPhase::fenced, "fenced: waiting for metadata");
      break;
    default:
      fetch_failed(now, "OffsetsForLeaderEpoch error");
      break;
  }
  end_input(now);
}

void PartitionReplica::apply_truncation(Time now, const EpochEndOffset& leader_answer, const char* reason) {
  FollowerState& follower = follower_state();
  const std::optional<Epoch> latest_before = log_.latest_epoch();
  const TruncationDecision decision = decide_truncation(leader_answer, log_, high_watermark_);
  truncate_log(now, decision.truncate_to, reason);
  KS_ASSERT(log_.log_end_offset() <= decision.truncate_to);
  if (decision.complete) {
    set_fetcher_phase(now, FetcherPhase::fetching, "truncation complete");
    return;
  }
  // KIP-279: we did not know the leader's epoch; ask again about the one we are left with. A
  // Kafka 2.7+ follower asks by fetching with the new lastFetchedEpoch.
  ++follower.truncation_rounds;
  KS_ASSERT_MSG(follower.truncation_rounds <= truncation_rounds_max, "too many KIP-279 truncation rounds");
  KS_ASSERT(latest_before.has_value());
  KS_ASSERT_MSG(!log_.latest_epoch() || *log_.latest_epoch() < *latest_before,
                "each KIP-279 round lowers the follower's latest epoch");
  if (!log_.latest_epoch()) {
    set_fetcher_phase(now, FetcherPhase::fetching, "truncation complete");
  } else if (!config_.truncate_on_fetch) {
    KS_ASSERT(follower.phase == FetcherPhase::truncating);
  }
}

// ---------------------------------------------------------------- Fetch answer

void PartitionReplica::on_fetch_response(Time now, const FetchResponse& response) {
  begin_input(now);
  auto* follower = std::get_if<FollowerState>(&role_);
  if (follower == nullptr || !follower->in_flight || follower->in_flight->offsets_for_leader_epoch ||
      follower->in_flight->request_id != response.request_id) {
    end_input(now);  // an answer for an earlier leader or epoch
    return;
  }
  KS_ASSERT_MSG(follower->in_flight->fetch_offset == log_.log_end_offset(), "only this fetcher changes the log");
  follower->in_flight.reset();
  switch (response.error) {
    case ErrorCode::none:
      if (response.diverging_epoch) {
        KS_ASSERT(response.records.empty());
        apply_truncation(now, *response.diverging_epoch, "DivergingEpoch in Fetch");
      } else {
        append_fetched(now, response);
      }
      break;
    case ErrorCode::fenced_leader_epoch:
      set_fetcher_phase(now, FetcherPhase::fenced, "fenced: waiting for metadata");
      break;
    case ErrorCode::offset_out_of_range:
      handle_out_of_range(now, response);
      break;
    default:
      // NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH (the leader has not seen our epoch yet), ...
      fetch_failed(now, "Fetch error");
      break;
  }
  end_input(now);
}

void PartitionReplica::append_fetched(Time now, const FetchResponse& response) {
  KS_ASSERT(response.high_watermark >= 0);
  for (const ReplicaBatch& batch : response.records) {
    KS_ASSERT_MSG(batch.leader_epoch <= leader_epoch_, "a leader sends no batch from a later epoch than its own");
    if (!log_.append_as_follower(now, batch)) {
      // UnexpectedAppendOffsetException or a storage error: Kafka marks the partition failed.
      set_fetcher_phase(now, FetcherPhase::failed, "append failed: fetcher stopped");
      return;
    }
    LogChange change;
    change.kind = LogChange::Kind::append_as_follower;
    change.offset = batch.base_offset;
    change.log_end_offset = log_.log_end_offset();
    change.epoch = batch.leader_epoch;
    change.record_count = batch.record_count;
    change.reason = "fetched from the leader";
    record_log_change(change);
  }
  // UnifiedLog.maybeUpdateHighWatermark: the leader's value, clamped into our log. It is SET,
  // not raised: a follower's high watermark may go down (a new leader may know less).
  const Offset learned = std::clamp(response.high_watermark, log_.log_start_offset(), log_.log_end_offset());
  if (learned != high_watermark_) {
    high_watermark_ = learned;
    push_state_change(now, "high watermark from the leader");
  }
}

void PartitionReplica::handle_out_of_range(Time now, const FetchResponse& response) {
  // AbstractFetcherThread.fetchOffsetAndTruncate (the leader's offsets come in the response
  // instead of two ListOffsets round trips, see messages.h).
  KS_ASSERT(response.log_start_offset >= 0);
  KS_ASSERT(response.log_end_offset >= response.log_start_offset);
  const Offset log_end = log_.log_end_offset();
  if (response.log_end_offset < log_end) {
    // The leader has less than we do (an unclean election, or pre-KIP-101 truncation): cut our
    // tail to its log end. Kafka accepts the possible divergence below it.
    truncate_log(now, response.log_end_offset, "OFFSET_OUT_OF_RANGE: leader's log ends below ours");
  } else if (response.log_start_offset > log_end) {
    // We are behind the leader's log start (retention deleted what we need).
    truncate_log_fully(now, response.log_start_offset, "OFFSET_OUT_OF_RANGE: behind the leader's log start");
  } else {
    fetch_failed(now, "OFFSET_OUT_OF_RANGE");  // nothing to change: retry after the backoff
  }
}

}  // namespace kraftsim::replication

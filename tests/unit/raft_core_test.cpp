// Unit tests of the KRaft quorum core (broker/raft) driven by hand, one input at a time: the
// log's epoch lookups (with a rapidcheck property of KIP-279 truncation), the vote rules of
// KIP-595 and KIP-996, the persistence-before-send contract, the high watermark rules
// (KAFKA-10533 and the own-epoch commit), check-quorum, EndQuorumEpoch, observers, and the wire
// sizes. Cluster behaviour is in raft_cluster_test.cpp.
#include <rapidcheck/catch.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/time.h"
#include "broker/raft/quorum_core.h"

namespace {

using namespace kraftsim;
using namespace kraftsim::raft;

Entry entry(Offset offset, Epoch epoch, std::string text = "x") {
  return Entry{offset, epoch, false, Bytes(text.begin(), text.end())};
}

// A log holding one entry per element of `epochs`, from offset 0.
RaftLog log_with_epochs(const std::vector<Epoch>& epochs) {
  std::vector<Entry> entries;
  for (std::size_t i = 0; i < epochs.size(); ++i) entries.push_back(entry(static_cast<Offset>(i), epochs[i]));
  return RaftLog(std::nullopt, std::move(entries));
}

QuorumConfig config_for(NodeId id, std::vector<NodeId> voters) {
  QuorumConfig c;
  c.node_id = id;
  c.voter_ids = std::move(voters);
  c.cluster_id = "tUeiYSM4QW2qCFizw1jz8Q";
  return c;
}

// One core driven by hand. Every step returns the output of that step.
class Solo {
 public:
  Solo(QuorumConfig config, PersistedState persisted = {}, std::uint64_t seed = 7)
      : rng_(seed), core_(std::make_unique<QuorumCore>(std::move(config), rng_, std::move(persisted), now_)) {
    first_ = core_->take_output();
  }

  QuorumCore& core() { return *core_; }
  Time now() const { return now_; }
  const Output& first_output() const { return first_; }

  Output at(Time t) {
    now_ = t;
    core_->on_timer(now_);
    return core_->take_output();
  }
  // Wakes the core at its next deadline.
  Output wake() { return at(core_->next_deadline()); }
  Output deliver(NodeId from, Body body, std::uint64_t correlation_id = 1000) {
    core_->on_message(now_, from, Message{correlation_id, std::move(body)});
    return core_->take_output();
  }
  Output flushed(Offset end) {
    core_->on_log_flushed(now_, end);
    return core_->take_output();
  }
  void advance(Duration d) { now_ += d; }

 private:
  Time now_ = Time::zero() + milliseconds(1);
  Rng rng_;
  std::unique_ptr<QuorumCore> core_;
  Output first_;
};

// The bodies of type T sent in `out`, with their destinations and correlation ids.
template <typename T>
std::vector<std::pair<NodeId, std::pair<std::uint64_t, T>>> sent(const Output& out) {
  std::vector<std::pair<NodeId, std::pair<std::uint64_t, T>>> found;
  for (const Outbound& m : out.messages) {
    if (const T* body = std::get_if<T>(&m.message.body)) found.push_back({m.destination, {m.message.correlation_id, *body}});
  }
  return found;
}

template <typename T>
T only(const Output& out) {
  const auto found = sent<T>(out);
  REQUIRE(found.size() == 1);
  return found.front().second.second;
}

VoteRequest vote_request(NodeId candidate, Epoch epoch, Epoch last_epoch, Offset end, bool pre_vote) {
  return VoteRequest{"tUeiYSM4QW2qCFizw1jz8Q", epoch, candidate, last_epoch, end, pre_vote};
}

// Drives node 1 of {1, 2, 3} to leadership: election timeout, pre-votes and votes granted by 2.
void elect(Solo& solo) {
  const Output pre = solo.wake();
  REQUIRE(solo.core().role() == Role::prospective);
  const auto pre_votes = sent<VoteRequest>(pre);
  REQUIRE(pre_votes.size() == 2);
  for (const auto& [to, request] : pre_votes) REQUIRE(request.second.pre_vote);
  const auto& to2 = *std::find_if(pre_votes.begin(), pre_votes.end(), [](const auto& p) { return p.first == 2; });
  const Output votes = solo.deliver(2, VoteResponse{ErrorCode::none, solo.core().epoch(), std::nullopt, true}, to2.second.first);
  REQUIRE(solo.core().role() == Role::candidate);
  const auto real = sent<VoteRequest>(votes);
  REQUIRE(real.size() == 2);
  const auto& real2 = *std::find_if(real.begin(), real.end(), [](const auto& p) { return p.first == 2; });
  REQUIRE_FALSE(real2.second.second.pre_vote);
  solo.deliver(2, VoteResponse{ErrorCode::none, solo.core().epoch(), std::nullopt, true}, real2.second.first);
  REQUIRE(solo.core().role() == Role::leader);
}

}  // namespace

// ------------------------------------------------------------------ the log

TEST_CASE("raft log: epoch lookups and fetch validation follow Kafka", "[raft]") {
  // offsets:        0  1  2  3  4  5  6
  const RaftLog log = log_with_epochs({1, 1, 1, 2, 2, 4, 4});
  REQUIRE(log.end_offset_and_epoch() == OffsetAndEpoch{7, 4});
  // The largest epoch <= the one asked, and where it ends.
  REQUIRE(log.end_offset_for_epoch(0) == OffsetAndEpoch{0, 0});
  REQUIRE(log.end_offset_for_epoch(1) == OffsetAndEpoch{3, 1});
  REQUIRE(log.end_offset_for_epoch(2) == OffsetAndEpoch{5, 2});
  REQUIRE(log.end_offset_for_epoch(3) == OffsetAndEpoch{5, 2});
  REQUIRE(log.end_offset_for_epoch(4) == OffsetAndEpoch{7, 4});
  REQUIRE(log.end_offset_for_epoch(9) == OffsetAndEpoch{7, 4});

  REQUIRE(log.validate_offset_and_epoch(7, 4).kind == FetchValidation::Kind::valid);
  REQUIRE(log.validate_offset_and_epoch(4, 2).kind == FetchValidation::Kind::valid);
  const FetchValidation ahead = log.validate_offset_and_epoch(9, 4);
  REQUIRE(ahead.kind == FetchValidation::Kind::diverging);
  REQUIRE(ahead.diverging == OffsetAndEpoch{7, 4});
  const FetchValidation other_epoch = log.validate_offset_and_epoch(6, 3);
  REQUIRE(other_epoch.kind == FetchValidation::Kind::diverging);
  REQUIRE(other_epoch.diverging == OffsetAndEpoch{5, 2});

  // A follower with [1 1 1 3 3] told "epoch 2 ends at 5" keeps only what it shares: epoch 1.
  const RaftLog follower = log_with_epochs({1, 1, 1, 3, 3});
  REQUIRE(follower.truncation_offset_for({5, 2}) == 3);
  REQUIRE(log.validate_offset_and_epoch(3, 1).kind == FetchValidation::Kind::valid);
}

TEST_CASE("raft log: a snapshot replaces the prefix and answers fetches below it", "[raft]") {
  RaftLog log = log_with_epochs({1, 1, 2, 2, 2, 3});
  log.drop_prefix(SnapshotId{4, 2});
  REQUIRE(log.start_offset() == 4);
  REQUIRE(log.epoch_at(3) == 2);  // answered from the snapshot id
  REQUIRE_FALSE(log.epoch_at(2));
  REQUIRE(log.end_offset_for_epoch(2) == OffsetAndEpoch{5, 2});
  REQUIRE(log.end_offset_for_epoch(1) == OffsetAndEpoch{4, 0});
  REQUIRE(log.validate_offset_and_epoch(2, 1).kind == FetchValidation::Kind::snapshot);
  REQUIRE(log.validate_offset_and_epoch(4, 1).kind == FetchValidation::Kind::snapshot);  // epoch mismatch at start
  REQUIRE(log.validate_offset_and_epoch(4, 2).kind == FetchValidation::Kind::valid);
  REQUIRE(log.validate_offset_and_epoch(6, 3).kind == FetchValidation::Kind::valid);
  log.reset_to_snapshot(SnapshotId{10, 3});
  REQUIRE(log.empty());
  REQUIRE(log.end_offset_and_epoch() == OffsetAndEpoch{10, 3});
}

TEST_CASE("raft log: repeated DivergingEpoch truncation converges to the leader's log (KIP-279)", "[raft]") {
  rc::prop("the follower ends as a prefix of the leader, never below their common prefix", [] {
    // A shared prefix, then suffixes written by different leaders: the leader's log uses even
    // epochs, the follower's odd ones, so no (offset, epoch) pair is in both unless shared.
    const auto prefix_length = *rc::gen::inRange<int>(0, 12);
    const auto leader_suffix = *rc::gen::inRange<int>(0, 12);
    const auto follower_suffix = *rc::gen::inRange<int>(0, 12);
    std::vector<Epoch> prefix;
    Epoch epoch = 1;
    for (int i = 0; i < prefix_length; ++i) {
      if (*rc::gen::inRange(0, 4) == 0) ++epoch;
      prefix.push_back(epoch);
    }
    std::vector<Epoch> leader = prefix;
    std::vector<Epoch> follower = prefix;
    Epoch leader_epoch = epoch + (epoch % 2 == 0 ? 2 : 1);
    for (int i = 0; i < leader_suffix; ++i) {
      if (*rc::gen::inRange(0, 3) == 0) leader_epoch += 2;
      leader.push_back(leader_epoch);
    }
    Epoch follower_epoch = epoch + (epoch % 2 == 1 ? 2 : 1);
    for (int i = 0; i < follower_suffix; ++i) {
      if (*rc::gen::inRange(0, 3) == 0) follower_epoch += 2;
      follower.push_back(follower_epoch);
    }
    const RaftLog leader_log = log_with_epochs(leader);
    RaftLog follower_log = log_with_epochs(follower);
    for (int round = 0; round < 64; ++round) {
      const FetchValidation v =
          leader_log.validate_offset_and_epoch(follower_log.end_offset(), follower_log.last_epoch());
      if (v.kind == FetchValidation::Kind::valid) break;
      RC_ASSERT(v.kind == FetchValidation::Kind::diverging);
      const Offset truncation = follower_log.truncation_offset_for(v.diverging);
      RC_ASSERT(truncation >= static_cast<Offset>(prefix.size()));
      RC_ASSERT(truncation < follower_log.end_offset());  // progress, or the loop never ends
      follower_log.truncate_suffix(truncation);
    }
    RC_ASSERT(leader_log.validate_offset_and_epoch(follower_log.end_offset(), follower_log.last_epoch()).kind ==
              FetchValidation::Kind::valid);
    RC_ASSERT(follower_log.end_offset() <= leader_log.end_offset());
    for (Offset o = 0; o < follower_log.end_offset(); ++o) RC_ASSERT(follower_log.epoch_at(o) == leader_log.epoch_at(o));
  });
}

// ------------------------------------------------------------------ elections

TEST_CASE("raft core: a single voter elects itself and commits only what it flushed (KAFKA-10533)", "[raft]") {
  Solo solo(config_for(1, {1}));
  REQUIRE(solo.core().role() == Role::unattached);
  // Nothing happens before the election timeout, T + random[0, T) with T = 1 s.
  REQUIRE(solo.core().next_deadline() >= Time::zero() + milliseconds(1001));
  REQUIRE(solo.core().next_deadline() < Time::zero() + milliseconds(2001));
  const Output elected = solo.wake();
  REQUIRE(solo.core().role() == Role::leader);
  REQUIRE(solo.core().epoch() == 1);
  REQUIRE(elected.quorum_state == QuorumStateRecord{1, 1, 1});
  REQUIRE(elected.log_ops.size() == 1);
  REQUIRE(elected.log_ops[0].entries.at(0).control);  // LeaderChange opens the epoch
  REQUIRE(elected.flush_log_to == 1);

  const auto offset = solo.core().append(solo.now(), Bytes{'a'});
  REQUIRE(offset.ok());
  REQUIRE(*offset == 1);
  const Output appended = solo.core().take_output();
  REQUIRE(appended.flush_log_to == 2);
  // Written but not flushed: not committed, even with a quorum of one.
  REQUIRE_FALSE(solo.core().high_watermark());
  REQUIRE(appended.committed.empty());

  const Output first = solo.flushed(1);
  REQUIRE(solo.core().high_watermark() == 1);
  REQUIRE(first.committed.size() == 1);
  const Output second = solo.flushed(2);
  REQUIRE(solo.core().high_watermark() == 2);
  REQUIRE(second.committed.size() == 1);
  REQUIRE(second.committed[0].payload == Bytes{'a'});
}

TEST_CASE("raft core: a vote is persisted in the output that carries the grant, once per epoch", "[raft]") {
  Solo solo(config_for(1, {1, 2, 3}));
  const Output granted = solo.deliver(2, vote_request(2, 1, 0, 0, false));
  // The ordering contract: the driver makes quorum_state durable before sending the grant.
  REQUIRE(granted.quorum_state == QuorumStateRecord{1, 2, std::nullopt});
  REQUIRE(only<VoteResponse>(granted).vote_granted);
  // Another candidate of the same epoch is refused, and nothing durable changes.
  const Output refused = solo.deliver(3, vote_request(3, 1, 0, 0, false));
  REQUIRE_FALSE(refused.quorum_state);
  REQUIRE_FALSE(only<VoteResponse>(refused).vote_granted);
  // The same candidate asking again gets the same answer.
  REQUIRE(only<VoteResponse>(solo.deliver(2, vote_request(2, 1, 0, 0, false))).vote_granted);
}

TEST_CASE("raft core: a vote is refused to a candidate whose log is behind (unless mutated)", "[raft]") {
  PersistedState persisted;
  persisted.quorum_state = QuorumStateRecord{1, std::nullopt, 3};
  persisted.entries = {entry(0, 1), entry(1, 1), entry(2, 1)};
  for (const bool mutated : {false, true}) {
    QuorumConfig config = config_for(1, {1, 2, 3});
    config.test_only_grant_vote_without_log_check = mutated;
    Solo solo(config, persisted);
    // Candidate 2 is at epoch 2 but its log ends at offset 1 of epoch 1: shorter than ours.
    const Output out = solo.deliver(2, vote_request(2, 2, 1, 1, false));
    REQUIRE(solo.core().epoch() == 2);  // the higher epoch is adopted either way
    REQUIRE(only<VoteResponse>(out).vote_granted == mutated);
    // A longer log, or a later last epoch, is up to date.
    Solo other(config_for(1, {1, 2, 3}), persisted);
    REQUIRE(only<VoteResponse>(other.deliver(2, vote_request(2, 2, 1, 3, false))).vote_granted);
  }
}

TEST_CASE("raft core: pre-votes change nothing durable, a follower that hears from its leader refuses them", "[raft]") {
  Solo solo(config_for(1, {1, 2, 3}));
  const Output pre = solo.deliver(2, vote_request(2, 0, 0, 0, true));
  REQUIRE(only<VoteResponse>(pre).vote_granted);
  REQUIRE_FALSE(pre.quorum_state);  // KIP-996: no epoch bump, no vote recorded
  REQUIRE(solo.core().epoch() == 0);
  REQUIRE_FALSE(solo.core().voted_id());

  // Node 3 leads epoch 1.
  const Output begin = solo.deliver(3, BeginQuorumEpochRequest{"tUeiYSM4QW2qCFizw1jz8Q", 1, 3});
  REQUIRE(solo.core().role() == Role::follower);
  REQUIRE(begin.quorum_state == QuorumStateRecord{1, std::nullopt, 3});
  const auto fetch = sent<FetchRequest>(begin);
  REQUIRE(fetch.size() == 1);
  // Not heard from the leader yet: it may be unreachable from here, so the pre-vote is granted.
  REQUIRE(only<VoteResponse>(solo.deliver(2, vote_request(2, 1, 0, 0, true))).vote_granted);
  FetchResponse response;
  response.leader_epoch = 1;
  response.leader_id = 3;
  solo.deliver(3, response, fetch[0].second.first);
  // Now it fetches from a live leader: the pre-vote is refused and names the leader.
  const VoteResponse refused = only<VoteResponse>(solo.deliver(2, vote_request(2, 1, 0, 0, true)));
  REQUIRE_FALSE(refused.vote_granted);
  REQUIRE(refused.leader_id == 3);
  REQUIRE(solo.core().role() == Role::follower);
}

TEST_CASE("raft core: restart from the persisted quorum state keeps the epoch and the vote", "[raft]") {
  PersistedState persisted;
  persisted.quorum_state = QuorumStateRecord{5, 2, std::nullopt};
  Solo solo(config_for(1, {1, 2, 3}), persisted);
  REQUIRE(solo.core().epoch() == 5);
  REQUIRE(solo.core().voted_id() == 2);
  REQUIRE_FALSE(solo.first_output().quorum_state);  // nothing new to persist
  REQUIRE_FALSE(only<VoteResponse>(solo.deliver(3, vote_request(3, 5, 0, 0, false))).vote_granted);
  REQUIRE(only<VoteResponse>(solo.deliver(2, vote_request(2, 5, 0, 0, false))).vote_granted);
  // A node that led its epoch comes back Resigned in that epoch and asks for a successor.
  PersistedState led;
  led.quorum_state = QuorumStateRecord{4, 1, 1};
  Solo leader(config_for(1, {1, 2, 3}), led);
  REQUIRE(leader.core().role() == Role::resigned);
  REQUIRE(sent<EndQuorumEpochRequest>(leader.first_output()).size() == 2);
  // A log that saw a later epoch than the file wins: that epoch existed.
  PersistedState stale;
  stale.quorum_state = QuorumStateRecord{1, 1, std::nullopt};
  stale.entries = {entry(0, 3)};
  Solo later(config_for(1, {1, 2, 3}), stale);
  REQUIRE(later.core().epoch() == 3);
  REQUIRE(later.first_output().quorum_state == QuorumStateRecord{3, std::nullopt, std::nullopt});
}

TEST_CASE("raft core: observers never vote and never campaign", "[raft]") {
  Solo observer(config_for(4, {1, 2, 3}));
  REQUIRE_FALSE(observer.core().is_voter());
  observer.at(Time::zero() + seconds(60));
  REQUIRE(observer.core().role() == Role::unattached);
  REQUIRE(sent<VoteRequest>(observer.at(Time::zero() + seconds(61))).empty());
  REQUIRE_FALSE(only<VoteResponse>(observer.deliver(1, vote_request(1, 1, 0, 0, true))).vote_granted);
  REQUIRE_FALSE(only<VoteResponse>(observer.deliver(1, vote_request(1, 2, 0, 0, false))).vote_granted);
  REQUIRE_FALSE(observer.core().voted_id());
}

// ------------------------------------------------------------------ the leader

TEST_CASE("raft core: the high watermark waits for the leader's own epoch to commit", "[raft]") {
  PersistedState persisted;
  persisted.quorum_state = QuorumStateRecord{1, std::nullopt, 3};
  persisted.entries = {entry(0, 1), entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1)};
  for (const bool mutated : {false, true}) {
    QuorumConfig config = config_for(1, {1, 2, 3});
    config.test_only_advance_hw_without_own_epoch_commit = mutated;
    Solo solo(config, persisted);
    elect(solo);
    REQUIRE(solo.core().epoch() == 2);
    REQUIRE(solo.core().log().end_offset() == 6);  // LeaderChange at the epoch start offset 5
    // Node 2 holds the old entries 0..4: a majority has offset 5, but not the LeaderChange.
    const Output out =
        solo.deliver(2, FetchRequest{"tUeiYSM4QW2qCFizw1jz8Q", 2, 2, 5, 1, milliseconds(0), 1 << 20}, 77);
    const FetchResponse response = only<FetchResponse>(out);
    REQUIRE(response.records.size() == 1);
    if (mutated) {
      REQUIRE(solo.core().high_watermark() == 5);  // Raft figure 8: committed by counting replicas
    } else {
      REQUIRE_FALSE(solo.core().high_watermark());
      REQUIRE_FALSE(response.high_watermark);
    }
    // Once the LeaderChange is flushed here and fetched by node 2, entries up to 6 commit.
    solo.flushed(6);
    const Output committed =
        solo.deliver(2, FetchRequest{"tUeiYSM4QW2qCFizw1jz8Q", 2, 2, 6, 2, milliseconds(0), 1 << 20}, 78);
    REQUIRE(solo.core().high_watermark() == 6);
    REQUIRE(only<FetchResponse>(committed).high_watermark == 6);
  }
}

TEST_CASE("raft core: the leader answers fetches with DivergingEpoch, fencing errors and parking", "[raft]") {
  PersistedState persisted;
  persisted.quorum_state = QuorumStateRecord{2, std::nullopt, 3};
  persisted.entries = {entry(0, 1), entry(1, 1), entry(2, 2)};
  Solo solo(config_for(1, {1, 2, 3}), persisted);
  elect(solo);
  REQUIRE(solo.core().epoch() == 3);
  const std::string cluster = "tUeiYSM4QW2qCFizw1jz8Q";
  // Node 2 has 4 entries whose last epoch (2) ends at 3 in our log: truncate to 3.
  const FetchResponse diverging = only<FetchResponse>(solo.deliver(2, FetchRequest{cluster, 2, 3, 4, 2, milliseconds(500), 1 << 20}));
  REQUIRE(diverging.diverging_epoch == OffsetAndEpoch{3, 2});
  REQUIRE(diverging.records.empty());
  // A stale epoch is fenced, a future one unknown.
  REQUIRE(only<FetchResponse>(solo.deliver(2, FetchRequest{cluster, 2, 2, 3, 2, milliseconds(0), 1 << 20})).error ==
          ErrorCode::fenced_leader_epoch);
  REQUIRE(only<FetchResponse>(solo.deliver(2, FetchRequest{cluster, 2, 4, 3, 2, milliseconds(0), 1 << 20})).error ==
          ErrorCode::unknown_leader_epoch);
  REQUIRE(only<FetchResponse>(solo.deliver(2, FetchRequest{"another-cluster", 2, 3, 3, 2, milliseconds(0), 1 << 20}))
              .error == ErrorCode::inconsistent_cluster_id);
  // Caught up and nothing new: the fetch is parked until data arrives (long poll).
  const Output parked = solo.deliver(2, FetchRequest{cluster, 2, 3, 4, 3, milliseconds(500), 1 << 20}, 90);
  REQUIRE(sent<FetchResponse>(parked).empty());
  REQUIRE(solo.core().append(solo.now(), Bytes{'z'}).ok());
  const Output woken = solo.core().take_output();
  const auto answers = sent<FetchResponse>(woken);
  REQUIRE(answers.size() == 1);
  REQUIRE(answers[0].second.first == 90);
  REQUIRE(answers[0].second.second.records.size() == 1);
}

TEST_CASE("raft core: check-quorum resigns a leader no majority fetches from", "[raft]") {
  QuorumConfig config = config_for(1, {1, 2, 3});
  Solo solo(config);
  elect(solo);
  const Time elected = solo.now();
  // Node 2 fetches for a while: a majority (1 and 2) keeps the leader in place.
  const std::string cluster = "tUeiYSM4QW2qCFizw1jz8Q";
  for (int i = 1; i <= 6; ++i) {
    solo.at(elected + milliseconds(1000 * i));
    solo.deliver(2, FetchRequest{cluster, 2, 1, 0, 0, milliseconds(0), 1 << 20}, 100 + i);
    REQUIRE(solo.core().role() == Role::leader);
  }
  // Then nobody fetches: after 1.5 x fetch timeout (3 s) it resigns and asks for a successor.
  const Time last = solo.now();
  solo.at(last + milliseconds(2990));
  REQUIRE(solo.core().role() == Role::leader);
  const Output resigned = solo.at(last + milliseconds(3000));
  REQUIRE(solo.core().role() == Role::resigned);
  REQUIRE(solo.core().epoch() == 1);
  const auto end = sent<EndQuorumEpochRequest>(resigned);
  REQUIRE(end.size() == 2);
  REQUIRE(end[0].second.second.preferred_successors.front() == 2);  // the most caught-up first
  // Resigned refuses votes in its epoch; a later epoch moves it on.
  REQUIRE_FALSE(only<VoteResponse>(solo.deliver(2, vote_request(2, 1, 0, 0, true))).vote_granted);
  REQUIRE(only<VoteResponse>(solo.deliver(2, vote_request(2, 2, 1, 1, false))).vote_granted);
  REQUIRE(solo.core().role() == Role::unattached);
}

TEST_CASE("raft core: EndQuorumEpoch makes the first preferred successor campaign at once", "[raft]") {
  const std::string cluster = "tUeiYSM4QW2qCFizw1jz8Q";
  for (const auto& [successors, wait] : std::vector<std::pair<std::vector<NodeId>, Duration>>{
           {{1, 2}, Duration()}, {{2, 1}, milliseconds(500)}}) {
    Solo solo(config_for(1, {1, 2, 3}));
    solo.deliver(3, BeginQuorumEpochRequest{cluster, 1, 3});
    REQUIRE(solo.core().role() == Role::follower);
    const Time start = solo.now();
    REQUIRE(solo.core().next_deadline() >= start + milliseconds(2000) - microseconds(1));
    solo.deliver(3, EndQuorumEpochRequest{cluster, 1, 3, successors});
    // Kafka's strict exponential backoff by position: 0 ms, then 500 ms for the second of two.
    solo.at(start + wait);
    REQUIRE(solo.core().role() == Role::prospective);
  }
}

// ------------------------------------------------------------------ messages

TEST_CASE("raft messages: wire sizes follow Kafka's schemas and grow with payloads", "[raft]") {
  const Message vote{1, vote_request(1, 3, 2, 100, true)};
  REQUIRE(wire_size_bytes(vote) > 80);
  REQUIRE(wire_size_bytes(vote) < 200);
  FetchResponse small;
  small.records = {entry(0, 1, "a")};
  FetchResponse big;
  big.records = {entry(0, 1, std::string(1000, 'a')), entry(1, 1, std::string(1000, 'b'))};
  const std::size_t small_size = wire_size_bytes(Message{1, small});
  const std::size_t big_size = wire_size_bytes(Message{1, big});
  REQUIRE(big_size >= small_size + 1999);
  REQUIRE(api_name(Body{FetchSnapshotRequest{}}) == "FetchSnapshot");
  REQUIRE(is_response(Body{DescribeQuorumResponse{}}));
  REQUIRE_FALSE(is_response(Body{BeginQuorumEpochRequest{}}));
  REQUIRE(to_string(ErrorCode::fenced_leader_epoch) == "FENCED_LEADER_EPOCH");
  const LeaderChange change{2, {1, 2, 3}, {2, 3}};
  REQUIRE(decode_leader_change(encode_leader_change(change)) == change);
  REQUIRE_FALSE(decode_leader_change(Bytes{1, 2, 3}));
}

TEST_CASE("raft config: validation names the Kafka key at fault", "[raft]") {
  QuorumConfig good = config_for(1, {1, 2, 3});
  REQUIRE_FALSE(validate_config(good));
  QuorumConfig no_voters = good;
  no_voters.voter_ids.clear();
  REQUIRE(validate_config(no_voters)->find("controller.quorum.voters") != std::string::npos);
  QuorumConfig bad_timeout = good;
  bad_timeout.election_timeout = Duration();
  REQUIRE(validate_config(bad_timeout)->find("controller.quorum.election.timeout.ms") != std::string::npos);
  QuorumConfig no_cluster = good;
  no_cluster.cluster_id.clear();
  REQUIRE(validate_config(no_cluster)->find("cluster.id") != std::string::npos);
}

// The bug modes' knobs, clients and targeted fault episodes. Each episode is the shortest fault
// sequence after which the switch's broken rule shows in a check, with its times drawn so that
// the search still explores; the comments say which check and why it holds without the switch.
#include "sim/runner/generator_bug_modes.h"

#include <algorithm>
#include <string>

#include "base/assert.h"
#include "sim/runner/kafka_cluster.h"

namespace kraftsim::runner {

namespace {

// Records per second of the generated acks=all producer (scenario_generator.cpp).
constexpr std::int64_t producer_records_per_s = 20;
// Producing until this long after the start covers every episode below.
constexpr std::int64_t episode_production_ms = 40'000;
constexpr std::int64_t episode_duration_floor_ms = 60'000;
// The stale-commit episode pauses a member once the group has formed and committed, for longer
// than its session plus a rebalance and a commit of the survivors: it needs a longer run.
constexpr std::int64_t stale_commit_duration_floor_ms = 70'000;

FaultSpec fault_at(std::int64_t at_ms, FaultKind kind, Target target = Target{std::string("crashed")}) {
  FaultSpec f;
  f.at = Time::zero() + milliseconds(at_ms);
  f.kind = kind;
  f.target = std::move(target);
  return f;
}

// Dedicated controllers 1-3, brokers 4-6 (bug_mode_nodes): one broker keeps the controllers and
// every client, the other two are cut off from them and from it (the admin client, which created
// the topics at the start, is cut off too: a scenario file cannot name it). The controller fences the two
// (broker.session.timeout.ms), takes them out of every ISR and makes the kept broker the leader of
// every partition, alone in its ISR: whoever led orders-0 before, that is now the kept one.
FaultSpec cut_two_brokers(const Scenario& s, std::int64_t at_ms, NodeId kept) {
  KS_ASSERT_MSG(s.nodes.size() == 6 && s.nodes[3].roles == "broker", "the episode needs dedicated controllers");
  FaultSpec f = fault_at(at_ms, FaultKind::partition);
  std::vector<NodeId> with_controllers = {1, 2, 3, kept};
  std::vector<NodeId> cut;
  for (NodeId id = 4; id <= 6; ++id) {
    if (id != kept) cut.push_back(id);
  }
  for (std::size_t i = 0; i < s.producers.size(); ++i) with_controllers.push_back(producer_node_id(s, i));
  for (std::size_t i = 0; i < s.consumers.size(); ++i) with_controllers.push_back(consumer_node_id(s, i));
  f.groups = {with_controllers, cut};
  return f;
}

FaultSpec one_way(std::int64_t at_ms, NodeId from, NodeId to) {
  FaultSpec f = fault_at(at_ms, FaultKind::one_way_partition);
  f.from = from;
  f.to = to;
  return f;
}

void produce_through_episodes(ProducerSpec& p) {
  p.records = std::max(p.records, p.records_per_s * episode_production_ms / 1000);
}

// At least two members, at least one partition each (range assignment), keyed records so that
// every partition keeps receiving them.
void shape_group(Scenario& s) {
  KS_ASSERT(!s.consumers.empty());
  while (s.consumers.size() < 2) s.consumers.push_back(s.consumers.front());
  TopicSpec& orders = s.topics.front();
  orders.partitions = std::max<std::int32_t>(orders.partitions, static_cast<std::int32_t>(s.consumers.size()));
  s.producers.front().keys = 16;
}

}  // namespace

int bug_mode_nodes(GeneratorBug bug, int drawn_nodes) {
  return bug == GeneratorBug::unclean_election || bug == GeneratorBug::legacy_hw_below_min_isr ||
                 bug == GeneratorBug::legacy_truncation
             ? 6
             : drawn_nodes;
}

std::int64_t bug_mode_duration_floor_ms(GeneratorBug bug) {
  switch (bug) {
    case GeneratorBug::unclean_election:
    case GeneratorBug::legacy_hw_below_min_isr:
    case GeneratorBug::legacy_truncation:
    case GeneratorBug::leader_epoch_not_bumped:
    case GeneratorBug::leader_hw_may_decrease: return episode_duration_floor_ms;
    case GeneratorBug::coordinator_accepts_stale_commits: return stale_commit_duration_floor_ms;
    default: return 0;
  }
}

bool bug_mode_draws_random_faults(GeneratorBug bug) { return bug != GeneratorBug::legacy_truncation; }

bool bug_mode_needs_group(GeneratorBug bug) {
  return bug == GeneratorBug::consumer_ignore_revocation || bug == GeneratorBug::coordinator_accepts_stale_commits;
}

bool bug_mode_forbids_group(GeneratorBug bug) {
  return bug == GeneratorBug::legacy_truncation || bug == GeneratorBug::legacy_hw_below_min_isr ||
         bug == GeneratorBug::leader_hw_may_decrease;
}

void shape_for_bug(Scenario& s, GeneratorBug bug, bool switch_on, Rng& rng) {
  switch (bug) {
    case GeneratorBug::none: break;
    case GeneratorBug::unclean_election:
      if (switch_on) s.config["unclean.leader.election.enable"] = "true";
      // The leader alone in the ISR keeps acknowledging acks=all writes only with
      // min.insync.replicas=1; a follower that stops fetching leaves the ISR within an episode.
      s.config["replica.lag.time.max.ms"] = "2000";
      for (auto& t : s.topics) t.config["min.insync.replicas"] = "1";
      produce_through_episodes(s.producers.front());
      break;
    case GeneratorBug::legacy_truncation:
      if (switch_on) s.config["legacy.truncate.to.high.watermark"] = "true";
      // A follower that cannot fetch stays in the ISR through the episode (it is the one the
      // controller elects last).
      s.config["replica.lag.time.max.ms"] = "60000";
      // Records always in flight to orders-0 (its only partition), so that a follower's high
      // watermark is a fetch round behind its log end when the leader dies: what it cuts.
      s.topics.front().partitions = 1;
      s.producers.front().records_per_s = 200;
      produce_through_episodes(s.producers.front());
      break;
    case GeneratorBug::legacy_hw_below_min_isr: {
      if (switch_on) s.config["legacy.advance.high.watermark.below.min.isr"] = "true";
      s.config["replica.lag.time.max.ms"] = "2000";
      // Every record is fsynced within about a second (flush.ms, checked every second), so a
      // power loss loses only the last second of appends: never what was committed while the
      // ISR was whole, which is older. With the switch the leader alone in its ISR commits
      // what it appends, and those last-second records are committed ones.
      for (auto& t : s.topics) t.config["flush.ms"] = "1000";
      produce_through_episodes(s.producers.front());
      // While the ISR is below min.insync.replicas acks=all writes are refused before the
      // append; an acks=0 producer keeps appending (nothing is acknowledged, so nothing it sends
      // is promised durable). Keyed, so that every partition receives records.
      ProducerSpec fire_and_forget;
      fire_and_forget.topic = s.producers.front().topic;
      fire_and_forget.acks = "0";
      fire_and_forget.records_per_s = 50;
      fire_and_forget.keys = 16;
      produce_through_episodes(fire_and_forget);
      s.producers.push_back(fire_and_forget);
      break;
    }
    case GeneratorBug::raft_vote_without_log_check:
      if (switch_on) s.test_only_mutations.push_back("raft-grant-vote-without-log-check");
      break;
    case GeneratorBug::raft_hw_without_epoch_commit:
      if (switch_on) s.test_only_mutations.push_back("raft-advance-hw-without-own-epoch-commit");
      break;
    case GeneratorBug::leader_epoch_not_bumped:
      // On every node: every node replays the metadata log (docs/configuration.md).
      if (switch_on) s.config["kraftsim.test.partition.leader.epoch.not.bumped"] = "true";
      break;
    case GeneratorBug::leader_hw_may_decrease:
      if (switch_on) s.config["kraftsim.test.leader.hw.may.decrease"] = "true";
      break;
    case GeneratorBug::consumer_ignore_revocation:
      shape_group(s);
      // A member that joins once the others consume forces a rebalance in which partitions
      // move: the members that keep theirs (the switch) share them with the newcomer.
      s.consumers.back().start += milliseconds(rng.uniform_int(4'000, 9'000));
      if (switch_on) {
        for (auto& c : s.consumers) c.ignore_revocation = true;
      }
      break;
    case GeneratorBug::coordinator_accepts_stale_commits:
      shape_group(s);
      produce_through_episodes(s.producers.front());
      // As scenarios/groups/paused-member-commit-refused.json: frequent heartbeats and commits,
      // so that the survivors commit past the paused member's position before it resumes.
      for (auto& c : s.consumers) {
        c.heartbeat_interval = milliseconds(1000);
        c.auto_commit_interval = milliseconds(1000);
      }
      if (switch_on) s.config["kraftsim.test.coordinator.accepts.stale.generation.commits"] = "true";
      break;
  }
}

std::vector<FaultSpec> bug_episode(const Scenario& s, GeneratorBug bug, Rng& rng, std::int64_t window_start_ms) {
  std::vector<FaultSpec> episode;
  const std::int64_t t0 = window_start_ms + rng.uniform_int(2'000, 5'000);
  switch (bug) {
    case GeneratorBug::unclean_election: {
      // The kept broker leads every partition alone and acknowledges writes only it holds; it
      // dies; the network heals and the controller elects one of the two that were cut off. Clean
      // elections only (the switch off): the partitions wait for it, and lose nothing.
      const NodeId kept = static_cast<NodeId>(4 + rng.below(3));
      episode.push_back(cut_two_brokers(s, t0, kept));
      const std::int64_t crash_ms = t0 + rng.uniform_int(12'000, 14'000);
      episode.push_back(fault_at(crash_ms, FaultKind::crash, Target{kept}));
      episode.push_back(fault_at(crash_ms + rng.uniform_int(1'000, 3'000), FaultKind::heal));
      break;
    }
    case GeneratorBug::legacy_hw_below_min_isr: {
      // The kept broker leads every partition alone (below min.insync.replicas=2). It loses
      // power, comes back with its last second of appends gone, and leads again (the only ISR
      // member). With the switch those appends were committed: committed offsets are gone from
      // the new leader's log (partition-hw-monotonic). Without it the high watermark stayed
      // where the whole ISR left it, more than a second before, flushed.
      const NodeId kept = static_cast<NodeId>(4 + rng.below(3));
      episode.push_back(cut_two_brokers(s, t0, kept));
      const std::int64_t power_loss_ms = t0 + rng.uniform_int(12'000, 14'000);
      episode.push_back(fault_at(power_loss_ms, FaultKind::power_loss, Target{kept}));
      const std::int64_t back_ms = power_loss_ms + rng.uniform_int(2'000, 4'000);
      episode.push_back(fault_at(back_ms, FaultKind::restart, Target{kept}));
      episode.push_back(fault_at(back_ms, FaultKind::heal));
      break;
    }
    case GeneratorBug::legacy_truncation: {
      // KIP-101 scenario 1, KRaft flavour (scenarios/replication/kip101-scenario-1-legacy.json):
      // the brokers stop reaching each other (one direction of each pair is enough: no fetch
      // gets its answer), and orders-0's leader A dies while the producer is writing. The
      // controller elects a follower B; the other, C, becomes B's follower. Before KIP-101 C cut
      // its log to its own high watermark, a fetch round behind A's, at once. B dies too and C,
      // still in the ISR, leads without records A acknowledged (acked-write-durable). With
      // KIP-101 C truncates only to what B answers, and B's answers never arrive: C keeps every
      // acknowledged record and nothing is lost.
      episode.push_back(one_way(t0, 4, 5));
      episode.push_back(one_way(t0, 5, 6));
      episode.push_back(one_way(t0, 6, 4));
      episode.push_back(fault_at(t0 + 1, FaultKind::crash, Target{std::string("leader-of:orders-0")}));
      episode.push_back(
          fault_at(t0 + rng.uniform_int(14'000, 16'000), FaultKind::crash, Target{std::string("leader-of:orders-0")}));
      break;
    }
    case GeneratorBug::leader_epoch_not_bumped: {
      // A leader change: the controller elects an ISR follower once it fences the crashed
      // leader, in a new leader epoch unless the switch keeps the old one.
      episode.push_back(fault_at(t0, FaultKind::crash, Target{std::string("leader-of:orders-0")}));
      episode.push_back(fault_at(t0 + rng.uniform_int(10'000, 13'000), FaultKind::restart));
      break;
    }
    case GeneratorBug::leader_hw_may_decrease: {
      // A follower loses power (nothing was fsynced) and comes back with a shorter log. Kafka's
      // leader counts the ISR only (it left it) and never moves the high watermark back; with
      // the switch the follower's fetch pulls it down (checker_switches_test.cpp, by hand).
      episode.push_back(fault_at(t0, FaultKind::power_loss, Target{std::string("follower-of:orders-0")}));
      episode.push_back(fault_at(t0 + rng.uniform_int(3'000, 6'000), FaultKind::restart));
      break;
    }
    case GeneratorBug::coordinator_accepts_stale_commits: {
      // A GC pause of a member longer than session.timeout.ms once the group consumes: it is
      // removed, the survivors take its partitions and commit further, and when it resumes it
      // commits the older positions it still holds. The coordinator refuses those (a removed
      // member); the switch stores them (committed-offset-monotonic).
      const std::int64_t pause_ms = window_start_ms + rng.uniform_int(8'000, 10'000);
      episode.push_back(fault_at(pause_ms, FaultKind::pause, Target{std::string("consumer:0")}));
      episode.push_back(fault_at(pause_ms + rng.uniform_int(20'000, 23'000), FaultKind::resume,
                                 Target{std::string("consumer:0")}));
      break;
    }
    default: break;
  }
  const std::int64_t quiet_start_ms = s.quiet_phase_start().ms();
  std::erase_if(episode, [quiet_start_ms](const FaultSpec& f) { return f.at.ms() >= quiet_start_ms; });
  return episode;
}

}  // namespace kraftsim::runner

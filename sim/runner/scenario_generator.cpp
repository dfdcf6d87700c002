// Scenario generation: every choice comes from Rng streams derived from the seed (one stream per
// concern, so that shrinking one knob does not redraw the others).
#include "sim/runner/scenario_generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "base/random.h"
#include "sim/runner/generator_bug_modes.h"
#include "sim/runner/kafka_cluster.h"

namespace kraftsim::runner {

namespace {

std::int64_t draw(Rng& rng, std::int64_t lo, std::int64_t hi) {  // uniform in [lo, hi]
  return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1)));
}

FaultSpec make_fault(std::int64_t at_ms, FaultKind kind) {
  FaultSpec f;
  f.at = Time::zero() + milliseconds(at_ms);
  f.kind = kind;
  return f;
}

}  // namespace

const char* to_string(GeneratorBug bug) {
  switch (bug) {
    case GeneratorBug::none: return "none";
    case GeneratorBug::unclean_election: return "unclean-election";
    case GeneratorBug::legacy_truncation: return "legacy-truncation";
    case GeneratorBug::legacy_hw_below_min_isr: return "legacy-advance-high-watermark-below-min-isr";
    case GeneratorBug::raft_vote_without_log_check: return "raft-grant-vote-without-log-check";
    case GeneratorBug::raft_hw_without_epoch_commit: return "raft-advance-hw-without-own-epoch-commit";
    case GeneratorBug::leader_epoch_not_bumped: return "partition-leader-epoch-not-bumped";
    case GeneratorBug::leader_hw_may_decrease: return "leader-hw-may-decrease";
    case GeneratorBug::consumer_ignore_revocation: return "consumer-ignore-revocation";
    case GeneratorBug::coordinator_accepts_stale_commits: return "coordinator-accepts-stale-generation-commits";
  }
  return "unknown";
}

std::optional<GeneratorBug> generator_bug_named(std::string_view name) {
  for (GeneratorBug bug : all_generator_bugs) {
    if (name == to_string(bug)) return bug;
  }
  return std::nullopt;
}

Scenario generate_scenario(std::uint64_t seed, const GeneratorOptions& options) {
  Rng shape(seed, "generator-shape");
  Rng fault_rng(seed, "generator-faults");
  Scenario s;
  s.seed = seed;
  s.name = fmt::format("generated-{}", seed);
  // Drawn even when the options set them, so that a knob set while shrinking redraws nothing else.
  const std::int64_t drawn_duration_ms = draw(shape, 30, 60) * 1000;
  const int drawn_nodes = static_cast<int>(draw(shape, 3, 6));
  const int drawn_episodes = static_cast<int>(draw(fault_rng, 0, generator_fault_episodes_max));
  // The quiet phase is longer than Kafka's request.timeout.ms (30 s, producers and consumers):
  // a client whose request went to a broker cut off by the faults waits it out before it tries
  // the new leader or coordinator, so recovery cannot be judged sooner. (Found by the cluster
  // property: with 20 s, a consumer group had no live owner at the end, and the liveness check
  // that waits for pending sends failed on 24 of 200 seeds.) The drawn duration is the part
  // before it, so the fault window does not shrink.
  s.quiet_phase = milliseconds(generator_quiet_phase_ms);
  const std::int64_t duration_ms =
      std::max(options.duration_ms > 0 ? options.duration_ms : drawn_duration_ms, bug_mode_duration_floor_ms(options.bug));
  s.duration = milliseconds(duration_ms) + s.quiet_phase - milliseconds(generator_quiet_phase_floor_ms);
  s.network.latency_min = milliseconds(1);
  s.network.latency_max = milliseconds(5);

  // Cluster: 3 to 5 combined nodes, or (6) three dedicated controllers and three brokers, so
  // that there are always three brokers for RF 3. Some bug modes need the dedicated layout.
  const int nodes = bug_mode_nodes(options.bug, std::clamp(options.nodes > 0 ? options.nodes : drawn_nodes, 3, 6));
  const bool dedicated = nodes == 6;
  std::vector<NodeId> brokers;
  std::vector<NodeId> all;
  for (int i = 1; i <= nodes; ++i) {
    const bool controller_only = dedicated && i <= 3;
    s.nodes.push_back(NodeSpec{i, controller_only ? "controller" : "broker,controller", true, "", {}});
    if (dedicated && !controller_only) s.nodes.back().roles = "broker";
    if (!controller_only) brokers.push_back(i);
    all.push_back(i);
  }

  // Topics: RF = min(3, brokers); min.insync.replicas 2 with RF 3, Kafka's defaults otherwise.
  const int rf = std::min<int>(3, static_cast<int>(brokers.size()));
  const int topic_count = static_cast<int>(draw(shape, 1, 2));
  for (int t = 0; t < topic_count; ++t) {
    TopicSpec topic;
    topic.name = t == 0 ? "orders" : "events";
    topic.partitions = static_cast<std::int32_t>(draw(shape, 1, 6));
    topic.replication_factor = rf;
    if (rf == 3) topic.config["min.insync.replicas"] = "2";
    s.topics.push_back(std::move(topic));
  }

  ProducerSpec producer;
  producer.topic = "orders";
  producer.acks = "all";
  producer.idempotence = true;
  producer.records = draw(shape, 100, 400);
  producer.records_per_s = 20;  // spread over the fault window
  producer.keys = static_cast<std::int32_t>(draw(shape, 0, 1) * 16);
  s.producers.push_back(producer);

  // Power losses (bug modes only) lose the unflushed group state too, which breaks
  // group-single-owner whatever the bug: no group there, so a failure is the bug's.
  const bool drawn_group = shape.bernoulli(0.5);
  const bool group = (drawn_group || bug_mode_needs_group(options.bug)) && !bug_mode_forbids_group(options.bug);
  if (group) {
    const int members = static_cast<int>(draw(shape, 1, 3));
    for (int i = 0; i < members; ++i) {
      ConsumerSpec c;
      c.topic = "orders";
      c.group_id = "generated-group";
      c.auto_offset_reset = "earliest";
      c.session_timeout = milliseconds(10'000);
      s.consumers.push_back(c);
    }
  }

  // A stream of its own: the modern-defaults mode draws nothing from it.
  Rng bug_rng(seed, "generator-bug");
  shape_for_bug(s, options.bug, options.bug_switch, bug_rng);

  // Faults: episodes of a fault and, usually, its undo, all inside [producer start, quiet phase).
  // The quiet phase heals whatever is left. Every episode is drawn whether kept or not, so that
  // dropping one (shrinking) leaves the others as they were.
  // From the producer's start: the topics are created at 5 s, and a fault before that can leave
  // them uncreated (the admin gets INVALID_REPLICATION_FACTOR from a fenced cluster and gives up, as
  // kafka-topics.sh does), which is no failure of the protocol.
  const std::int64_t window_start_ms = 8000;
  const std::int64_t window_end_ms = (s.duration - s.quiet_phase).ms() - 1;
  // A mode whose episode shows its switch alone draws no random faults: a failure it finds then
  // shrinks to the episode.
  const int episodes = !bug_mode_draws_random_faults(options.bug) ? 0
                       : options.fault_episodes >= 0 ? std::min(options.fault_episodes, generator_fault_episodes_max)
                                                     : drawn_episodes;
  auto leader_target = [&s](Rng& rng) {
    const TopicSpec& t = s.topics[rng.below(s.topics.size())];
    return fmt::format("{}-of:{}-{}", rng.bernoulli(0.7) ? "leader" : "follower", t.name, rng.below(static_cast<std::uint64_t>(t.partitions)));
  };
  for (int e = 0; e < generator_fault_episodes_max; ++e) {
    Rng rng(seed, fmt::format("generator-fault-{}", e));
    const std::int64_t at_ms = draw(rng, window_start_ms, std::max(window_start_ms, window_end_ms));
    const std::int64_t undo_ms = at_ms + draw(rng, 500, 10'000);
    const auto kind = rng.below(5);
    Target target;
    switch (rng.below(4)) {
      case 0: target = Target{all[rng.below(all.size())]}; break;
      case 1: target = Target{std::string("active-controller")}; break;
      default: target = Target{leader_target(rng)}; break;
    }
    std::vector<FaultSpec> episode;
    switch (kind) {
      case 0: {  // crash, restart
        auto f = make_fault(at_ms, FaultKind::crash);
        f.target = target;
        episode.push_back(f);
        auto r = make_fault(undo_ms, FaultKind::restart);
        r.target = Target{std::string("crashed")};
        episode.push_back(r);
        break;
      }
      case 1: {  // pause, resume (a node id: a name could resolve to another node by then)
        const NodeId id = all[rng.below(all.size())];
        auto f = make_fault(at_ms, FaultKind::pause);
        f.target = Target{id};
        episode.push_back(f);
        auto r = make_fault(undo_ms, FaultKind::resume);
        r.target = Target{id};
        episode.push_back(r);
        break;
      }
      case 2: {  // isolate, heal
        auto f = make_fault(at_ms, FaultKind::isolate);
        f.target = target;
        episode.push_back(f);
        episode.push_back(make_fault(undo_ms, FaultKind::heal));
        break;
      }
      case 3: {  // partition into two sides, heal
        std::vector<NodeId> order = all;
        for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
        const auto cut = 1 + rng.below(order.size() - 1);
        auto f = make_fault(at_ms, FaultKind::partition);
        f.groups = {std::vector<NodeId>(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut)),
                    std::vector<NodeId>(order.begin() + static_cast<std::ptrdiff_t>(cut), order.end())};
        // Each client is on one side, as a client sits in one rack or zone: so it keeps talking to
        // the brokers there (a minority side's stale leader among them). Left out of both groups it
        // would lose every broker at once, and the search would never see that.
        for (std::size_t i = 0; i < s.producers.size(); ++i) f.groups[rng.below(2)].push_back(producer_node_id(s, i));
        for (std::size_t i = 0; i < s.consumers.size(); ++i) f.groups[rng.below(2)].push_back(consumer_node_id(s, i));
        episode.push_back(f);
        episode.push_back(make_fault(undo_ms, FaultKind::heal));
        break;
      }
      default: {  // clog a link, heal
        const NodeId a = all[rng.below(all.size())];
        NodeId b = all[rng.below(all.size() - 1)];
        if (b >= a) b = all[static_cast<std::size_t>(b)];  // ids are 1..n: skip a
        auto f = make_fault(at_ms, FaultKind::clog);
        f.from = a;
        f.to = b;
        f.extra_delay = milliseconds(draw(rng, 50, 3000));
        episode.push_back(f);
        episode.push_back(make_fault(undo_ms, FaultKind::heal));
        break;
      }
    }
    if (e >= episodes || (options.fault_mask & (1u << e)) == 0) continue;
    for (const FaultSpec& f : episode) {
      if (f.at.us() / 1000 <= window_end_ms) s.faults.push_back(f);
    }
  }
  // The bug mode's targeted episode is always there: without it the search would have to meet
  // the sequence the switch needs by chance.
  for (const FaultSpec& f : bug_episode(s, options.bug, bug_rng, window_start_ms)) s.faults.push_back(f);
  std::stable_sort(s.faults.begin(), s.faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  s.description = fmt::format("Generated from seed {} ({} nodes{}, {} faults, bug: {}{}).", seed, nodes,
                              dedicated ? ", dedicated controllers" : "", s.faults.size(), to_string(options.bug),
                              options.bug_switch ? "" : ", its switch off");
  return s;
}

}  // namespace kraftsim::runner

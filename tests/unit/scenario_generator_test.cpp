// generate_scenario: deterministic per seed, legal (what it makes loads through the scenario
// loader unchanged), faults only before the quiet phase, and its knobs shrink what they say.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/runner/kafka_cluster.h"
#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"

using namespace kraftsim;
using runner::GeneratorOptions;

TEST_CASE("generated scenarios are deterministic and pass the loader", "[generate]") {
  std::size_t faults_seen = 0;
  std::size_t with_consumers = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    const auto s = runner::generate_scenario(seed, GeneratorOptions{});
    const std::string text = runner::scenario_to_json(s).dump(2);
    REQUIRE(text == runner::scenario_to_json(runner::generate_scenario(seed, GeneratorOptions{})).dump(2));
    auto loaded = runner::parse_scenario(text, "generated");
    INFO((loaded.ok() ? std::string() : loaded.error().message));
    REQUIRE(loaded.ok());
    REQUIRE(runner::scenario_to_json(loaded.value()).dump(2) == text);
    REQUIRE(s.nodes.size() >= 3);
    REQUIRE(s.nodes.size() <= 6);
    REQUIRE(s.quiet_phase.ms() > 30'000);  // longer than request.timeout.ms
    REQUIRE(s.duration.ms() >= 60'000);
    REQUIRE(s.duration.ms() <= 90'000);
    REQUIRE(s.producers.size() == 1);
    REQUIRE(s.producers[0].idempotent());
    REQUIRE(s.producers[0].acks == "all");
    REQUIRE(s.config.count("unclean.leader.election.enable") == 0);
    for (const auto& t : s.topics) {
      REQUIRE(t.replication_factor == 3);
      REQUIRE(t.config.at("min.insync.replicas") == "2");
    }
    for (const auto& f : s.faults) {
      REQUIRE(f.at < s.quiet_phase_start());
      REQUIRE(f.kind != runner::FaultKind::power_loss);
    }
    faults_seen += s.faults.size();
    if (!s.consumers.empty()) ++with_consumers;
  }
  REQUIRE(faults_seen > 200);  // a schedule of faults, not an empty one
  REQUIRE(with_consumers > 20);
}

// A real client sits on one side of a network partition and keeps talking to the brokers there;
// one left out of every group would be cut off from all of them at once.
TEST_CASE("a generated network partition puts each client on one side", "[generate]") {
  std::size_t partitions_seen = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto s = runner::generate_scenario(seed, GeneratorOptions{});
    std::vector<NodeId> clients;
    for (std::size_t i = 0; i < s.producers.size(); ++i) clients.push_back(runner::producer_node_id(s, i));
    for (std::size_t i = 0; i < s.consumers.size(); ++i) clients.push_back(runner::consumer_node_id(s, i));
    for (const auto& f : s.faults) {
      if (f.kind != runner::FaultKind::partition) continue;
      INFO("seed " << seed);
      ++partitions_seen;
      REQUIRE(f.groups.size() == 2);
      for (NodeId client : clients) {
        const auto on = [client](const std::vector<NodeId>& g) { return std::find(g.begin(), g.end(), client) != g.end(); };
        REQUIRE(on(f.groups[0]) != on(f.groups[1]));
      }
    }
  }
  REQUIRE(partitions_seen > 20);
}

TEST_CASE("generator knobs keep the rest of the scenario", "[generate]") {
  GeneratorOptions all;
  all.fault_episodes = 6;
  all.duration_ms = 60'000;
  const auto full = runner::generate_scenario(7, all);
  GeneratorOptions none = all;
  none.fault_mask = 0;
  const auto empty = runner::generate_scenario(7, none);
  REQUIRE(!full.faults.empty());
  REQUIRE(empty.faults.empty());
  REQUIRE(empty.topics.size() == full.topics.size());
  REQUIRE(empty.nodes.size() == full.nodes.size());
  // Dropping episode 0 leaves the others' faults exactly as they were.
  GeneratorOptions drop_first = all;
  drop_first.fault_mask = ~1u;
  const auto fewer = runner::generate_scenario(7, drop_first);
  REQUIRE(fewer.faults.size() < full.faults.size());
  for (const auto& f : fewer.faults) {
    const bool found = std::any_of(full.faults.begin(), full.faults.end(), [&f](const runner::FaultSpec& g) {
      return g.at == f.at && g.kind == f.kind && g.groups == f.groups && g.from == f.from && g.target.value == f.target.value;
    });
    REQUIRE(found);
  }
  GeneratorOptions bug = all;
  bug.bug = runner::GeneratorBug::unclean_election;
  REQUIRE(runner::generate_scenario(7, bug).config.at("unclean.leader.election.enable") == "true");
}

TEST_CASE("every bug mode has a name explore takes, and makes a legal scenario whose control lacks only the switch",
          "[generate]") {
  REQUIRE(!runner::generator_bug_named("no-such-bug").has_value());
  for (runner::GeneratorBug bug : runner::all_generator_bugs) {
    INFO(runner::to_string(bug));
    REQUIRE(runner::generator_bug_named(runner::to_string(bug)) == bug);
    if (bug == runner::GeneratorBug::none) continue;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      INFO("seed " << seed);
      GeneratorOptions on;
      on.bug = bug;
      GeneratorOptions off = on;
      off.bug_switch = false;
      const auto with_switch = runner::generate_scenario(seed, on);
      const auto control = runner::generate_scenario(seed, off);
      for (const auto* s : {&with_switch, &control}) {
        const std::string text = runner::scenario_to_json(*s).dump(2);
        auto loaded = runner::parse_scenario(text, "generated");
        INFO((loaded.ok() ? std::string() : loaded.error().message));
        REQUIRE(loaded.ok());  // what explore saves replays with `kraftsim run`
        for (const auto& f : s->faults) REQUIRE(f.at < s->quiet_phase_start());
      }
      // The same cluster, clients and faults; only the switch differs.
      const auto json_on = runner::scenario_to_json(with_switch);
      const auto json_off = runner::scenario_to_json(control);
      REQUIRE(json_on != json_off);
      for (const char* part : {"faults", "producers", "topics"}) {
        INFO(part);
        REQUIRE(json_on.value(part, nlohmann::ordered_json()) == json_off.value(part, nlohmann::ordered_json()));
      }
      REQUIRE(json_on["cluster"]["nodes"] == json_off["cluster"]["nodes"]);
      REQUIRE(with_switch.consumers.size() == control.consumers.size());
    }
  }
}

TEST_CASE("the bug modes that need a fault sequence always draw it, and the group modes a group", "[generate]") {
  for (auto bug : {runner::GeneratorBug::unclean_election, runner::GeneratorBug::legacy_hw_below_min_isr,
                   runner::GeneratorBug::legacy_truncation, runner::GeneratorBug::leader_epoch_not_bumped, runner::GeneratorBug::leader_hw_may_decrease,
                   runner::GeneratorBug::coordinator_accepts_stale_commits}) {
    INFO(runner::to_string(bug));
    GeneratorOptions no_random_faults;
    no_random_faults.bug = bug;
    no_random_faults.fault_mask = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) REQUIRE(runner::generate_scenario(seed, no_random_faults).faults.size() >= 2);
  }
  for (auto bug : {runner::GeneratorBug::consumer_ignore_revocation, runner::GeneratorBug::coordinator_accepts_stale_commits}) {
    GeneratorOptions options;
    options.bug = bug;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      const auto s = runner::generate_scenario(seed, options);
      REQUIRE(s.consumers.size() >= 2);
      REQUIRE(s.topics.front().partitions >= static_cast<std::int32_t>(s.consumers.size()));
    }
  }
}

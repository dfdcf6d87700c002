// generate_scenario: deterministic per seed, legal (what it makes loads through the scenario
// loader unchanged), faults only before the quiet phase, and its knobs shrink what they say.
#include <catch2/catch.hpp>

#include <string>

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

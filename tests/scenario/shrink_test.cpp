// Shrinking a real failure: the generated cluster of seed 161 with a Raft vote granted without
// the log check (the case `kraftsim explore` finds, tests/scenario/explore_cli_test.cpp) breaks
// Raft safety under ten faults. The shrinker keeps that check failing with a few faults on a
// smaller, shorter cluster, the shrunk scenario's file replays the failure, the failure is the
// mutation's, and shrinking is deterministic.
#include <catch2/catch.hpp>

#include <string>

#include "sim/runner/result_json.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_shrinker.h"
#include "sim/runner/scenario_writer.h"
#include "sim/runner/shrink_target.h"

using namespace kraftsim;

namespace {

constexpr std::uint64_t raft_bug_seed = 161;

runner::Scenario raft_bug_case(std::uint64_t seed = raft_bug_seed) {
  runner::GeneratorOptions options;
  options.bug = runner::GeneratorBug::raft_vote_without_log_check;
  return runner::generate_scenario(seed, options);
}

}  // namespace

TEST_CASE("a Raft safety failure shrinks to a few faults that still break the same check", "[shrink]") {
  const runner::Scenario original = raft_bug_case();
  const runner::RunResult failing = runner::run_scenario(original, {raft_bug_seed, false});
  REQUIRE(runner::exit_code(failing) == runner::exit_safety_violation);
  const runner::ShrinkTarget target = runner::shrink_target_of(failing);
  REQUIRE(target.exit_code == runner::exit_safety_violation);
  REQUIRE(target.seed == raft_bug_seed);
  INFO("target check " << target.check);
  REQUIRE(target.check.rfind("raft-", 0) == 0);

  const runner::ShrinkOptions options = runner::shrink_options_for(target, 120);
  REQUIRE(!options.keep_quiet_phase);  // a safety check does not judge the quiet phase
  const runner::ShrinkResult r = runner::shrink_scenario(original, raft_bug_seed, runner::still_fails_like(target), options);
  INFO(runner::describe_change(r.before, r.after) << ", " << r.runs << " runs");
  REQUIRE(r.before.faults == original.faults.size());
  REQUIRE(r.after.faults < r.before.faults);
  REQUIRE(r.after.faults <= 4);
  REQUIRE(r.after.nodes <= r.before.nodes);
  REQUIRE(r.after.duration_ms < r.before.duration_ms);
  REQUIRE(r.runs <= options.runs_max);

  // The file replays it: written, loaded as `kraftsim run` loads it, run with the same seed.
  const std::string text = runner::scenario_to_json(r.scenario, "").dump(2);
  auto loaded = runner::parse_scenario(text, "shrunk.json");
  REQUIRE(loaded.ok());
  const runner::RunResult replay = runner::run_scenario(loaded.value(), {raft_bug_seed, false});
  REQUIRE(runner::check_failed(replay, target.check));
  REQUIRE(runner::exit_code(replay) == runner::exit_safety_violation);

  // The failure is the mutation's: the same small scenario without it keeps the check.
  runner::Scenario fixed = loaded.value();
  fixed.test_only_mutations.clear();
  REQUIRE(!runner::check_failed(runner::run_scenario(fixed, {raft_bug_seed, false}), target.check));

  // Deterministic: the same input and seed shrink to the same file, byte for byte.
  const runner::ShrinkResult again = runner::shrink_scenario(original, raft_bug_seed, runner::still_fails_like(target), options);
  REQUIRE(runner::scenario_to_json(again.scenario, "").dump(2) == text);
  REQUIRE(again.runs == r.runs);
}

// A liveness failure: with the same mutation, seed 8's cluster never recovers by the end of the
// quiet phase (exit 3). The quiet phase is the recovery time the check judges, so it stays whole
// (a cluster given 100 ms would fail any seed, bug or not); the faults, clients and nodes the
// failure does not need go, and without the mutation the shrunk scenario passes.
TEST_CASE("a liveness failure shrinks with its quiet phase kept, and stays the bug's", "[shrink]") {
  constexpr std::uint64_t seed = 8;
  const runner::Scenario original = raft_bug_case(seed);
  const runner::RunResult failing = runner::run_scenario(original, {seed, false});
  const runner::ShrinkTarget target = runner::shrink_target_of(failing);
  REQUIRE(target.exit_code == runner::exit_liveness_failure);
  REQUIRE(target.check == "liveness-after-heal");
  const runner::ShrinkOptions options = runner::shrink_options_for(target, 120);
  REQUIRE(options.keep_quiet_phase);

  const runner::ShrinkResult r = runner::shrink_scenario(original, seed, runner::still_fails_like(target), options);
  INFO(runner::describe_change(r.before, r.after) << ", " << r.runs << " runs");
  REQUIRE(r.after.quiet_phase_ms == r.before.quiet_phase_ms);
  REQUIRE(r.after.faults < r.before.faults);
  REQUIRE(r.after.duration_ms < r.before.duration_ms);
  const runner::RunResult replay = runner::run_scenario(r.scenario, {seed, false});
  REQUIRE(runner::check_failed(replay, "liveness-after-heal"));
  REQUIRE(runner::exit_code(replay) == runner::exit_liveness_failure);
  runner::Scenario fixed = r.scenario;
  fixed.test_only_mutations.clear();
  REQUIRE(runner::run_scenario(fixed, {seed, false}).passed);
}

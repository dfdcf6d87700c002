// Shrinking a real failure: the generated cluster of seed 193 with a Raft vote granted without
// the log check (the case `kraftsim explore` finds, tests/scenario/explore_cli_test.cpp) breaks
// Raft safety under twelve faults. The shrinker keeps that check failing with a few faults on a
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

constexpr std::uint64_t raft_bug_seed = 193;

runner::Scenario raft_bug_case() {
  runner::GeneratorOptions options;
  options.bug = runner::GeneratorBug::raft_vote_without_log_check;
  return runner::generate_scenario(raft_bug_seed, options);
}

}  // namespace

TEST_CASE("a Raft safety failure shrinks to a few faults that still break the same check", "[shrink]") {
  const runner::Scenario original = raft_bug_case();
  const runner::RunResult failing = runner::run_scenario(original, {raft_bug_seed, false});
  REQUIRE(runner::exit_code(failing) == runner::exit_safety_violation);
  const runner::ShrinkTarget target{runner::first_failed_check(failing), runner::exit_safety_violation, raft_bug_seed};
  INFO("target check " << target.check);
  REQUIRE(target.check.rfind("raft-", 0) == 0);

  runner::ShrinkLimits limits;
  limits.runs_max = 120;
  const runner::ShrinkResult r = runner::shrink_scenario(original, raft_bug_seed, runner::still_fails_like(target), limits);
  INFO(runner::describe_change(r.before, r.after) << ", " << r.runs << " runs");
  REQUIRE(r.before.faults == original.faults.size());
  REQUIRE(r.after.faults < r.before.faults);
  REQUIRE(r.after.faults <= 4);
  REQUIRE(r.after.nodes <= r.before.nodes);
  REQUIRE(r.after.duration_ms < r.before.duration_ms);
  REQUIRE(r.runs <= limits.runs_max);

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
  const runner::ShrinkResult again = runner::shrink_scenario(original, raft_bug_seed, runner::still_fails_like(target), limits);
  REQUIRE(runner::scenario_to_json(again.scenario, "").dump(2) == text);
  REQUIRE(again.runs == r.runs);
}

// Whole-cluster properties over generated scenarios (sim/runner/scenario_generator.h):
// 1. under Kafka's modern defaults every check holds, whatever the fault schedule the generator
//    draws (crashes, pauses, isolation, partitions, clogged links, before a quiet phase);
// 2. with any one legacy or test-only bug switch on (every GeneratorBug), the same search finds a
//    failing scenario, a safety check the switch breaks names it, rapidcheck shrinks it to a
//    handful of faults, and the same scenario with the switch off passes (the checkers and the
//    shrinking both work, and the failure is the switch's).
// rapidcheck draws the generator's knobs (seed, nodes, fault episodes, which episodes, duration)
// so that it can shrink a failure; the shrunk case is written as a scenario file to replay.
#include <catch2/catch.hpp>

#include <algorithm>
#include <rapidcheck.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "sim/runner/run.h"
#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using runner::GeneratorBug;
using runner::GeneratorOptions;

namespace {

struct Case {
  std::uint64_t seed = 0;
  GeneratorOptions options;
};

struct Failure {
  Case shrunk;
  runner::Scenario scenario;
  std::string failed_checks;
};

// A uniform index in [0, n) that shrinks toward 0. It draws exactly what rc::gen::element over
// n values draws (the same cases as before it existed), but rc::gen::element never shrinks: the
// fault episodes and the mask of kept episodes stayed as first drawn.
rc::Gen<std::size_t> shrinking_index(std::size_t n) {
  return rc::Gen<std::size_t>([n](const rc::Random& random, int /*size*/) {
    const auto index = static_cast<std::size_t>(rc::Random(random).next() % n);
    return rc::shrinkable::shrinkRecur(index, [](std::size_t i) { return rc::shrink::towards<std::size_t>(i, 0); });
  });
}

// One test case drawn by rapidcheck: every knob is a rapidcheck generator, so it shrinks.
Case draw_case(GeneratorBug bug) {
  Case c;
  // A smaller seed is no simpler a case, and shrinking one costs runs (a bisection toward 1).
  c.seed = *rc::gen::noShrink(rc::gen::inRange<std::uint64_t>(1, 1'000'000'000));
  c.options.bug = bug;
  c.options.nodes = *rc::gen::inRange(3, 7);
  // Uniform (gen::inRange scales with rapidcheck's size, which would make early cases nearly
  // fault-free), and shrinking toward fewer episodes and dropped ones.
  c.options.fault_episodes = static_cast<int>(*shrinking_index(runner::generator_fault_episodes_max + 1));
  c.options.fault_mask = 0;
  for (int e = 0; e < runner::generator_fault_episodes_max; ++e) {
    if (*shrinking_index(4) != 0) c.options.fault_mask |= 1u << e;  // kept 3 times in 4
  }
  c.options.duration_ms = *rc::gen::inRange<std::int64_t>(30, 61) * 1000;
  return c;
}

// The failed checks, except the `ignored` ones; empty when the run passed.
std::string failed_checks(const runner::RunResult& r, const std::vector<std::string>& ignored) {
  std::string out;
  for (const auto& check : r.checks) {
    if (std::find(ignored.begin(), ignored.end(), check.id) != ignored.end()) continue;
    if (check.status == runner::CheckStatus::violated || check.status == runner::CheckStatus::missing_expected_violation) {
      out += check.id + " (" + check.detail + "); ";
    }
  }
  return out;
}

// Runs up to `cases` cases of "every check holds" with the given bug switch; returns the shrunk
// counterexample if the property fails. rapidcheck's seed is fixed: the suite is deterministic.
struct Totals {
  std::uint64_t runs = 0, events = 0, faults = 0;
  std::int64_t acknowledged = 0, consumed = 0, partition_elections = 0;
};

std::optional<Failure> search(GeneratorBug bug, int cases, std::uint64_t rc_seed, Totals& totals,
                              const std::vector<std::string>& ignored_check = {}) {
  std::optional<Failure> last_failure;
  const auto property = [bug, &last_failure, &totals, &ignored_check] {
    const Case c = draw_case(bug);
    const runner::Scenario s = runner::generate_scenario(c.seed, c.options);
    const runner::RunResult r = runner::run_scenario(s, {std::nullopt, false});
    const std::string failed = failed_checks(r, ignored_check);
    // rapidcheck accepts every failing shrink candidate at once, so the last failing case run
    // is the shrunk counterexample it reports.
    if (!failed.empty()) last_failure = Failure{c, s, failed};
    ++totals.runs;
    totals.events += r.events_dispatched;
    totals.faults += s.faults.size();
    totals.acknowledged += r.stats.records_acknowledged;
    totals.consumed += r.stats.records_consumed;
    totals.partition_elections += r.stats.partition_leader_elections;
    RC_ASSERT(failed.empty());
  };
  rc::detail::TestParams params;
  params.seed = rc_seed;
  params.maxSuccess = cases;
  const auto result = rc::detail::checkTestable(property, rc::detail::TestMetadata{}, params);
  if (result.template is<rc::detail::SuccessResult>()) return std::nullopt;
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  INFO(message.str());
  REQUIRE(last_failure.has_value());
  return last_failure;
}

// Saves the counterexample as a scenario file and says how to replay it.
std::string save(const Failure& f, const std::string& tag) {
  const auto dir = std::filesystem::temp_directory_path() / "kraftsim-counterexamples";
  std::filesystem::create_directories(dir);
  const auto path = (dir / (tag + "-" + std::to_string(f.shrunk.seed) + ".json")).string();
  std::ofstream(path) << runner::scenario_to_json(f.scenario, "").dump(2) << "\n";
  std::printf("counterexample (%s): %s\n  replay: kraftsim run %s --seed %llu\n  failed: %s\n", tag.c_str(),
              path.c_str(), path.c_str(), static_cast<unsigned long long>(f.scenario.seed), f.failed_checks.c_str());
  return path;
}

}  // namespace

// The liveness checks: a Raft bug's signature is a safety violation.
const std::vector<std::string> liveness_checks = {"liveness-after-heal", "quorum-live-after-faults", "event-budget"};

TEST_CASE("every check holds on generated clusters under modern defaults", "[generate][property]") {
  const int cases = static_cast<int>(kraftsim::testing::seed_count(300));
  const auto started = std::chrono::steady_clock::now();  // test timing only, outside any run
  Totals totals;
  const auto failure = search(GeneratorBug::none, cases, 20261205, totals);
  const auto wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("cluster property: %d generated cases in %.1f s (%llu runs, %llu events, %llu faults, %lld records "
              "acknowledged, %lld consumed, %lld partition leader elections)\n",
              cases, wall_s, static_cast<unsigned long long>(totals.runs), static_cast<unsigned long long>(totals.events),
              static_cast<unsigned long long>(totals.faults), static_cast<long long>(totals.acknowledged),
              static_cast<long long>(totals.consumed), static_cast<long long>(totals.partition_elections));
  if (failure.has_value()) {
    const std::string path = save(*failure, "modern-defaults");
    INFO("counterexample saved to " << path << ": " << failure->failed_checks);
    FAIL("a generated scenario under modern defaults violated a check");
  }
}

// The search is not vacuous: with a Raft vote granted without the log check (a test-only
// mutation), the same property fails within 300 cases, rapidcheck shrinks the case to a handful
// of faults, a Raft checker names the failure, and the saved scenario file replays it.
TEST_CASE("with a Raft bug switched on the property fails and shrinks to a few faults", "[generate][property]") {
  Totals totals;
  const auto failure = search(GeneratorBug::raft_vote_without_log_check, 300, 20261205, totals, liveness_checks);
  REQUIRE(failure.has_value());
  const std::string path = save(*failure, "raft-vote-bug");
  INFO(path << ": " << failure->failed_checks);
  REQUIRE(failure->scenario.faults.size() <= 6);
  REQUIRE(failure->failed_checks.find("raft-") != std::string::npos);
  REQUIRE(failure->scenario.test_only_mutations == std::vector<std::string>{"raft-grant-vote-without-log-check"});
  auto replay = runner::load_scenario_file(path);
  INFO((replay.ok() ? std::string() : replay.error().message));
  REQUIRE(replay.ok());
  const runner::RunResult r = runner::run_scenario(replay.value(), {failure->scenario.seed, false});
  REQUIRE(!r.passed);
  // Without the bug, the same knobs pass: the failure is the mutation's.
  Case fixed = failure->shrunk;
  fixed.options.bug_switch = false;
  const runner::RunResult without = runner::run_scenario(runner::generate_scenario(fixed.seed, fixed.options), {std::nullopt, false});
  INFO(failed_checks(without, liveness_checks));
  REQUIRE(failed_checks(without, liveness_checks).empty());
}

// Every other switch the generator knows, each the same way: the property fails within 300
// cases, the shrunk case keeps at most a handful of faults, a safety check the switch breaks names
// it, and the same scenario with the switch itself off (the bug mode's cluster, clients and
// faults: GeneratorOptions::bug_switch) passes. The modes that need a particular fault sequence
// (an ISR shrunk to a leader that then dies, a member paused past its session) always draw it
// (sim/runner/generator_bug_modes.h), which keeps each search to a few cases.
TEST_CASE("with each legacy or test-only switch on the property fails and shrinks to a few faults", "[generate][property]") {
  struct Switch {
    GeneratorBug bug;
    std::vector<std::string> expected_any;  // one of these checks must be among the failed ones
  };
  const std::vector<Switch> switches = {
      {GeneratorBug::legacy_truncation, {"acked-write-durable", "partition-hw-monotonic", "replicas-consistent-below-hw",
                                         "consumer-read-stable"}},
      {GeneratorBug::raft_hw_without_epoch_commit, {"raft-"}},
      {GeneratorBug::unclean_election, {"acked-write-durable", "partition-hw-monotonic", "consumer-read-stable"}},
      {GeneratorBug::legacy_hw_below_min_isr, {"partition-hw-monotonic", "consumer-read-stable"}},
      {GeneratorBug::leader_epoch_not_bumped, {"single-partition-leader-per-epoch"}},
      {GeneratorBug::leader_hw_may_decrease, {"partition-hw-monotonic"}},
      {GeneratorBug::consumer_ignore_revocation, {"group-single-owner"}},
      {GeneratorBug::coordinator_accepts_stale_commits, {"committed-offset-monotonic"}},
  };
  for (const Switch& sw : switches) {
    const char* tag = runner::to_string(sw.bug);
    INFO(tag);
    const auto started = std::chrono::steady_clock::now();  // test timing only, outside any run
    Totals totals;
    const auto failure = search(sw.bug, 300, 20261205, totals, liveness_checks);
    REQUIRE(failure.has_value());
    const std::string path = save(*failure, tag);
    INFO(path << ": " << failure->failed_checks);
    REQUIRE(failure->scenario.faults.size() <= 6);
    bool named = false;
    for (const auto& id : sw.expected_any) named = named || failure->failed_checks.find(id) != std::string::npos;
    REQUIRE(named);
    // The saved file is a legal scenario that replays the failure.
    auto replay = runner::load_scenario_file(path);
    INFO((replay.ok() ? std::string() : replay.error().message));
    REQUIRE(replay.ok());
    REQUIRE(!runner::run_scenario(replay.value(), {failure->scenario.seed, false}).passed);
    Case control = failure->shrunk;
    control.options.bug_switch = false;
    const runner::RunResult without =
        runner::run_scenario(runner::generate_scenario(control.seed, control.options), {std::nullopt, false});
    INFO(failed_checks(without, liveness_checks));
    REQUIRE(failed_checks(without, liveness_checks).empty());
    const auto wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("switch %s: failed after %llu runs (shrinking included), %zu faults left, %.1f s\n", tag,
                static_cast<unsigned long long>(totals.runs), failure->scenario.faults.size(), wall_s);
  }
}

// Determinism: same scenario + seed => same fingerprint and byte-identical JSON Lines; different
// seeds => different runs. Checked for every scenario file in scenarios/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "sim/runner/run.h"
#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_loader.h"
#include "trace/trace.h"

using namespace kraftsim;

namespace {
std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(KRAFTSIM_SOURCE_DIR "/scenarios")) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" && name.find(".schema.") == std::string::npos) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string jsonl(const runner::RunResult& r) {
  std::ostringstream out;
  trace::write_jsonl(out, r.trace_events);
  return out.str();
}
}  // namespace

namespace {

// Runs every other scenario file (even or odd positions in the order below: two test cases,
// so that neither nears ctest's timeout under the sanitizers) twice with the same seed, then
// unrouted, and returns the check ids some of them violated.
std::set<std::string> check_scenario_files(std::size_t parity) {
  // The teaching scenarios that expect violations first, then the others, each in name order:
  // every other file of that list gives each half about half of the expected violations, however
  // many files the library gains.
  std::vector<std::string> files = scenario_files();
  REQUIRE(files.size() > 10);
  std::stable_partition(files.begin(), files.end(), [](const std::string& file) {
    const auto s = runner::load_scenario_file(file);
    return s.ok() && !s->expect_violated.empty();
  });
  std::set<std::string> violated;  // check ids some scenario violates
  for (std::size_t f = parity; f < files.size(); f += 2) {
    const std::string& file = files[f];
    INFO("scenario " << file);
    auto scenario = runner::load_scenario_file(file);
    REQUIRE(scenario.ok());
    // Benchmark scenarios simulate an hour; their first minute is enough to compare two runs
    // and keeps the suite fast (they run whole in `kraftsim run` and docs/PERFORMANCE.md).
    if (file.find("/bench/") != std::string::npos) scenario->duration = std::min(scenario->duration, seconds(60));
    const auto a = runner::run_scenario(*scenario, {7, true});
    const auto b = runner::run_scenario(*scenario, {7, true});
    REQUIRE(a.fingerprint == b.fingerprint);
    REQUIRE(a.events == b.events);
    REQUIRE(jsonl(a) == jsonl(b));
    // Not keeping events must not change the run. Nor must routing state events to checkers by
    // name (Checker::state_names): without it every checker sees every state event, and the
    // verdicts and their evidence must be the same, violations included.
    runner::RunOptions unrouted{7, false};
    unrouted.route_state_events_by_name = false;
    const auto c = runner::run_scenario(*scenario, unrouted);
    REQUIRE(c.fingerprint == a.fingerprint);
    REQUIRE(c.checks.size() == a.checks.size());
    for (std::size_t i = 0; i < a.checks.size(); ++i) {
      INFO(a.checks[i].id);
      REQUIRE(c.checks[i].id == a.checks[i].id);
      REQUIRE(c.checks[i].status == a.checks[i].status);
      REQUIRE(c.checks[i].detail == a.checks[i].detail);
      if (a.checks[i].status == runner::CheckStatus::violated || a.checks[i].status == runner::CheckStatus::expected_violation) {
        violated.insert(a.checks[i].id);
      }
    }
  }
  return violated;
}

// The library violates most checkers on purpose (teaching scenarios), so the comparison covers
// their evidence, not only their silence.
void require_violations(const std::set<std::string>& violated, std::size_t at_least) {
  std::string seen;
  for (const auto& id : violated) seen += id + " ";
  INFO("violated somewhere: " << seen);
  REQUIRE(violated.size() >= at_least);
}

}  // namespace

TEST_CASE("every scenario file at an even position gives the same fingerprint and trace twice, and the same verdicts unrouted", "[determinism]") {
  require_violations(check_scenario_files(0), 4);
}

TEST_CASE("every scenario file at an odd position gives the same fingerprint and trace twice, and the same verdicts unrouted", "[determinism]") {
  require_violations(check_scenario_files(1), 4);
}

// The checkers the library never violates (the Raft checks, producer-order, the partition and
// group checks) break under the generator's bug switches: routed and unrouted runs of those must
// agree too.
TEST_CASE("with each bug switch on, routing state events by name gives the same verdicts", "[determinism]") {
  std::set<std::string> violated;
  for (const runner::GeneratorBug bug : runner::all_generator_bugs) {
    if (bug == runner::GeneratorBug::none) continue;
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      runner::GeneratorOptions options;
      options.bug = bug;
      const runner::Scenario s = runner::generate_scenario(seed, options);
      const auto routed = runner::run_scenario(s, {seed, false});
      runner::RunOptions reference{seed, false};
      reference.route_state_events_by_name = false;
      const auto unrouted = runner::run_scenario(s, reference);
      INFO(routed.replay_command);
      REQUIRE(routed.fingerprint == unrouted.fingerprint);
      REQUIRE(routed.checks.size() == unrouted.checks.size());
      for (std::size_t i = 0; i < routed.checks.size(); ++i) {
        INFO(routed.checks[i].id);
        REQUIRE(routed.checks[i].status == unrouted.checks[i].status);
        REQUIRE(routed.checks[i].detail == unrouted.checks[i].detail);
        if (routed.checks[i].status == runner::CheckStatus::violated) violated.insert(routed.checks[i].id);
      }
    }
  }
  std::string seen;
  for (const auto& id : violated) seen += id + " ";
  INFO("violated somewhere: " << seen);
  for (const char* id : {"single-partition-leader-per-epoch", "committed-offset-monotonic", "group-single-owner",
                         "partition-hw-monotonic", "acked-write-durable"}) {
    REQUIRE(violated.count(id) == 1);
  }
  REQUIRE(std::any_of(violated.begin(), violated.end(), [](const std::string& id) { return id.rfind("raft-", 0) == 0; }));
}

TEST_CASE("different seeds give different fingerprints over 50 seeds", "[determinism]") {
  auto scenario = runner::load_scenario_file(KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json");
  REQUIRE(scenario.ok());
  std::set<std::uint64_t> fingerprints;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto r = runner::run_scenario(*scenario, {seed, false});
    INFO("seed " << seed << " replay: " << r.replay_command);
    REQUIRE(r.passed);
    fingerprints.insert(r.fingerprint);
  }
  REQUIRE(fingerprints.size() == 50);
}

TEST_CASE("a re-fingerprinted JSONL trace equals the run's fingerprint", "[determinism]") {
  auto scenario = runner::load_scenario_file(KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json");
  REQUIRE(scenario.ok());
  const auto r = runner::run_scenario(*scenario, {3, true});
  Hasher h;
  std::istringstream in(jsonl(r));
  std::string line;
  while (std::getline(in, line)) {
    trace::Event e;
    std::string error;
    REQUIRE(trace::parse_json_line(line, e, error));
    trace::hash_event(h, e);
  }
  REQUIRE(h.value() == r.fingerprint);
}

TEST_CASE("the kernel demo shows crash versus power loss and heals", "[scenario]") {
  auto scenario = runner::load_scenario_file(KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json");
  REQUIRE(scenario.ok());
  const auto r = runner::run_scenario(*scenario, {1, true});
  INFO("replay: " << r.replay_command);
  REQUIRE(r.passed);
  for (const auto& c : r.checks) {
    INFO(c.id << ": " << c.detail);
    REQUIRE(c.status == runner::CheckStatus::held);  // every demo check applies and holds
  }
  bool power_lost = false, crashed = false, partition = false;
  for (const auto& e : r.trace_events) {
    power_lost = power_lost || (e.kind == trace::Kind::process && e.name == "power-lost");
    crashed = crashed || (e.kind == trace::Kind::process && e.name == "crashed");
    // Pings sent across the partition are dropped: in flight at the cut, or sent over a down link.
    partition = partition || (e.kind == trace::Kind::drop && (e.string_or("reason", "") == "partition" ||
                                                              e.string_or("reason", "") == "link-down"));
  }
  REQUIRE(power_lost);
  REQUIRE(crashed);
  REQUIRE(partition);
}

// Determinism: same scenario + seed => same fingerprint and byte-identical JSON Lines; different
// seeds => different runs. Checked for every scenario file in scenarios/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "sim/runner/run.h"
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

TEST_CASE("every scenario file gives the same fingerprint and trace twice with the same seed", "[determinism]") {
  const auto files = scenario_files();
  REQUIRE_FALSE(files.empty());
  for (const auto& file : files) {
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
    // Not keeping events must not change the run.
    const auto c = runner::run_scenario(*scenario, {7, false});
    REQUIRE(c.fingerprint == a.fingerprint);
  }
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

// Test support: KRaft cluster scenarios built in code, and the assertions every property test
// makes (every check held, replay command printed on failure).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/runner/run.h"
#include "sim/runner/scenario.h"
#include "sim/runner/scenario_loader.h"

namespace kraftsim::testing {

// How many seeds a property test runs: `full` normally; a percentage of it when
// KRAFTSIM_TEST_SEEDS_PERCENT is set (the sanitizer run in CI, 10x slower, uses 20%: the
// release run covers every seed, the sanitizer run looks for memory errors).
inline std::uint64_t seed_count(std::uint64_t full) {
  const char* percent = std::getenv("KRAFTSIM_TEST_SEEDS_PERCENT");
  if (percent == nullptr) return full;
  const long p = std::strtol(percent, nullptr, 10);
  if (p <= 0 || p >= 100) return full;
  return std::max<std::uint64_t>(1, full * static_cast<std::uint64_t>(p) / 100);
}

inline runner::Scenario kraft_cluster(int voters, int observers, std::int64_t duration_ms = 60'000,
                                      std::int64_t writes_per_s = 5) {
  runner::Scenario s;
  s.name = "kraft-test";
  s.program = "kafka";
  s.duration = milliseconds(duration_ms);
  s.metadata_writes_per_s = writes_per_s;
  for (int i = 1; i <= voters; ++i) s.nodes.push_back(runner::NodeSpec{i, "broker,controller", true, "", {}});
  for (int i = 1; i <= observers; ++i) s.nodes.push_back(runner::NodeSpec{100 + i, "broker", true, "", {}});
  s.network.latency_min = milliseconds(1);
  s.network.latency_max = milliseconds(5);
  return s;
}

inline runner::FaultSpec fault(std::int64_t at_ms, runner::FaultKind kind, runner::Target target = {no_node}) {
  runner::FaultSpec f;
  f.at = Time::zero() + milliseconds(at_ms);
  f.kind = kind;
  f.target = std::move(target);
  return f;
}

inline runner::FaultSpec partition(std::int64_t at_ms, std::vector<std::vector<NodeId>> groups) {
  runner::FaultSpec f = fault(at_ms, runner::FaultKind::partition);
  f.groups = std::move(groups);
  return f;
}

inline runner::Target active_controller() { return runner::Target{std::string("active-controller")}; }
inline runner::Target crashed() { return runner::Target{std::string("crashed")}; }

// A scenario file of the source tree, e.g. load_scenario("replication", "leader-crash-acks-1").
inline runner::Scenario load_scenario(const std::string& folder, const std::string& name) {
  const std::string path = std::string(KRAFTSIM_SOURCE_DIR "/scenarios/") + folder + "/" + name + ".json";
  auto s = runner::load_scenario_file(path);
  INFO(path << ": " << (s.ok() ? std::string() : s.error().message));
  REQUIRE(s.ok());
  return s.value();
}

inline const runner::CheckResult* find_check(const runner::RunResult& r, const std::string& id) {
  for (const auto& c : r.checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// The check was violated, whether or not the scenario expected it.
inline bool violated(const runner::CheckResult* c) {
  return c != nullptr && (c->status == runner::CheckStatus::violated || c->status == runner::CheckStatus::expected_violation);
}

// Runs the scenario and requires every check to hold (or not apply).
inline runner::RunResult require_all_hold(const runner::Scenario& s, std::uint64_t seed, bool keep_trace = false) {
  runner::RunResult r = runner::run_scenario(s, {seed, keep_trace});
  for (const auto& c : r.checks) {
    INFO("seed " << seed << ": " << c.id << " " << runner::to_string(c.status) << ": " << c.detail);
    REQUIRE(c.status != runner::CheckStatus::violated);
  }
  return r;
}

}  // namespace kraftsim::testing

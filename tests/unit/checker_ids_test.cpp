// check/checker_ids.h lists every id a run can report, so `expect` in a scenario file can be
// validated before the run. This holds the list to what the checkers really report: a kafka run
// with producers, consumers and a group, the pinger demo, and a run out of its event budget
// together report every listed id, and nothing else.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "sim/check/checker_ids.h"
#include "sim/runner/run.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;

TEST_CASE("the checker id list is exactly the ids the checkers report", "[checkers]") {
  std::set<std::string> reported;
  auto collect = [&](const runner::Scenario& s) {
    const runner::RunResult r = runner::run_scenario(s, {1, false});
    for (const auto& c : r.checks) {
      INFO(c.id);
      REQUIRE(check::is_checker_id(c.id));
      reported.insert(c.id);
    }
  };
  runner::Scenario groups = kraftsim::testing::load_scenario("groups", "range-3-consumers");
  collect(groups);
  auto demo = runner::load_scenario_file(KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json");
  REQUIRE(demo.ok());
  collect(*demo);
  groups.max_events = 1'000;  // out of budget long before the end
  collect(groups);
  for (std::string_view id : check::all_checker_ids) {
    INFO(id);
    REQUIRE(reported.contains(std::string(id)));
  }
  REQUIRE(reported.size() == check::all_checker_ids.size());
}

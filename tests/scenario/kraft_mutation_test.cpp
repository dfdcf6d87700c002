// The Raft checkers must be able to fail: each test-only protocol mutation (a rule of Raft
// deliberately broken) is run on a fault schedule that gives it a chance to matter, and the
// checkers must report a violation within a bounded number of seeds, while the correct protocol
// on the same seeds holds everywhere.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using namespace kraftsim::testing;
using runner::FaultKind;

namespace {

// Node a is cut off while the others commit; then both others crash, one returns at once with
// the full log, and the stale node a competes with it. Only the log up-to-date check (Raft
// 5.4.1) keeps a from winning and erasing committed entries.
runner::Scenario stale_node_schedule() {
  auto s = kraft_cluster(3, 0, 40'000, 20);
  for (std::int64_t round = 0; round < 3; ++round) {
    const std::int64_t t = 3'000 + round * 12'000;
    const NodeId a = static_cast<NodeId>(1 + round % 3), b = static_cast<NodeId>(1 + (round + 1) % 3),
                 c = static_cast<NodeId>(1 + (round + 2) % 3);
    s.faults.push_back(fault(t, FaultKind::isolate, runner::Target{a}));
    s.faults.push_back(fault(t + 4'000, FaultKind::crash, runner::Target{b}));
    s.faults.push_back(fault(t + 4'000, FaultKind::crash, runner::Target{c}));
    s.faults.push_back(fault(t + 4'000, FaultKind::heal));
    s.faults.push_back(fault(t + 4'100, FaultKind::restart, runner::Target{b}));
    s.faults.push_back(fault(t + 8'000, FaultKind::restart, runner::Target{c}));
  }
  return s;
}

// Node 3 is slow (a clogged link to each of the others), so it lags behind the high watermark
// the leader publishes. When the leader dies and node 1 or 2 takes over, only waiting for the
// new epoch's first record to commit keeps the new leader from publishing a high watermark
// computed from node 3's lagging offset, below the one already published.
runner::Scenario churn_schedule() {
  auto s = kraft_cluster(3, 0, 40'000, 50);
  runner::FaultSpec clog13 = fault(1'000, FaultKind::clog);
  clog13.from = 1;
  clog13.to = 3;
  clog13.extra_delay = milliseconds(400);
  runner::FaultSpec clog23 = clog13;
  clog23.from = 2;
  s.faults = {clog13, clog23};
  // The crashed leader stays down long enough for the survivors to elect a leader on their own.
  for (std::int64_t t = 4'000; t < 30'000; t += 8'000) {
    s.faults.push_back(fault(t, FaultKind::crash, active_controller()));
    s.faults.push_back(fault(t + 6'000, FaultKind::restart, crashed()));
  }
  return s;
}

struct Outcome {
  std::set<std::string> violated;
  std::uint64_t first_seed = 0;
};

Outcome run_seeds(const runner::Scenario& s, std::uint64_t seeds_max) {
  Outcome out;
  for (std::uint64_t seed = 1; seed <= seeds_max; ++seed) {
    const auto r = runner::run_scenario(s, {seed, false});
    for (const auto& c : r.checks) {
      if (c.status == runner::CheckStatus::violated) {
        out.violated.insert(c.id);
        if (out.first_seed == 0) out.first_seed = seed;
      }
    }
    if (out.first_seed != 0) break;  // caught: the bound is what the test is about
  }
  return out;
}

}  // namespace

TEST_CASE("the correct protocol holds on the mutation schedules", "[kraft][mutation]") {
  for (const auto& s : {stale_node_schedule(), churn_schedule()}) {
    for (std::uint64_t seed = 1; seed <= seed_count(60); ++seed) require_all_hold(s, seed);
  }
}

TEST_CASE("mutation: granting votes without the log check is caught", "[kraft][mutation]") {
  auto s = stale_node_schedule();
  s.test_only_mutations = {"raft-grant-vote-without-log-check"};
  const Outcome o = run_seeds(s, 60);
  INFO("first violating seed " << o.first_seed);
  REQUIRE_FALSE(o.violated.empty());
  // Losing committed entries shows as divergent committed data or a regressing high watermark.
  REQUIRE((o.violated.contains("raft-committed-consistent") || o.violated.contains("raft-hw-monotonic")));
}

TEST_CASE("mutation: advancing the high watermark before the own epoch commits is caught", "[kraft][mutation]") {
  auto s = churn_schedule();
  s.test_only_mutations = {"raft-advance-hw-without-own-epoch-commit"};
  const Outcome o = run_seeds(s, 60);
  INFO("first violating seed " << o.first_seed);
  REQUIRE_FALSE(o.violated.empty());
}

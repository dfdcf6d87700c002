// KRaft controller quorum on the simulator, over many seeds: elections, failover, check-quorum,
// partitions, restarts, disk loss and power loss, with every Raft invariant checked after every
// event (sim/check/raft_checkers.h). Each failing seed prints its replay command.
#include <catch2/catch.hpp>

#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using namespace kraftsim::testing;
using runner::FaultKind;

namespace {
const std::uint64_t seeds = seed_count(100);

bool liveness_held(const runner::RunResult& r) {
  const auto* c = find_check(r, "quorum-live-after-faults");
  return c != nullptr && c->status == runner::CheckStatus::held;
}
}  // namespace

TEST_CASE("kraft: initial election with 1, 3 and 5 voters and observers, then progress", "[kraft][property]") {
  for (int voters : {1, 3, 5}) {
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      const int observers = static_cast<int>(seed % 3);
      auto s = kraft_cluster(voters, observers, 20'000);
      INFO(voters << " voters, " << observers << " observers");
      const auto r = require_all_hold(s, seed);
      REQUIRE(liveness_held(r));
    }
  }
}

TEST_CASE("kraft: the active controller killed or shut down gracefully, a new one is elected and all catch up",
          "[kraft][property]") {
  for (FaultKind kind : {FaultKind::crash, FaultKind::shutdown, FaultKind::power_loss}) {
    auto s = kraft_cluster(3, 1);
    s.faults = {fault(10'000, kind, active_controller()), fault(20'000, FaultKind::restart, crashed())};
    int elections_after_fault = 0;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      const auto r = require_all_hold(s, seed, true);
      REQUIRE(liveness_held(r));
      for (const auto& e : r.trace_events) {
        if (e.t_us > 10'000'000 && e.kind == trace::Kind::state && e.name == "raft-state" &&
            e.string_or("reason", "") == "won election") {
          ++elections_after_fault;
          break;
        }
      }
    }
    REQUIRE(elections_after_fault == static_cast<int>(seeds));
  }
}

TEST_CASE("kraft: a graceful shutdown resigns with EndQuorumEpoch and the successor wins fast", "[kraft]") {
  auto s = kraft_cluster(3, 0);
  s.faults = {fault(10'000, FaultKind::shutdown, active_controller())};
  for (std::uint64_t seed = 1; seed <= seed_count(20); ++seed) {
    const auto r = require_all_hold(s, seed, true);
    bool end_epoch_sent = false;
    std::int64_t new_leader_at = -1;
    for (const auto& e : r.trace_events) {
      if (e.t_us >= 10'000'000 && e.kind == trace::Kind::send && e.name == "EndQuorumEpoch") end_epoch_sent = true;
      if (e.t_us >= 10'000'000 && new_leader_at < 0 && e.kind == trace::Kind::state && e.name == "raft-state" &&
          e.string_or("reason", "") == "won election") {
        new_leader_at = e.t_us;
      }
    }
    INFO("seed " << seed);
    REQUIRE(end_epoch_sent);
    REQUIRE(new_leader_at > 0);
    // Without EndQuorumEpoch the others would wait for the 2 s fetch timeout.
    REQUIRE(new_leader_at - 10'000'000 < 1'500'000);
  }
}

TEST_CASE("kraft: all nodes killed, a majority restarted: progress resumes", "[kraft][property]") {
  auto s = kraft_cluster(3, 0);
  s.faults = {fault(10'000, FaultKind::crash, runner::Target{1}), fault(10'000, FaultKind::crash, runner::Target{2}),
              fault(10'000, FaultKind::crash, runner::Target{3}), fault(15'000, FaultKind::restart, runner::Target{1}),
              fault(15'000, FaultKind::restart, runner::Target{3})};
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) REQUIRE(liveness_held(require_all_hold(s, seed)));
}

TEST_CASE("kraft: power loss of all nodes at once, then all restart", "[kraft][property]") {
  auto s = kraft_cluster(3, 1);
  for (NodeId n : {1, 2, 3, 101}) s.faults.push_back(fault(10'000, FaultKind::power_loss, runner::Target{n}));
  s.faults.push_back(fault(12'000, FaultKind::restart, crashed()));
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) REQUIRE(liveness_held(require_all_hold(s, seed)));
}

TEST_CASE("kraft: the leader partitioned away resigns by check-quorum and a new leader emerges", "[kraft][property]") {
  auto s = kraft_cluster(3, 0);
  s.faults = {fault(10'000, FaultKind::isolate, active_controller()), fault(25'000, FaultKind::heal)};
  int check_quorum_resignations = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto r = require_all_hold(s, seed, true);
    REQUIRE(liveness_held(r));
    for (const auto& e : r.trace_events) {
      if (e.kind == trace::Kind::state && e.name == "raft-state" &&
          e.string_or("reason", "").find("check-quorum") != std::string::npos) {
        ++check_quorum_resignations;
        // 1.5 x fetch timeout (3 s) after the last fetch it received, which is at most one
        // fetch wait (500 ms) before the cut.
        REQUIRE(e.t_us >= 10'000'000 + 2'500'000);
        REQUIRE(e.t_us < 25'000'000);
        break;
      }
    }
  }
  REQUIRE(check_quorum_resignations == static_cast<int>(seeds));
}

TEST_CASE("kraft: 5 voters split {1,2}|{3,4,5}: only the majority commits, after healing all converge",
          "[kraft][property]") {
  auto s = kraft_cluster(5, 0);
  s.faults = {partition(10'000, {{1, 2}, {3, 4, 5}}), fault(30'000, FaultKind::heal)};
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto r = require_all_hold(s, seed, true);
    REQUIRE(liveness_held(r));
    // During the split (after the minority noticed, 15 s..30 s), only nodes 3, 4, 5 lead and
    // only they publish a higher high watermark.
    for (const auto& e : r.trace_events) {
      if (e.t_us < 15'000'000 || e.t_us >= 30'000'000 || e.kind != trace::Kind::state || e.name != "raft-state") continue;
      if (e.string_or("role", "") == "Leader") {
        INFO("seed " << seed << " leader " << e.node << " at " << e.t_us);
        REQUIRE(e.node >= 3);
      }
    }
  }
}

TEST_CASE("kraft: back-to-back leader failures", "[kraft][property]") {
  auto s = kraft_cluster(5, 1);
  s.faults = {fault(10'000, FaultKind::crash, active_controller()), fault(13'000, FaultKind::crash, active_controller()),
              fault(20'000, FaultKind::restart, crashed()), fault(22'000, FaultKind::power_loss, active_controller()),
              fault(22'500, FaultKind::crash, active_controller()), fault(30'000, FaultKind::restart, crashed())};
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) REQUIRE(liveness_held(require_all_hold(s, seed)));
}

TEST_CASE("kraft: a follower loses its whole disk, is formatted again and rejoins", "[kraft][property]") {
  auto s = kraft_cluster(3, 0);
  s.faults = {fault(15'000, FaultKind::disk_lost, runner::Target{3})};
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const auto r = require_all_hold(s, seed, true);
    REQUIRE(liveness_held(r));
    // Node 3 came back with an empty log and caught up from the leader.
    bool recovered_empty = false;
    for (const auto& e : r.trace_events) {
      if (e.node == 3 && e.t_us >= 15'000'000 && e.kind == trace::Kind::state && e.name == "raft-recovered") {
        recovered_empty = e.int_or("entries", -1) == 0;
      }
    }
    REQUIRE(recovered_empty);
  }
}

TEST_CASE("quorum-live-after-faults reports a quorum that cannot recover", "[kraft][checks]") {
  // Two of three voters freeze (a GC pause that never ends): their processes are up and their
  // links are fine, so liveness is expected, yet no leader can be agreed on. The checker says so.
  auto s = kraft_cluster(3, 0, 40'000);
  s.faults = {fault(10'000, FaultKind::pause, runner::Target{1}), fault(10'000, FaultKind::pause, runner::Target{2})};
  for (std::uint64_t seed = 1; seed <= seed_count(10); ++seed) {
    const auto r = runner::run_scenario(s, {seed, false});
    const auto* live = find_check(r, "quorum-live-after-faults");
    REQUIRE(live != nullptr);
    INFO("seed " << seed << ": " << live->detail);
    REQUIRE(live->status == runner::CheckStatus::violated);
    REQUIRE_FALSE(r.passed);
  }
}

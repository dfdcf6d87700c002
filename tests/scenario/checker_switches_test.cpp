// The partition and group checkers that a correct cluster never trips, shown to fail: each runs a
// scenario twice, once as Kafka behaves (the check holds, having looked at something) and once
// with a test-only switch that breaks the protocol on purpose (the check is violated, and its
// detail carries the evidence: times, brokers, epochs, offsets).
//  - single-partition-leader-per-epoch: kraftsim.test.partition.leader.epoch.not.bumped;
//  - partition-hw-monotonic: kraftsim.test.leader.hw.may.decrease;
//  - committed-offset-monotonic: kraftsim.test.coordinator.accepts.stale.generation.commits.
#include <catch2/catch.hpp>

#include <string>

#include "sim/runner/run.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using kraftsim::testing::find_check;

namespace {

const runner::CheckResult& check_of(const runner::RunResult& r, const std::string& id) {
  const runner::CheckResult* c = find_check(r, id);
  REQUIRE(c != nullptr);
  return *c;
}

// Runs the scenario without and with the switch (a cluster config key set to "true") and returns
// the check's verdicts.
std::pair<runner::CheckResult, runner::CheckResult> without_and_with(runner::Scenario s, const std::string& check_id,
                                                                     const std::string& switch_key, std::uint64_t seed) {
  const runner::RunResult plain = runner::run_scenario(s, {seed, false});
  INFO(plain.replay_command);
  const runner::CheckResult held = check_of(plain, check_id);
  s.config[switch_key] = "true";
  const runner::RunResult broken = runner::run_scenario(s, {seed, false});
  return {held, check_of(broken, check_id)};
}

}  // namespace

TEST_CASE("single-partition-leader-per-epoch: a new leader without a new leader epoch is caught", "[checkers][scenario]") {
  // The leader of orders-0 crashes at 15 s; the controller fences it and elects an ISR follower.
  runner::Scenario s = kraftsim::testing::load_scenario("replication", "leader-crash-acks-all");
  s.duration = seconds(40);
  s.producers[0].records = 15'000;
  const auto [held, broken] =
      without_and_with(s, "single-partition-leader-per-epoch", "kraftsim.test.partition.leader.epoch.not.bumped", 1);
  INFO(held.detail);
  REQUIRE(held.status == runner::CheckStatus::held);
  INFO(broken.detail);
  REQUIRE(broken.status == runner::CheckStatus::violated);
  // The evidence: the partition, the epoch both brokers led, and when each did.
  REQUIRE(broken.detail.find("orders-0 leader epoch ") != std::string::npos);
  REQUIRE(broken.detail.find(": broker ") != std::string::npos);
  REQUIRE(broken.detail.find("acted as leader from") != std::string::npos);
  REQUIRE(broken.violation_t_us > 15'000'000);
}

TEST_CASE("partition-hw-monotonic: a leader whose high watermark goes back is caught", "[checkers][scenario]") {
  // A follower of orders-0 loses power at 15 s (nothing was fsynced) and comes back at 20 s with
  // a shorter log. Kafka's leader ignores it for the high watermark (it left the ISR); with the
  // switch it counts, and the high watermark falls to its log end.
  runner::Scenario s = kraftsim::testing::load_scenario("replication", "leader-crash-acks-all");
  s.duration = seconds(40);
  s.producers[0].records = 15'000;
  s.faults = {kraftsim::testing::fault(15'000, runner::FaultKind::power_loss, {std::string("follower-of:orders-0")}),
              kraftsim::testing::fault(20'000, runner::FaultKind::restart, kraftsim::testing::crashed())};
  const auto [held, broken] = without_and_with(s, "partition-hw-monotonic", "kraftsim.test.leader.hw.may.decrease", 1);
  INFO(held.detail);
  REQUIRE(held.status == runner::CheckStatus::held);
  INFO(broken.detail);
  REQUIRE(broken.status == runner::CheckStatus::violated);
  REQUIRE(broken.detail.find("orders-0: leader") != std::string::npos);
  REQUIRE(broken.detail.find("lowered its high watermark from") != std::string::npos);
  REQUIRE(broken.violation_t_us > 20'000'000);
}

TEST_CASE("partition-hw-monotonic: committed offsets missing from a new leader's log are caught", "[checkers][scenario]") {
  // The unclean election scenario: the only live replica, outside the ISR, leads with a shorter
  // log; records below the old leader's high watermark are gone. The file lists the check.
  const runner::Scenario s = kraftsim::testing::load_scenario("replication", "unclean-election-enabled");
  const runner::RunResult r = runner::run_scenario(s, {1, false});
  const runner::CheckResult& c = check_of(r, "partition-hw-monotonic");
  INFO(c.detail);
  REQUIRE(c.status == runner::CheckStatus::expected_violation);
  REQUIRE(c.detail.find("were committed and are gone") != std::string::npos);
}

TEST_CASE("committed-offset-monotonic: a zombie member's stale commit is refused, and caught when stored", "[checkers][scenario]") {
  // Member 2 is paused past its session at 20 s and resumes at 35 s, committing its old position.
  const runner::Scenario s = kraftsim::testing::load_scenario("groups", "paused-member-commit-refused");
  const runner::RunResult plain = runner::run_scenario(s, {1, true});
  INFO(plain.replay_command);
  const runner::CheckResult& held = check_of(plain, "committed-offset-monotonic");
  INFO(held.detail);
  REQUIRE(held.status == runner::CheckStatus::held);
  // The zombie did commit after it resumed, and the coordinator refused it.
  int refused = 0;
  for (const auto& e : plain.trace_events) {
    if (e.name == "consumer-commit-failed" && e.t_us >= 35'000'000 && e.string_or("error", "") == "UNKNOWN_MEMBER_ID") ++refused;
  }
  REQUIRE(refused > 0);

  runner::Scenario broken_scenario = s;
  broken_scenario.config["kraftsim.test.coordinator.accepts.stale.generation.commits"] = "true";
  const runner::RunResult broken = runner::run_scenario(broken_scenario, {1, false});
  const runner::CheckResult& c = check_of(broken, "committed-offset-monotonic");
  INFO(c.detail);
  REQUIRE(c.status == runner::CheckStatus::violated);
  REQUIRE(c.detail.find("group billing orders-") != std::string::npos);
  REQUIRE(c.detail.find("below offset") != std::string::npos);
  REQUIRE(c.violation_t_us >= 35'000'000);
}

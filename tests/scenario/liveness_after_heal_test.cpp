// The quiet phase and liveness-after-heal: faults heal at the quiet phase's start, the cluster
// must recover by the end, and the check fails (exit code 3) when it does not.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "sim/runner/result_json.h"
#include "sim/runner/scenario_loader.h"
#include "tests/support/cli_process.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using kraftsim::testing::find_check;

namespace {

// Three combined nodes, orders with 3 partitions (RF 3), an acks=all producer, a consumer group of
// one whose processing time per record is `processing_ms`; the leader of orders-0 crashes at 15 s
// and stays down, and the producer is paused (a long GC) at 20 s: only the quiet phase restarts
// the one and resumes the other.
std::string scenario_json(int processing_ms, int quiet_phase_ms, int fault_at_ms = 15000) {
  return R"({
  "name": "liveness-probe",
  "duration_ms": 60000,
  "quiet_phase_ms": )" + std::to_string(quiet_phase_ms) + R"(,
  "cluster": {
    "nodes": [{"node.id": 1}, {"node.id": 2}, {"node.id": 3}],
    "config": {"offsets.topic.num.partitions": 1, "offsets.topic.replication.factor": 3},
    "network": {"latency_ms": [1, 5]}
  },
  "topics": [{"name": "orders", "partitions": 3, "replication.factor": 3, "config": {"min.insync.replicas": 2}}],
  "producers": [{"topic": "orders", "records_per_s": 200, "records": 4000, "start_ms": 8000}],
  "consumers": [{"topic": "orders", "group.id": "g", "auto.offset.reset": "earliest", "start_ms": 8000,
                 "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000,
                 "processing_ms_per_record": )" + std::to_string(processing_ms) + R"(}],
  "faults": [{"at_ms": )" + std::to_string(fault_at_ms) + R"(, "crash": "leader-of:orders-0"},
             {"at_ms": 20000, "pause": "producer:0"}]
})";
}

runner::Scenario parse(const std::string& text) {
  auto s = runner::parse_scenario(text, "liveness-probe.json");
  REQUIRE(s.ok());
  return std::move(s.value());
}

}  // namespace

TEST_CASE("the quiet phase heals every fault and liveness-after-heal holds when the cluster recovers", "[liveness][scenario]") {
  for (std::uint64_t seed = 1; seed <= kraftsim::testing::seed_count(4); ++seed) {
    INFO("seed " << seed);
    const auto r = runner::run_scenario(parse(scenario_json(0, 25000)), {.seed = seed});
    const auto* c = find_check(r, "liveness-after-heal");
    REQUIRE(c != nullptr);
    INFO(c->detail);
    REQUIRE(c->status == runner::CheckStatus::held);
    REQUIRE(r.passed);
  }
}

TEST_CASE("a consumer too slow to catch up by the end of the quiet phase fails liveness-after-heal with exit code 3", "[liveness][scenario]") {
  // The same faults, but the consumer works 50 ms per record (20 records/s against the
  // producer's 200): it cannot catch up, so the group has not read what was acknowledged.
  const auto r = runner::run_scenario(parse(scenario_json(50, 1000)), {.seed = 1});
  const auto* c = find_check(r, "liveness-after-heal");
  REQUIRE(c != nullptr);
  INFO(c->detail);
  REQUIRE(c->status == runner::CheckStatus::violated);
  REQUIRE(c->detail.find("consumer") != std::string::npos);
  // Only liveness broke: exit code 3, not the safety code 1.
  for (const auto& check : r.checks) {
    if (!runner::is_liveness_check(check.id)) REQUIRE(check.status != runner::CheckStatus::violated);
  }
  REQUIRE(runner::exit_code(r) == runner::exit_liveness_failure);
}

TEST_CASE("liveness-after-heal does not apply to a run without a quiet phase", "[liveness][scenario]") {
  const auto r = runner::run_scenario(parse(scenario_json(50, 0)), {.seed = 1});
  const auto* c = find_check(r, "liveness-after-heal");
  REQUIRE(c != nullptr);
  REQUIRE(c->status == runner::CheckStatus::not_applicable);
}

TEST_CASE("a fault scheduled inside the quiet phase is refused, naming the fault", "[liveness][scenario]") {
  auto s = runner::parse_scenario(scenario_json(0, 50000), "liveness-probe.json");
  REQUIRE_FALSE(s.ok());
  INFO(s.error().message);
  REQUIRE(s.error().message.find("/faults/") != std::string::npos);
  REQUIRE(s.error().message.find("quiet phase") != std::string::npos);
  auto too_long = runner::parse_scenario(scenario_json(0, 60000), "liveness-probe.json");
  REQUIRE_FALSE(too_long.ok());
  REQUIRE(too_long.error().message.find("/quiet_phase_ms") != std::string::npos);
}

TEST_CASE("cli: a liveness-only failure exits with 3", "[liveness][cli]") {
  kraftsim::testing::TempDir dir("liveness-cli");
  const std::string file = dir.file("slow-consumer.json");
  std::ofstream(file) << scenario_json(50, 1000);
  const auto o = kraftsim::testing::run_cli_args({"run", file, "--seed", "1"}, dir);
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 3);
  REQUIRE(o.out.find("liveness-after-heal") != std::string::npos);
}

// Scenario validation: every error names the JSON pointer and what was expected.
#include <catch2/catch.hpp>

#include "sim/runner/scenario_loader.h"

using namespace kraftsim;

namespace {
std::string error_of(const std::string& json) {
  auto r = runner::parse_scenario(json, "test.json");
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}
const std::string base_nodes = R"("cluster": {"nodes": [{"node.id": 1}, {"node.id": 2}]})";
}  // namespace

TEST_CASE("a valid scenario loads with its values", "[loader]") {
  auto r = runner::parse_scenario(R"({"name": "x", "seed": 9, "duration_ms": 5000, )" + base_nodes +
                                      R"(, "faults": [{"at_ms": 300, "heal": "all"}, {"at_ms": 100, "crash": 2}]})",
                                  "t.json");
  REQUIRE(r.ok());
  REQUIRE(r->seed == 9);
  REQUIRE(r->nodes.size() == 2);
  REQUIRE(r->faults.size() == 2);
  REQUIRE(r->faults[0].kind == runner::FaultKind::crash);  // sorted by time
}

TEST_CASE("scenario errors name the field", "[loader]") {
  CHECK(error_of(R"({"duration_ms": 5, )" + base_nodes + "}").find("/name: required field is missing") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": "long", )" + base_nodes + "}").find("/duration_ms: expected an integer") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, "colour": 1, )" + base_nodes + "}").find("/colour: unknown key") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1}, {"node.id": 1}]}})")
            .find("/cluster/nodes/1/node.id: duplicate node.id 1") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, )" + base_nodes + R"(, "faults": [{"at_ms": 1, "crash": 7}]})")
            .find("/faults/0/crash: unknown node id 7") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, )" + base_nodes + R"(, "faults": [{"at_ms": 1}]})")
            .find("/faults/0: expected exactly one fault kind") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, )" + base_nodes + R"(, "faults": [{"at_ms": 1, "partition": [[1], [1, 2]]}]})")
            .find("/faults/0/partition/1/0: node 1 is in two groups") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1, "process.roles": "zookeeper"}]}})")
            .find("/cluster/nodes/0/process.roles: expected one of") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1}], "network": {"latency_ms": [5, 1]}}})")
            .find("/cluster/network/latency_ms") != std::string::npos);
  CHECK(error_of(R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1}], "network": {"loss_probability": 2}}})")
            .find("/cluster/network/loss_probability: expected a number in [0, 1]") != std::string::npos);
  CHECK(error_of("[1, 2]").find("/: expected an object") != std::string::npos);
  CHECK(error_of("{").find("malformed JSON") != std::string::npos);
}

TEST_CASE("consumer group settings load with Kafka's defaults, and bad ones name their pointer", "[loader][groups]") {
  const std::string head = R"({"name": "x", "duration_ms": 5, )" + base_nodes + R"(, "topics": [{"name": "t", "partitions": 2}], )";
  auto r = runner::parse_scenario(head + R"("consumers": [{"topic": "t", "group.id": "g"}, {"topic": "t"}],
      "faults": [{"at_ms": 1, "crash": "consumer:1"}, {"at_ms": 2, "crash": "coordinator-of:g"}]})", "t.json");
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  const runner::ConsumerSpec& c = r->consumers[0];
  REQUIRE(c.group_id == "g");
  REQUIRE(c.assignment_strategy == "range");
  REQUIRE(c.enable_auto_commit);
  REQUIRE(c.auto_commit_interval == milliseconds(5000));
  REQUIRE(c.session_timeout == milliseconds(45000));
  REQUIRE(c.heartbeat_interval == milliseconds(3000));
  REQUIRE(c.max_poll_interval == milliseconds(300000));
  REQUIRE(c.max_poll_records == 500);
  REQUIRE(c.fetch_min_bytes == 1);
  REQUIRE(r->consumers[1].group_id.empty());
  CHECK(error_of(head + R"("consumers": [{"topic": "t", "group.id": "g", "partition.assignment.strategy": "sticky"}]})")
            .find("/consumers/0/partition.assignment.strategy: expected one of") != std::string::npos);
  CHECK(error_of(head + R"("consumers": [{"topic": "t", "group.id": "g", "session.timeout.ms": 3000}]})")
            .find("/consumers/0/heartbeat.interval.ms: heartbeat.interval.ms must be lower than session.timeout.ms") !=
        std::string::npos);
  CHECK(error_of(head + R"("consumers": [{"topic": "t", "max.poll.records": 0, "group.id": "g"}]})")
            .find("/consumers/0/max.poll.records") != std::string::npos);
  CHECK(error_of(head + R"("consumers": [{"topic": "t", "enable.auto.commit": false}]})")
            .find("/consumers/0: group settings need a \"group.id\"") != std::string::npos);
  CHECK(error_of(head + R"("consumers": [{"topic": "t", "group.id": "g", "commit_before_processing": true}]})")
            .find("/consumers/0/commit_before_processing") != std::string::npos);
  CHECK(error_of(head + R"("consumers": [{"topic": "t"}], "faults": [{"at_ms": 1, "crash": "consumer:1"}]})")
            .find("/faults/0/crash: unknown client \"consumer:1\"") != std::string::npos);
  CHECK(error_of(head + R"("expect": {"violated": ["group-owner"]}})").find("group-single-owner") != std::string::npos);
}

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

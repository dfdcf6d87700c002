// kraftsim import-compose: the seed document's docker-compose cluster becomes a scenario that loads,
// runs and elects one active controller; both compose forms of `environment` give the same
// scenario; what Kafka would refuse at start-up is refused with the file, service and key named.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "sim/runner/compose_import.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "tests/support/cli_process.h"

namespace {

using namespace kraftsim;
using namespace kraftsim::testing;

const std::string seed_compose = KRAFTSIM_SOURCE_DIR "/scenarios/compose/docker-compose.yml";

// A KRaft service in the seed document's shape; `extra` adds or replaces environment lines.
std::string service(int id, const std::string& roles = "broker,controller", const std::string& extra = "",
                    const std::string& cluster_id = "tUeiYSM4QW2qCFizw1jz8Q") {
  return "  kafka" + std::to_string(id) + ":\n    image: confluentinc/cp-kafka:7.5.0\n    hostname: kafka" +
         std::to_string(id) + "\n    environment:\n      KAFKA_PROCESS_ROLES: " + roles + "\n      KAFKA_NODE_ID: " +
         std::to_string(id) + "\n      KAFKA_CONTROLLER_QUORUM_VOTERS: \"1@kafka1:9093,2@kafka2:9093,3@kafka3:9093\"\n" +
         "      KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093\n" +
         "      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n" +
         "      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER\n      CLUSTER_ID: \"" + cluster_id + "\"\n" + extra;
}

std::string compose(const std::string& services) { return "services:\n" + services; }

std::string import_error(const std::string& yaml) {
  auto r = runner::import_compose(yaml, "test-compose.yml", runner::ComposeImportOptions{});
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("compose: the seed document's compose file becomes a scenario that loads and elects one active controller",
          "[compose]") {
  runner::ComposeImportOptions options;
  options.duration_ms = 20'000;
  auto imported = runner::import_compose_file(seed_compose, options);
  REQUIRE(imported.ok());
  const auto& j = *imported;
  REQUIRE(j["$schema"] == "./scenario.schema.json");
  REQUIRE(j["name"] == "docker-compose");
  REQUIRE(j["cluster"]["cluster.id"] == "tUeiYSM4QW2qCFizw1jz8Q");
  REQUIRE(j["cluster"]["controller.quorum.voters"] == "1@kafka1:9093,2@kafka2:9093,3@kafka3:9093");
  REQUIRE(j["cluster"]["nodes"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(j["cluster"]["nodes"][i]["node.id"] == i + 1);
    REQUIRE(j["cluster"]["nodes"][i]["process.roles"] == "broker,controller");
  }
  const std::string comment = j["$comment"];
  REQUIRE(comment.find("service kafka1 = node 1 (broker,controller): listeners PLAINTEXT://0.0.0.0:9092,"
                       "CONTROLLER://0.0.0.0:9093; controller listener CONTROLLER") != std::string::npos);
  REQUIRE(comment.find("not Kafka nodes: kafka-ui") != std::string::npos);
  REQUIRE(comment.find("not simulated: KAFKA_LOG_DIRS") != std::string::npos);

  auto scenario = runner::parse_scenario(j.dump(2), "imported.json");
  INFO((scenario.ok() ? "" : scenario.error().message));
  REQUIRE(scenario.ok());
  REQUIRE(scenario->nodes.size() == 3);
  runner::RunOptions run_options;
  const runner::RunResult r = runner::run_scenario(*scenario, run_options);
  INFO("replay: " << r.replay_command);
  REQUIRE(r.passed);
  REQUIRE(r.sim_time_ms == 20'000);
  // At the end every node's last Raft state names the same leader, and exactly one node is it.
  std::map<std::int32_t, std::pair<std::string, std::int64_t>> last;  // node -> (role, leader id)
  for (const trace::Event& e : r.trace_events) {
    if (e.name != "raft-state") continue;
    last[e.node] = {std::get<std::string>(*e.find("role")), std::get<std::int64_t>(*e.find("leader_id"))};
  }
  REQUIRE(last.size() == 3);
  int leaders = 0;
  std::set<std::int64_t> named;
  for (const auto& [node, state] : last) {
    if (state.first == "Leader") {
      ++leaders;
      REQUIRE(state.second == node);
    }
    named.insert(state.second);
  }
  REQUIRE(leaders == 1);
  REQUIRE(named.size() == 1);
}

TEST_CASE("compose: environment as a list of KEY=VALUE strings gives the same scenario as a mapping", "[compose]") {
  const std::string map_form = compose(service(1) + service(2) + service(3));
  std::string list_form = "services:\n";
  for (int id = 1; id <= 3; ++id) {
    list_form += "  kafka" + std::to_string(id) + ":\n    hostname: kafka" + std::to_string(id) +
                 "\n    environment:\n      - KAFKA_PROCESS_ROLES=broker,controller\n      - KAFKA_NODE_ID=" +
                 std::to_string(id) +
                 "\n      - KAFKA_CONTROLLER_QUORUM_VOTERS=1@kafka1:9093,2@kafka2:9093,3@kafka3:9093\n"
                 "      - KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093\n"
                 "      - KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
                 "      - KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER\n      - CLUSTER_ID=tUeiYSM4QW2qCFizw1jz8Q\n";
  }
  auto a = runner::import_compose(map_form, "c.yml", {});
  auto b = runner::import_compose(list_form, "c.yml", {});
  INFO((a.ok() ? "" : a.error()) << (b.ok() ? "" : b.error()));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->dump() == b->dump());
  REQUIRE((*a)["cluster"]["nodes"].size() == 3);
}

TEST_CASE("compose: YAML anchors and merge keys share settings between services", "[compose]") {
  // The usual way to avoid repeating a service: an x- extension with an anchor, merged with <<.
  std::string yaml = "x-kafka: &kafka\n  image: confluentinc/cp-kafka:7.5.0\n"
                     "x-env: &env\n  KAFKA_PROCESS_ROLES: broker,controller\n"
                     "  KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka1:9093,2@kafka2:9093,3@kafka3:9093\n"
                     "  KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093\n"
                     "  KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER\n  CLUSTER_ID: tUeiYSM4QW2qCFizw1jz8Q\n"
                     "  KAFKA_MIN_INSYNC_REPLICAS: 2\nservices:\n";
  for (int id = 1; id <= 3; ++id) {
    yaml += "  kafka" + std::to_string(id) + ":\n    <<: *kafka\n    environment:\n      <<: *env\n      KAFKA_NODE_ID: " +
            std::to_string(id) + "\n";
  }
  yaml += "      KAFKA_MIN_INSYNC_REPLICAS: 1\n";  // kafka3's own value wins over the merged one
  auto r = runner::import_compose(yaml, "anchors.yml", {});
  INFO((r.ok() ? "" : r.error()));
  REQUIRE(r.ok());
  REQUIRE((*r)["cluster"]["nodes"].size() == 3);
  REQUIRE((*r)["cluster"]["nodes"][2]["process.roles"] == "broker,controller");
  REQUIRE((*r)["cluster"]["nodes"][0]["config"]["min.insync.replicas"] == "2");
  REQUIRE((*r)["cluster"]["nodes"][2]["config"]["min.insync.replicas"] == "1");
  REQUIRE(runner::parse_scenario(r->dump(), "anchors.json").ok());
}

TEST_CASE("compose: Kafka keys in KAFKA_ variables become config, shared ones cluster-wide", "[compose]") {
  REQUIRE(runner::kafka_key_from_env("KAFKA_MIN_INSYNC_REPLICAS") == "min.insync.replicas");
  REQUIRE(runner::kafka_key_from_env("KAFKA_A__B___C_D") == "a_b-c.d");
  const std::string yaml = compose(service(1, "broker,controller", "      KAFKA_MIN_INSYNC_REPLICAS: 2\n") +
                                   service(2, "broker,controller", "      KAFKA_MIN_INSYNC_REPLICAS: 2\n") +
                                   service(3, "broker,controller",
                                           "      KAFKA_MIN_INSYNC_REPLICAS: 2\n      KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: "
                                           "\"true\"\n      KAFKA_HEAP_OPTS: -Xmx1G\n"));
  auto r = runner::import_compose(yaml, "c.yml", {});
  INFO((r.ok() ? "" : r.error()));
  REQUIRE(r.ok());
  REQUIRE((*r)["cluster"]["config"]["min.insync.replicas"] == "2");
  REQUIRE((*r)["cluster"]["nodes"][2]["config"]["unclean.leader.election.enable"] == "true");
  REQUIRE_FALSE((*r)["cluster"]["nodes"][0].contains("config"));
  REQUIRE((*r)["$comment"].get<std::string>().find("not simulated: KAFKA_HEAP_OPTS") != std::string::npos);
  REQUIRE(runner::parse_scenario(r->dump(), "c.json").ok());
  // A value Kafka would refuse is refused here, naming the variable.
  const std::string bad = import_error(compose(service(1, "broker,controller", "      KAFKA_MIN_INSYNC_REPLICAS: zero\n") +
                                               service(2) + service(3)));
  REQUIRE(bad.find("test-compose.yml: service kafka1: KAFKA_MIN_INSYNC_REPLICAS:") == 0);
}

TEST_CASE("compose: a broker-only node and a node with another CLUSTER_ID are kept as Kafka would see them", "[compose]") {
  const std::string broker = "  kafka4:\n    environment:\n      KAFKA_PROCESS_ROLES: broker\n      KAFKA_NODE_ID: 4\n"
                             "      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka1:9093,2@kafka2:9093,3@kafka3:9093\n"
                             "      KAFKA_LISTENERS: PLAINTEXT://:9092\n      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER\n"
                             "      CLUSTER_ID: O0l-HBAiRmawtFPn_H4l8w\n";
  auto r = runner::import_compose(compose(service(1) + service(2) + service(3) + broker), "c.yml", {});
  INFO((r.ok() ? "" : r.error()));
  REQUIRE(r.ok());
  REQUIRE((*r)["cluster"]["nodes"][3]["process.roles"] == "broker");
  REQUIRE((*r)["cluster"]["nodes"][3]["format_cluster_id"] == "O0l-HBAiRmawtFPn_H4l8w");
  REQUIRE_FALSE((*r)["cluster"]["nodes"][0].contains("format_cluster_id"));
  REQUIRE(runner::parse_scenario(r->dump(), "c.json").ok());
}

TEST_CASE("compose: a single-node cluster may name its own voter localhost, a larger one may not", "[compose]") {
  const std::string single = "services:\n  broker:\n    image: apache/kafka:3.7.0\n    environment:\n"
                             "      KAFKA_NODE_ID: 1\n      KAFKA_PROCESS_ROLES: broker,controller\n"
                             "      KAFKA_LISTENERS: PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093\n"
                             "      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER\n"
                             "      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
                             "      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@localhost:9093\n"
                             "      CLUSTER_ID: 4L6g3nShT-eMCtK--X86sw\n";
  auto r = runner::import_compose(single, "single.yml", {});
  INFO((r.ok() ? "" : r.error()));
  REQUIRE(r.ok());
  REQUIRE((*r)["cluster"]["nodes"].size() == 1);
  REQUIRE(runner::parse_scenario(r->dump(), "single.json").ok());
  std::string three = compose(service(1) + service(2) + service(3));
  for (std::size_t at = three.find("@kafka1:"); at != std::string::npos; at = three.find("@kafka1:")) {
    three.replace(at, 8, "@localhost:");
  }
  const std::string error = import_error(three);
  REQUIRE(error.find("voter 1's host \"localhost\" is each container itself") != std::string::npos);
}

TEST_CASE("compose: what Kafka refuses at start-up is refused, naming the file, the service and the key", "[compose]") {
  struct Case {
    std::string yaml;
    std::string expected;  // the start of the error line
    std::string also;      // and a phrase in it
  };
  const std::vector<Case> cases = {
      {compose(service(1) + service(2) + service(3, "broker")),
       "test-compose.yml: service kafka1: KAFKA_CONTROLLER_QUORUM_VOTERS: voter 3 is service kafka3", "lacks controller"},
      {compose(service(1) + service(2)), "test-compose.yml: service kafka1: KAFKA_CONTROLLER_QUORUM_VOTERS: voter 3",
       "no service's KAFKA_NODE_ID"},
      {compose(service(1) + service(2) + service(3, "broker,controller", "", "not-a-uuid")),
       "test-compose.yml: service kafka3: CLUSTER_ID:", "22 base64url"},
      {compose(service(1) + service(2) + service(3, "broker,controller", "", "AAAAAAAAAAAAAAAAAAAAAA")),
       "test-compose.yml: service kafka3: CLUSTER_ID:", "reserved"},
      {compose(service(1) + service(2) + "  kafka3:\n    environment:\n      KAFKA_NODE_ID: 3\n"),
       "test-compose.yml: service kafka3: KAFKA_PROCESS_ROLES: not set", "KRaft"},
      {compose(service(1) + service(2) + service(3, "broker,controller", "      KAFKA_NODE_ID: 7\n")),
       "test-compose.yml: service kafka3: KAFKA_NODE_ID: set twice", ""},
      {compose(service(1) + service(2) + service(3, "broker,controller,zookeeper")),
       "test-compose.yml: service kafka3: KAFKA_PROCESS_ROLES: unknown role \"zookeeper\"", ""},
      {compose(service(1) + service(2) + service(2).replace(service(2).find("KAFKA_NODE_ID: 2"), 16, "KAFKA_NODE_ID: 3")
                                              .replace(2, 6, "kafka9")),
       "test-compose.yml: service kafka1: KAFKA_CONTROLLER_QUORUM_VOTERS: voter 3's host \"kafka3\"",
       "no service name, container_name, hostname"},
      {compose(service(1) + service(2) +
               service(3).replace(service(3).find("CONTROLLER://0.0.0.0:9093"), 25, "CONTROLLER://0.0.0.0:9094")),
       "test-compose.yml: service kafka1: KAFKA_CONTROLLER_QUORUM_VOTERS: voter 3 is reached on port 9093", "port 9094"},
      {compose(service(1) + service(2) +
               service(3).replace(service(3).find(",CONTROLLER://0.0.0.0:9093"), 26, "")),
       "test-compose.yml: service kafka3: KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER is not a listener", ""},
      {compose(service(1) + service(2) + service(3).replace(service(3).find("0.0.0.0:9092"), 12, "0.0.0.0:http")),
       "test-compose.yml: service kafka3: KAFKA_LISTENERS: expected NAME://host:port", ""},
      {compose(service(1) + service(2) + service(3, "broker,controller", "      KAFKA_BROKER_RACK: ${RACK}\n")),
       "test-compose.yml: service kafka3: KAFKA_BROKER_RACK:", "variable substitution"},
      {compose("  ui:\n    image: provectuslabs/kafka-ui\n"), "test-compose.yml: no service sets KAFKA_PROCESS_ROLES", ""},
      {"services: [a, b]\n", "test-compose.yml: services: expected a mapping", ""},
      {"services:\n  kafka1: {environment: [unclosed\n", "test-compose.yml: malformed YAML at line", ""},
  };
  for (const Case& c : cases) {
    const std::string error = import_error(c.yaml);
    INFO(c.yaml << "\n=> " << error);
    REQUIRE(error.rfind(c.expected, 0) == 0);
    REQUIRE(error.find(c.also) != std::string::npos);
    REQUIRE(error.find('\n') == std::string::npos);  // one line
  }
}

TEST_CASE("compose: kraftsim import-compose prints a scenario kraftsim check accepts, and bad input exits 2", "[compose][cli]") {
  TempDir dir("import-compose-cli");
  const std::string out = dir.file("imported.json");
  const auto o = run_cli_args({"import-compose", seed_compose, "--output", out, "--name", "seed-cluster"}, dir);
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  const auto checked = run_cli_args({"check", out}, dir);
  INFO(checked.err);
  REQUIRE(checked.exit_code == 0);
  REQUIRE(checked.out.find("ok (seed-cluster, 3 nodes, 0 faults)") != std::string::npos);

  const auto missing = run_cli_args({"import-compose", "/nonexistent/docker-compose.yml"}, dir);
  REQUIRE(missing.exit_code == 2);
  REQUIRE(count_lines(missing.err) == 1);
  REQUIRE(missing.err.find("/nonexistent/docker-compose.yml: cannot open") != std::string::npos);

  const std::string bad = dir.write("bad.yml", compose(service(1) + service(2) + service(3, "broker")));
  const auto refused = run_cli_args({"import-compose", bad}, dir);
  REQUIRE(refused.exit_code == 2);
  REQUIRE(count_lines(refused.err) == 1);
  REQUIRE(refused.err.find(bad + ": service kafka1: KAFKA_CONTROLLER_QUORUM_VOTERS") != std::string::npos);
  REQUIRE(refused.out.empty());
}

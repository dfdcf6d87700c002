// Node configuration with Kafka's keys: voters parsing, roles, and the errors that stop a
// node before the run starts.
#include <catch2/catch.hpp>

#include "broker/node/config_keys.h"
#include "broker/node/meta_properties.h"
#include "broker/node/node_config.h"
#include "broker/node/quorum_state_file.h"

using namespace kraftsim;
using namespace kraftsim::node;

TEST_CASE("controller.quorum.voters parses the seed document's string", "[node-config]") {
  auto v = parse_voters("1@kafka1:9093,2@kafka2:9093,3@kafka3:9093");
  REQUIRE(v.ok());
  REQUIRE(v->size() == 3);
  REQUIRE((*v)[1] == Voter{2, "kafka2", 9093});
}

TEST_CASE("malformed voters strings are configuration errors naming the key", "[node-config]") {
  for (const char* bad : {"", "1kafka1:9093", "1@kafka1", "x@kafka1:9093", "1@:9093", "1@kafka1:0", "1@kafka1:99999",
                          "1@a:1,1@b:2", "-1@a:1"}) {
    INFO(bad);
    auto v = parse_voters(bad);
    REQUIRE_FALSE(v.ok());
    REQUIRE(v.error().key == "controller.quorum.voters");
  }
  REQUIRE(parse_voters("1@a:1,1@b:2").error().message.find("appears twice") != std::string::npos);
}

TEST_CASE("node configuration errors: node.id, process.roles, controller outside the voters", "[node-config]") {
  const std::map<std::string, std::string> good = {
      {"node.id", "1"}, {"process.roles", "broker,controller"}, {"controller.quorum.voters", "1@kafka1:9093"}};
  REQUIRE(parse_node_config(good).ok());
  auto with = [&](const std::string& k, const std::string& v) {
    auto p = good;
    if (v.empty()) p.erase(k);
    else p[k] = v;
    return parse_node_config(p);
  };
  REQUIRE(with("node.id", "").error().key == "node.id");
  REQUIRE(with("node.id", "abc").error().key == "node.id");
  REQUIRE(with("process.roles", "zookeeper").error().key == "process.roles");
  auto not_voter = with("node.id", "2");
  REQUIRE_FALSE(not_voter.ok());
  REQUIRE(not_voter.error().message.find("not among the voters") != std::string::npos);
  // A broker-only node outside the voters is an observer: fine.
  auto observer = parse_node_config({{"node.id", "5"}, {"process.roles", "broker"}, {"controller.quorum.voters", "1@k:9093"}});
  REQUIRE(observer.ok());
  REQUIRE_FALSE(observer->is_voter());
}

TEST_CASE("config keys are typed and ranged", "[node-config]") {
  const ConfigKey* k = find_config_key("broker.session.timeout.ms");
  REQUIRE(k != nullptr);
  REQUIRE(k->default_value == "9000");
  REQUIRE(validate_config_value(*k, "9000").ok());
  REQUIRE_FALSE(validate_config_value(*k, "-1").ok());
  REQUIRE_FALSE(validate_config_value(*k, "soon").ok());
  REQUIRE_FALSE(validate_config_value(*find_config_key("unclean.leader.election.enable"), "yes").ok());
  REQUIRE(find_config_key("no.such.key") == nullptr);
}

TEST_CASE("meta.properties round-trips and rejects what Kafka rejects", "[node-config]") {
  MetaProperties m{1, "tUeiYSM4QW2qCFizw1jz8Q", 3, "O0l-HBAiRmawtFPn_H4l8w"};
  const std::string text = encode_meta_properties(m);
  REQUIRE(text.find("cluster.id=tUeiYSM4QW2qCFizw1jz8Q\n") != std::string::npos);
  REQUIRE(text.find("node.id=3\n") != std::string::npos);
  REQUIRE(text.find("version=1\n") != std::string::npos);
  auto back = decode_meta_properties(text);
  REQUIRE(back.ok());
  REQUIRE(*back == m);
  REQUIRE_FALSE(decode_meta_properties("version=0\nbroker.id=1\ncluster.id=x\n").ok());  // ZooKeeper-era
  REQUIRE_FALSE(decode_meta_properties("version=1\nnode.id=1\n").ok());
  REQUIRE_FALSE(decode_meta_properties("garbage").ok());
}

TEST_CASE("quorum-state is Kafka's QuorumStateData JSON", "[node-config]") {
  raft::QuorumStateRecord s{5, std::nullopt, 2};
  const std::string text = encode_quorum_state(s, {1, 2, 3});
  REQUIRE(text ==
          R"({"clusterId":"","leaderId":2,"leaderEpoch":5,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0})");
  auto back = decode_quorum_state(text);
  REQUIRE(back.ok());
  REQUIRE(*back == s);
  REQUIRE_FALSE(decode_quorum_state("{\"leaderEpoch\": \"five\"}").ok());
  REQUIRE_FALSE(decode_quorum_state("not json").ok());
}

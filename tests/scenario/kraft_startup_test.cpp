// Start-up checks of a KRaft node on the simulator: unformatted storage, a node formatted for
// another cluster (INCONSISTENT_CLUSTER_ID), and configuration errors caught before the run.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "sim/runner/scenario_loader.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using namespace kraftsim::testing;

TEST_CASE("a node without meta.properties refuses to start: format the storage first", "[kraft][startup]") {
  auto s = kraft_cluster(3, 0, 10'000);
  s.nodes[2].formatted = false;
  const auto r = require_all_hold(s, 1, true);
  bool refused = false;
  for (const auto& e : r.trace_events) {
    if (e.node == 3 && e.kind == trace::Kind::process && e.name == "exit-requested") {
      refused = e.string_or("reason", "").find("format the storage first") != std::string::npos;
    }
    REQUIRE_FALSE((e.node == 3 && e.kind == trace::Kind::send));  // it never joined
  }
  REQUIRE(refused);
}

TEST_CASE("a node formatted with another cluster id is rejected with INCONSISTENT_CLUSTER_ID", "[kraft][startup]") {
  auto s = kraft_cluster(3, 1, 20'000);
  s.nodes[3].format_cluster_id = "O0l-HBAiRmawtFPn_H4l8w";  // the observer (node 101)
  const auto r = require_all_hold(s, 1, true);
  int rejections = 0;
  bool fetched_anything = false;
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::send && e.int_or("to", -1) == 101 && e.string_or("error", "") == "INCONSISTENT_CLUSTER_ID") {
      ++rejections;
    }
    if (e.node == 101 && e.kind == trace::Kind::state && e.name == "raft-state" && e.string_or("role", "") == "Follower") {
      fetched_anything = true;
    }
  }
  REQUIRE(rejections > 0);
  REQUIRE_FALSE(fetched_anything);
}

TEST_CASE("configuration errors stop the scenario before it runs", "[kraft][startup]") {
  auto load = [](const std::string& cluster) {
    return runner::parse_scenario(R"({"name": "x", "duration_ms": 1000, "program": "kafka", "cluster": )" + cluster + "}",
                                  "t.json");
  };
  auto not_voter = load(R"({"controller.quorum.voters": "1@kafka1:9093", "nodes": [{"node.id": 1}, {"node.id": 2}]})");
  REQUIRE_FALSE(not_voter.ok());
  REQUIRE(not_voter.error().message.find("/cluster/nodes/1: node 2: controller.quorum.voters") != std::string::npos);
  auto malformed = load(R"({"controller.quorum.voters": "1@kafka1", "nodes": [{"node.id": 1}]})");
  REQUIRE_FALSE(malformed.ok());
  REQUIRE(malformed.error().message.find("/cluster/controller.quorum.voters") != std::string::npos);
  auto bad_id = load(R"({"cluster.id": "not-a-uuid", "nodes": [{"node.id": 1}]})");
  REQUIRE_FALSE(bad_id.ok());
  REQUIRE(bad_id.error().message.find("/cluster/cluster.id") != std::string::npos);
  auto unknown_key = load(R"({"nodes": [{"node.id": 1}], "config": {"log.florp": 1}})");
  REQUIRE_FALSE(unknown_key.ok());
  REQUIRE(unknown_key.error().message.find("/cluster/config/log.florp: unknown Kafka configuration key") != std::string::npos);
  auto duplicate = load(R"({"nodes": [{"node.id": 1}, {"node.id": 1}]})");
  REQUIRE_FALSE(duplicate.ok());
}

// BrokerLifecycleManager: a registered broker heartbeats every 10 ms while it is STARTING (the
// controller has not yet answered isCaughtUp: it has not applied its own registration record),
// asks to stay fenced (wantFence) until it has caught up and published its first image
// (BrokerServer's setReadyToUnfence), and is unfenced by the next heartbeat, not one
// broker.heartbeat.interval.ms (2 s) later.
TEST_CASE("a starting broker heartbeats every 10 ms until caught up and asks to stay fenced until then",
          "[kraft][startup]") {
  const runner::Scenario s = load_scenario("", "kraft-3-node-combined");
  const runner::RunResult r = require_all_hold(s, s.seed, true);
  struct Broker {  // one process start of it
    std::int64_t registered_us = -1, caught_up_us = -1, unfenced_us = -1, last_heartbeat_us = -1;
    std::int64_t heartbeats_before_caught_up = 0;
    bool last_heartbeat_wanted_fence = false;
  };
  std::map<NodeId, Broker> brokers;
  int unfenced = 0;  // process starts that reached unfenced
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::process && e.name == "started") brokers[e.node] = Broker{};
    Broker& b = brokers[e.node];
    INFO("broker " << e.node << " at " << e.t_us << " us");
    if (e.kind == trace::Kind::send && e.name == "BrokerHeartbeat") {
      const bool want_fence = e.find("want_fence") != nullptr;
      if (b.caught_up_us < 0) {
        REQUIRE(want_fence);  // not caught up yet: stay fenced
        if (b.last_heartbeat_us >= 0) REQUIRE(e.t_us - b.last_heartbeat_us < 100'000);  // 10 ms + a round trip
        ++b.heartbeats_before_caught_up;
      }
      b.last_heartbeat_us = e.t_us;
      b.last_heartbeat_wanted_fence = want_fence;
    } else if (e.name == "broker-lifecycle") {
      const std::string reason = e.string_or("reason", "");
      if (reason == "registered" && b.registered_us < 0) b.registered_us = e.t_us;
      if (reason == "caught up") {
        REQUIRE(b.caught_up_us < 0);  // once per process start
        b.caught_up_us = e.t_us;
      }
      if (reason == "unfenced by the controller" && b.unfenced_us < 0) {
        b.unfenced_us = e.t_us;
        REQUIRE_FALSE(b.last_heartbeat_wanted_fence);  // the heartbeat that was unfenced
        REQUIRE(b.heartbeats_before_caught_up >= 1);
        REQUIRE(b.registered_us >= 0);
        REQUIRE(b.caught_up_us >= b.registered_us);
        REQUIRE(b.unfenced_us > b.caught_up_us);
        REQUIRE(b.unfenced_us - b.caught_up_us < 100'000);  // not a heartbeat interval (2 s) later
        ++unfenced;
      }
    }
  }
  REQUIRE(unfenced >= 3);
}

// BrokerServer.startup: "Waiting for the broker to be unfenced", then "Enabling request processing"
// on the broker listener. Until then a broker answers no client or replica request: each is
// refused (a connection-refused on the broker's side), and the listener opens only after the
// controller has unfenced it. (Its controller listener serves Raft and heartbeats all along.)
TEST_CASE("a starting broker refuses client and replica requests until it is unfenced", "[kraft][startup]") {
  const runner::Scenario s = load_scenario("", "kraft-3-node-combined");
  const runner::RunResult r = require_all_hold(s, s.seed, true);
  static const std::set<std::string> kafka_responses = {
      "ProduceResponse",       "FetchResponse",           "MetadataResponse",     "ListOffsetsResponse",
      "OffsetsForLeaderEpochResponse", "InitProducerIdResponse", "FindCoordinatorResponse", "JoinGroupResponse",
      "SyncGroupResponse",     "HeartbeatResponse",       "LeaveGroupResponse",   "OffsetCommitResponse",
      "OffsetFetchResponse"};
  struct Broker {  // one process start of it
    bool unfenced = false, open = false;
    int refused = 0;
  };
  std::map<NodeId, Broker> brokers;
  int opened = 0, refused_before_open = 0;
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::process && e.name == "started") brokers[e.node] = Broker{};
    Broker& b = brokers[e.node];
    INFO("node " << e.node << " at " << e.t_us << " us: " << e.name);
    if (e.name == "broker-lifecycle" && e.string_or("reason", "") == "unfenced by the controller") b.unfenced = true;
    if (e.name == "broker-listener") {
      REQUIRE(b.unfenced);
      REQUIRE_FALSE(b.open);
      b.open = true;
      ++opened;
      refused_before_open += b.refused;
    }
    if (e.kind == trace::Kind::link && e.name == "connection-refused") {
      REQUIRE_FALSE(b.open);
      ++b.refused;
    }
    if (e.kind == trace::Kind::send && kafka_responses.contains(e.name) && e.string_or("topic", "") != "__cluster_metadata") {
      REQUIRE(b.open);
    }
  }
  REQUIRE(opened >= 3);
  REQUIRE(refused_before_open > 0);  // the replicas' first fetches came before the listener opened
}

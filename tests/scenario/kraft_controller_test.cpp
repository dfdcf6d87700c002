// The active controller on the simulator: brokers register and are unfenced; CreateTopics
// places replicas and refuses a replication factor above the broker count; a dead broker is
// fenced after broker.session.timeout.ms and its partitions get new leaders from the ISR;
// metadata snapshots let a node that fell behind the log start catch up with FetchSnapshot.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using namespace kraftsim::testing;
using runner::FaultKind;

namespace {
std::vector<trace::Event> committed_records(const runner::RunResult& r, const std::string& type) {
  std::vector<trace::Event> out;
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::state && e.name == "metadata-committed" && e.string_or("record", "") == type) {
      out.push_back(e);
    }
  }
  return out;
}
runner::TopicSpec topic(const std::string& name, int partitions, int rf) {
  runner::TopicSpec t;
  t.name = name;
  t.partitions = partitions;
  t.replication_factor = rf;
  return t;
}
std::string topic_result(const runner::RunResult& r, const std::string& name) {
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::state && e.name == "create-topic-result" && e.string_or("topic", "") == name) {
      return e.string_or("error", "");
    }
  }
  return "(no result)";
}
}  // namespace

TEST_CASE("controller: brokers register, are unfenced, and topics are created or refused", "[kraft][controller]") {
  auto s = kraft_cluster(3, 0, 20'000);
  s.topics = {topic("my-topic", 3, 3), topic("too-many-replicas", 1, 4), topic("no-partitions", 0, 1)};
  for (std::uint64_t seed = 1; seed <= seed_count(20); ++seed) {
    const auto r = require_all_hold(s, seed, true);
    INFO("seed " << seed);
    REQUIRE(committed_records(r, "RegisterBrokerRecord").size() == 3);
    REQUIRE(committed_records(r, "UnfenceBrokerRecord").size() == 3);
    REQUIRE(topic_result(r, "my-topic") == "NONE");
    REQUIRE(topic_result(r, "too-many-replicas") == "INVALID_REPLICATION_FACTOR");  // the seed's tip
    REQUIRE(topic_result(r, "no-partitions") == "INVALID_PARTITIONS");
    const auto partitions = committed_records(r, "PartitionRecord");
    REQUIRE(partitions.size() == 3);
    std::set<std::int64_t> leaders;
    for (const auto& p : partitions) leaders.insert(p.int_or("leader", -1));
    REQUIRE(leaders.size() == 3);  // leadership spread over the brokers
  }
}

TEST_CASE("controller: a dead broker is fenced after the session timeout and loses its leaderships",
          "[kraft][controller]") {
  auto s = kraft_cluster(3, 1, 40'000);
  s.topics = {topic("t", 4, 3)};
  s.faults = {fault(15'000, FaultKind::crash, runner::Target{101})};  // a broker-only node
  for (std::uint64_t seed = 1; seed <= seed_count(20); ++seed) {
    const auto r = require_all_hold(s, seed, true);
    INFO("seed " << seed);
    const auto fences = committed_records(r, "FenceBrokerRecord");
    REQUIRE(fences.size() == 1);
    REQUIRE(fences[0].int_or("broker", -1) == 101);
    // broker.session.timeout.ms = 9000 after its last heartbeat (sent at most 2 s before).
    REQUIRE(fences[0].t_us >= 15'000'000 + 9'000'000 - 2'100'000);
    REQUIRE(fences[0].t_us <= 15'000'000 + 9'000'000 + 200'000);
    // Every partition change after the crash removes 101 from the ISR and never elects it.
    for (const auto& change : committed_records(r, "PartitionChangeRecord")) {
      if (change.t_us < 15'000'000) continue;
      REQUIRE(change.string_or("isr", "").find("101") == std::string::npos);
      REQUIRE(change.int_or("leader", -2) != 101);
    }
  }
}

TEST_CASE("controller: unclean leader election only when enabled (KIP-106)", "[kraft][controller]") {
  // Three controller-only voters and two brokers; every partition lives on brokers 101 and 102.
  // 101 dies and leaves the ISR; then 102, the last ISR member, dies: no leader. When 101 comes
  // back it is not in the ISR: only unclean.leader.election.enable lets it lead.
  for (bool unclean : {false, true}) {
    auto s = kraft_cluster(3, 2, 50'000);
    for (int i = 0; i < 3; ++i) s.nodes[static_cast<std::size_t>(i)].roles = "controller";
    auto t = topic("t", 2, 2);
    if (unclean) t.config["unclean.leader.election.enable"] = "true";
    s.topics = {t};
    s.faults = {fault(10'000, FaultKind::crash, runner::Target{101}), fault(22'000, FaultKind::crash, runner::Target{102}),
                fault(34'000, FaultKind::restart, runner::Target{101})};
    for (std::uint64_t seed = 1; seed <= seed_count(10); ++seed) {
      const auto r = require_all_hold(s, seed, true);
      bool leaderless = false, elected_101_after_return = false;
      for (const auto& change : committed_records(r, "PartitionChangeRecord")) {
        if (change.int_or("leader", -2) == -1) leaderless = true;
        if (change.t_us > 34'000'000 && change.int_or("leader", -2) == 101) elected_101_after_return = true;
      }
      INFO("unclean " << unclean << " seed " << seed);
      REQUIRE(leaderless);
      REQUIRE(elected_101_after_return == unclean);
    }
  }
}

TEST_CASE("metadata snapshots: a node that fell behind the log start catches up with FetchSnapshot",
          "[kraft][controller][snapshot]") {
  auto s = kraft_cluster(3, 0, 60'000, 50);
  s.config["metadata.log.max.record.bytes.between.snapshots"] = "2000";
  s.faults = {fault(5'000, FaultKind::crash, runner::Target{3}), fault(40'000, FaultKind::restart, runner::Target{3})};
  int fetched_snapshot = 0;
  for (std::uint64_t seed = 1; seed <= seed_count(10); ++seed) {
    const auto r = require_all_hold(s, seed, true);
    bool written = false, loaded_on_3 = false, fetch_snapshot = false;
    for (const auto& e : r.trace_events) {
      written = written || (e.kind == trace::Kind::state && e.name == "metadata-snapshot-written");
      loaded_on_3 = loaded_on_3 || (e.node == 3 && e.kind == trace::Kind::state && e.name == "metadata-snapshot-loaded");
      fetch_snapshot = fetch_snapshot || (e.node == 3 && e.kind == trace::Kind::send && e.name == "FetchSnapshot");
    }
    INFO("seed " << seed);
    REQUIRE(written);
    REQUIRE(loaded_on_3);
    fetched_snapshot += fetch_snapshot ? 1 : 0;
  }
  REQUIRE(fetched_snapshot == static_cast<int>(seed_count(10)));
}

TEST_CASE("controller: NoOpRecords every metadata.max.idle.interval.ms, none when it is 0 (KIP-835)", "[kraft][controller]") {
  for (const char* interval : {"500", "0"}) {
    auto s = kraft_cluster(3, 0, 20'000, 0);
    s.config["metadata.max.idle.interval.ms"] = interval;
    const auto r = require_all_hold(s, 1, true);
    int noops = 0;
    for (const auto& e : r.trace_events) noops += e.kind == trace::Kind::timer && e.name == "metadata-noop" ? 1 : 0;
    INFO("interval " << interval);
    if (std::string(interval) == "0") REQUIRE(noops == 0);
    else REQUIRE(noops >= 30);  // about one every 500 ms once a controller is active
  }
}

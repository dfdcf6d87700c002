// The shrinker's passes against synthetic predicates, without running the simulator: delta
// debugging finds exactly the faults a failure needs, the run is cut by bisection, an undo goes
// with its fault, and removing nodes and clients keeps the faults aimed at the right clients.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/runner/kafka_cluster.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_shrinker.h"
#include "sim/runner/scenario_writer.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using runner::FaultKind;
using runner::Target;
using kraftsim::testing::fault;

namespace {

std::int64_t at_ms(const runner::FaultSpec& f) { return (f.at - Time::zero()).ms(); }

bool has_fault_at(const runner::Scenario& s, std::int64_t ms) {
  return std::any_of(s.faults.begin(), s.faults.end(), [ms](const runner::FaultSpec& f) { return at_ms(f) == ms; });
}

std::vector<std::int64_t> fault_times(const runner::Scenario& s) {
  std::vector<std::int64_t> out;
  for (const auto& f : s.faults) out.push_back(at_ms(f));
  return out;
}

// Three combined nodes, a topic with RF 1 and a producer: legal, and small enough to reason about.
runner::Scenario small_cluster(std::int64_t duration_ms) {
  runner::Scenario s = kraftsim::testing::kraft_cluster(3, 0, duration_ms, 0);
  s.name = "synthetic";
  s.topics.push_back(runner::TopicSpec{"orders", 1, 1, {}, ""});
  runner::ProducerSpec p;
  p.topic = "orders";
  s.producers.push_back(p);
  return s;
}

}  // namespace

TEST_CASE("shrinking keeps exactly the two faults a synthetic failure needs", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  // Ten faults at 1 s .. 10 s on the three nodes; the "failure" needs the ones at 3 s and 7 s.
  for (int i = 1; i <= 10; ++i) {
    s.faults.push_back(fault(i * 1000, i % 2 == 0 ? FaultKind::drop_caches : FaultKind::isolate, Target{NodeId{1 + i % 3}}));
  }
  int calls = 0;
  const runner::StillFails fails = [&calls](const runner::Scenario& c) {
    ++calls;
    // Every candidate reached the predicate through the loader: legal, and its file loads back.
    REQUIRE(runner::parse_scenario(runner::scenario_to_json(c, "").dump(), "candidate").ok());
    return has_fault_at(c, 3000) && has_fault_at(c, 7000);
  };
  runner::ShrinkOptions options;
  options.runs_max = 200;
  const runner::ShrinkResult r = runner::shrink_scenario(s, 42, fails, options);

  REQUIRE(fault_times(r.scenario) == std::vector<std::int64_t>{3000, 7000});
  REQUIRE(r.before.faults == 10);
  REQUIRE(r.after.faults == 2);
  REQUIRE(r.scenario.seed == 42);
  // The run is cut just after the last fault it needs, to the bisection's resolution.
  REQUIRE(r.scenario.duration.ms() > 7000);
  REQUIRE(r.scenario.duration.ms() <= 7000 + options.time_resolution_ms);
  // Fault 3 s isolates node 1 and fault 7 s isolates node 2: node 3 (nothing needs it) went.
  std::vector<NodeId> ids;
  for (const auto& n : r.scenario.nodes) ids.push_back(n.id);
  REQUIRE(ids == std::vector<NodeId>{1, 2});
  REQUIRE(r.scenario.producers.empty());
  REQUIRE(r.runs == calls);
  REQUIRE(!r.runs_exhausted);
  // Delta debugging, not one run per subset: far fewer runs than 2^10.
  REQUIRE(r.runs < 60);

  // The same input and answers give the same scenario, byte for byte.
  const runner::ShrinkResult again = runner::shrink_scenario(s, 42, fails, options);
  REQUIRE(runner::scenario_to_json(again.scenario, "").dump(2) == runner::scenario_to_json(r.scenario, "").dump(2));
}

TEST_CASE("shrinking stops at --max-runs with the best scenario found so far", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  for (int i = 1; i <= 10; ++i) s.faults.push_back(fault(i * 1000, FaultKind::drop_caches, Target{NodeId{1}}));
  int calls = 0;
  const runner::StillFails fails = [&calls](const runner::Scenario& c) {
    ++calls;
    return has_fault_at(c, 3000) && has_fault_at(c, 7000);
  };
  runner::ShrinkOptions options;
  options.runs_max = 5;
  const runner::ShrinkResult r = runner::shrink_scenario(s, 1, fails, options);
  REQUIRE(calls == 5);
  REQUIRE(r.runs == 5);
  REQUIRE(r.runs_exhausted);
  REQUIRE(has_fault_at(r.scenario, 3000));
  REQUIRE(has_fault_at(r.scenario, 7000));
}

TEST_CASE("an undo with nothing left to undo is dropped", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  s.faults = {fault(500, FaultKind::heal),                       // nothing to heal
              kraftsim::testing::partition(1000, {{1}, {2, 3}}),
              fault(2000, FaultKind::heal),
              fault(2500, FaultKind::heal),                      // healed already
              fault(3000, FaultKind::restart, Target{NodeId{2}}),  // node 2 is up
              fault(4000, FaultKind::crash, Target{NodeId{2}}),
              fault(5000, FaultKind::restart, Target{NodeId{2}}),
              fault(5500, FaultKind::restart, Target{NodeId{2}}),  // restarted already
              fault(6000, FaultKind::resume, Target{NodeId{3}}),   // never paused
              fault(7000, FaultKind::crash, kraftsim::testing::active_controller()),
              fault(8000, FaultKind::restart, kraftsim::testing::crashed()),
              fault(9000, FaultKind::pause, Target{NodeId{3}}),
              fault(9500, FaultKind::resume, Target{NodeId{3}}),
              fault(10'000, FaultKind::disk_full, Target{NodeId{1}}),     // the broker may halt on it
              fault(11'000, FaultKind::restart, kraftsim::testing::crashed())};
  runner::drop_orphaned_undos(s);
  REQUIRE(fault_times(s) == std::vector<std::int64_t>{1000, 2000, 4000, 5000, 7000, 8000, 9000, 9500, 10'000, 11'000});
}

TEST_CASE("removing a fault during shrinking removes its undo with it", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  s.faults = {kraftsim::testing::partition(1000, {{1}, {2, 3}}), fault(2000, FaultKind::heal),
              fault(3000, FaultKind::crash, Target{NodeId{2}}), fault(4000, FaultKind::restart, Target{NodeId{2}}),
              fault(5000, FaultKind::pause, Target{NodeId{3}}), fault(6000, FaultKind::resume, Target{NodeId{3}})};
  std::vector<std::vector<std::int64_t>> candidates;
  const runner::StillFails fails = [&candidates](const runner::Scenario& c) {
    candidates.push_back(fault_times(c));
    return has_fault_at(c, 5000);  // the pause is the failure
  };
  const runner::ShrinkResult r = runner::shrink_scenario(s, 1, fails, runner::ShrinkOptions{});
  REQUIRE(fault_times(r.scenario) == std::vector<std::int64_t>{5000});
  for (const auto& c : candidates) {
    std::string times;
    for (const auto t : c) times += std::to_string(t) + " ";
    INFO("candidate faults at " << times);
    // No candidate kept an undo whose fault was gone.
    REQUIRE((std::find(c.begin(), c.end(), 2000) == c.end() || std::find(c.begin(), c.end(), 1000) != c.end()));
    REQUIRE((std::find(c.begin(), c.end(), 4000) == c.end() || std::find(c.begin(), c.end(), 3000) != c.end()));
    REQUIRE((std::find(c.begin(), c.end(), 6000) == c.end() || std::find(c.begin(), c.end(), 5000) != c.end()));
  }
}

TEST_CASE("removing nodes and clients keeps each fault on its client", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  s.nodes.push_back(runner::NodeSpec{4, "broker,controller", true, "", {}});
  s.nodes.push_back(runner::NodeSpec{5, "broker,controller", true, "", {}});
  s.producers.push_back(s.producers.front());
  s.producers.back().records = 777;  // the client the failure needs
  runner::ConsumerSpec consumer;
  consumer.topic = "orders";
  s.consumers.push_back(consumer);
  s.faults = {fault(1000, FaultKind::crash, Target{NodeId{4}}),
              fault(2000, FaultKind::isolate, Target{runner::producer_node_id(s, 1)}),
              fault(3000, FaultKind::isolate, Target{runner::consumer_node_id(s, 0)})};
  // Fails while the producer with 777 records is isolated: the fault must follow that producer as
  // the clients before it and the highest node ids go.
  const runner::StillFails fails = [](const runner::Scenario& c) {
    for (std::size_t k = 0; k < c.producers.size(); ++k) {
      if (c.producers[k].records != 777) continue;
      for (const auto& f : c.faults) {
        if (f.kind == FaultKind::isolate && std::get<NodeId>(f.target.value) == runner::producer_node_id(c, k)) return true;
      }
    }
    return false;
  };
  const runner::ShrinkResult r = runner::shrink_scenario(s, 1, fails, runner::ShrinkOptions{});
  REQUIRE(r.scenario.nodes.size() == 1);
  REQUIRE(r.scenario.producers.size() == 1);
  REQUIRE(r.scenario.consumers.empty());
  const auto json = runner::scenario_to_json(r.scenario, "");
  REQUIRE(json["faults"].size() == 1);
  REQUIRE(json["faults"][0]["isolate"] == "producer:0");
  REQUIRE(r.before.clients == 3);
  REQUIRE(r.after.clients == 1);
}

TEST_CASE("shrinking never removes brokers below a topic's replication factor", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  s.topics.front().replication_factor = 3;
  s.faults = {fault(1000, FaultKind::drop_caches, Target{NodeId{1}})};
  // The failure needs the producer, so its topic (RF 3) stays, and with it three brokers.
  const runner::StillFails fails = [](const runner::Scenario& c) {
    REQUIRE(c.nodes.size() >= 3);
    return !c.producers.empty();
  };
  const runner::ShrinkResult r = runner::shrink_scenario(s, 1, fails, runner::ShrinkOptions{});
  REQUIRE(r.scenario.nodes.size() == 3);
  REQUIRE(r.scenario.faults.empty());  // everything else went
  REQUIRE(r.scenario.topics.size() == 1);
  REQUIRE(r.candidates_illegal > 0);  // node removals were refused, not run
}

TEST_CASE("a removed node leaves an explicit controller.quorum.voters", "[shrink]") {
  runner::Scenario s = small_cluster(20'000);
  s.voters = "1@kafka1:9093,2@kafka2:9093,3@kafka3:9093";
  std::vector<std::string> voters_seen;
  const runner::StillFails fails = [&voters_seen](const runner::Scenario& c) {
    voters_seen.push_back(c.voters);
    return std::any_of(c.nodes.begin(), c.nodes.end(), [](const runner::NodeSpec& n) { return n.id == 2; });
  };
  const runner::ShrinkResult r = runner::shrink_scenario(s, 1, fails, runner::ShrinkOptions{});
  REQUIRE(r.scenario.nodes.size() == 1);
  REQUIRE(r.scenario.nodes.front().id == 2);
  REQUIRE(r.scenario.voters == "2@kafka2:9093");
  REQUIRE(std::find(voters_seen.begin(), voters_seen.end(), "1@kafka1:9093,2@kafka2:9093") != voters_seen.end());
}

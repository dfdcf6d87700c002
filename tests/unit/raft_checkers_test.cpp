// Each Raft checker must be able to fail. The mutation tests (tests/scenario/
// kraft_mutation_test.cpp) break the protocol for raft-committed-consistent and raft-hw-monotonic
// end to end; here every checker is fed a history that breaks its invariant and must report it
// with evidence, and a history that keeps it and must hold.
#include <catch2/catch.hpp>

#include "sim/check/end_of_run.h"
#include "sim/check/raft_checkers.h"
#include "sim/check/liveness_after_heal.h"
#include "sim/check/raft_liveness.h"
#include "tests/support/checker_events.h"
#include "tests/support/partition_view.h"

using namespace kraftsim;
using namespace kraftsim::check;
using kraftsim::testing::state;

namespace {

class NoNodes final : public ClusterView {
 public:
  std::vector<NodeId> voters() const override { return {1, 2, 3}; }
  std::vector<NodeId> nodes() const override { return {1, 2, 3}; }
  const raft::QuorumCore* quorum(NodeId) const override { return nullptr; }
  bool link_up(NodeId, NodeId) const override { return true; }
};

Checker& find(std::vector<std::unique_ptr<Checker>>& checkers, std::string_view id) {
  for (auto& c : checkers) {
    if (c->id() == id) return *c;
  }
  FAIL("no checker " << id);
  return *checkers.front();
}

// A node's raft-state as the Leader of `epoch`, publishing `high_watermark`.
kraftsim::testing::FedEvent leader_hw(std::int64_t t_ms, NodeId node, std::int64_t epoch, std::int64_t high_watermark) {
  return state(t_ms, node, "raft-state", {{"role", "Leader"}, {"epoch", epoch}, {"high_watermark", high_watermark}});
}

}  // namespace

TEST_CASE("single-controller-per-epoch reports two leaders in one epoch", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "single-controller-per-epoch");
  c.on_event(state(1, 1, "quorum-state-durable", {{"epoch", 5}, {"voted_id", 1}, {"leader_id", 1}}));
  c.on_event(state(2, 2, "quorum-state-durable", {{"epoch", 5}, {"voted_id", 1}, {"leader_id", 1}}));
  REQUIRE_FALSE(c.violation());
  c.on_event(leader_hw(3, 3, 5, -1));
  REQUIRE(c.violation());
  REQUIRE(c.violation()->detail.find("epoch 5 has two leaders") != std::string::npos);
}

TEST_CASE("raft-epoch-monotonic reports a durable epoch going back", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "raft-epoch-monotonic");
  c.on_event(state(1, 2, "quorum-state-durable", {{"epoch", 7}}));
  c.on_event(state(2, 2, "raft-recovered", {{"epoch", 7}}));
  REQUIRE_FALSE(c.violation());
  c.on_event(state(3, 2, "raft-recovered", {{"epoch", 6}}));  // a restart that forgot an epoch
  REQUIRE(c.violation());
  // A replaced disk starts a new history.
  auto fresh = make_raft_checkers(view);
  Checker& d = find(fresh, "raft-epoch-monotonic");
  d.on_event(state(1, 2, "quorum-state-durable", {{"epoch", 7}}));
  d.on_event(trace::EventRef{0, 2000, 2, trace::Kind::disk, "disk-replaced", {}});
  d.on_event(state(3, 2, "raft-recovered", {{"epoch", 0}}));
  REQUIRE_FALSE(d.violation());
}

TEST_CASE("raft-hw-monotonic reports a leader publishing a lower high watermark", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "raft-hw-monotonic");
  c.on_event(leader_hw(1, 1, 1, 10));
  c.on_event(leader_hw(2, 2, 2, 10));
  REQUIRE_FALSE(c.violation());
  c.on_event(leader_hw(3, 3, 3, 8));
  REQUIRE(c.violation());
}

// A leader of an older epoch that was paused publishes, when it resumes, what its own epoch's
// fetches committed: lower than the newer epoch's leader, in real time after it, and no
// regression (explore seed 1590 under modern defaults). Below its own earlier value it is one.
TEST_CASE("raft-hw-monotonic orders by epoch: a resumed stale leader may publish below a newer epoch", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "raft-hw-monotonic");
  c.on_event(leader_hw(1, 3, 1, 50));
  c.on_event(leader_hw(2, 4, 2, 61));
  c.on_event(leader_hw(3, 3, 1, 59));
  REQUIRE_FALSE(c.violation());
  c.on_event(leader_hw(4, 3, 1, 55));
  REQUIRE(c.violation());
  REQUIRE(c.violation()->detail.find("below 59 published by leader 3 of epoch 1") != std::string::npos);
}

TEST_CASE("raft-majority-reached-hw reports a high watermark no majority has flushed", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "raft-majority-reached-hw");
  c.on_event(state(1, 1, "raft-flushed", {{"end_offset", 10}}));
  c.on_event(state(1, 2, "raft-flushed", {{"end_offset", 10}}));
  c.on_event(leader_hw(2, 1, 1, 10));
  REQUIRE_FALSE(c.violation());
  c.on_event(state(3, 1, "raft-flushed", {{"end_offset", 12}}));
  c.on_event(leader_hw(4, 1, 1, 12));
  REQUIRE(c.violation());
  REQUIRE(c.violation()->detail.find("only 1 of 3 voters") != std::string::npos);
}

TEST_CASE("raft-committed-consistent reports different snapshots of the same offset", "[checks][raft-checkers]") {
  NoNodes view;
  auto checkers = make_raft_checkers(view);
  Checker& c = find(checkers, "raft-committed-consistent");
  c.on_event(state(1, 1, "metadata-snapshot-written", {{"end_offset", 100}, {"digest", 42}}));
  c.on_event(state(2, 2, "metadata-snapshot-written", {{"end_offset", 100}, {"digest", 42}}));
  REQUIRE_FALSE(c.violation());
  c.on_event(state(3, 3, "metadata-snapshot-written", {{"end_offset", 100}, {"digest", 43}}));
  REQUIRE(c.violation());
}


// liveness-after-heal keeps a window of each producer's pending sends (docs/PERFORMANCE.md): a
// send completed out of order must not hide an older one still pending, and the evidence names
// the oldest pending send of the first producer that has one.
TEST_CASE("liveness-after-heal names the oldest send still pending when sends complete out of order", "[checks][liveness]") {
  NoNodes view;
  const auto send = [](std::int64_t t_ms, NodeId producer, const char* type, std::int64_t id) {
    return state(t_ms, producer, "history",
                 {{"process", producer}, {"type", type}, {"f", "send"}, {"id", id}, {"topic", "orders"},
                  {"partition", 0}, {"offset", id}});
  };
  const auto run = [&](bool complete_all) {
    auto c = make_liveness_after_heal_checker(view, 10'000);  // the quiet phase starts at 10 ms
    for (std::int64_t id = 0; id < 4; ++id) c->on_event(send(1, 8, "invoke", id));
    for (std::int64_t id = 0; id < 3; ++id) c->on_event(send(2, 9, "invoke", id));
    c->on_event(send(3, 8, "ok", 2));  // out of order: 0 and 1 still pending
    c->on_event(send(3, 8, "ok", 0));
    c->on_event(send(4, 8, "ok", 3));
    for (std::int64_t id = 0; id < 3; ++id) c->on_event(send(4, 9, "fail", id));
    c->on_event(send(11, 8, "invoke", 4));  // in the quiet phase: not judged
    if (complete_all) c->on_event(send(12, 8, "ok", 1));
    c->on_end(20'000);
    REQUIRE(c->violation());  // no controller runs in this view either
    return c->violation()->detail;
  };
  const std::string pending = run(false);
  INFO(pending);
  REQUIRE(pending.find("1 send(s) invoked before the quiet phase never completed (first: producer 8 send 1 invoked at 1 ms)") !=
          std::string::npos);
  const std::string done = run(true);
  INFO(done);
  REQUIRE(done.find("never completed") == std::string::npos);
  REQUIRE(done.find("no controller is running") != std::string::npos);
}

// A producer's completion stands for a run of sends (ProducerBatch.done fires a batch's callbacks
// together): the checker must complete every send of the run, and only those, and count the
// acknowledged offsets up to the run's last one.
TEST_CASE("liveness-after-heal completes every send of a completion's run, and only those", "[checks][liveness]") {
  NoNodes view;
  const auto completion = [](std::int64_t t_ms, const char* type, std::int64_t id, std::int64_t count) {
    return state(t_ms, 8, "history",
                 {{"process", 8}, {"type", type}, {"f", "send"}, {"id", id}, {"count", count}, {"topic", "orders"},
                  {"partition", 0}, {"offset", 100 + id}});
  };
  const auto invoke = [](std::int64_t t_ms, std::int64_t id) {
    return state(t_ms, 8, "history", {{"process", 8}, {"type", "invoke"}, {"f", "send"}, {"id", id}, {"topic", "orders"}});
  };
  auto c = make_liveness_after_heal_checker(view, 10'000);
  for (std::int64_t id = 0; id < 10; ++id) c->on_event(invoke(1, id));
  c->on_event(completion(2, "ok", 0, 4));     // sends 0..3 at offsets 100..103
  c->on_event(completion(3, "fail", 5, 4));   // sends 5..8: send 4 and 9 still pending
  c->on_event(completion(4, "ok", 9, 1'000'000'000'000));  // a count past the sends: only 9 completes
  c->on_end(20'000);
  REQUIRE(c->violation());
  const std::string detail = c->violation()->detail;
  INFO(detail);
  REQUIRE(detail.find("1 send(s) invoked before the quiet phase never completed (first: producer 8 send 4 invoked at 1 ms)") !=
          std::string::npos);
}

// liveness-after-heal's partition part runs in the end-of-run pass (check::finish_run): a
// partition whose last leader (from partition-state) is not running as leader in that epoch is
// named; one whose leader is running and in its ISR is not.
namespace {
// Broker 2 hosts orders-0 in leader epoch 3, leading it or not.
kraftsim::testing::OrdersZeroView one_replica(bool leads) {
  PartitionReplicaView v;
  v.node = 2;
  v.leader = leads;
  v.leader_epoch = 3;
  std::vector<PartitionReplicaView> replicas;
  replicas.push_back(std::move(v));
  return kraftsim::testing::OrdersZeroView({1, 2, 3}, std::move(replicas));
}
}  // namespace

TEST_CASE("liveness-after-heal names a partition whose last leader is not running as leader at the end",
          "[checks][liveness]") {
  const auto run = [](bool leads) {
    const auto view = one_replica(leads);
    auto c = make_liveness_after_heal_checker(view, 10'000);
    c->on_event(state(1, 2, "partition-state",
                      {{"topic", "orders"}, {"partition", 0}, {"role", "Leader"}, {"leader_epoch", 3}, {"isr", "2,3"}}));
    Checker* const checkers[] = {c.get()};
    finish_run(checkers, view, 20'000);
    REQUIRE(c->violation());  // no controller runs in this view
    return c->violation()->detail;
  };
  const std::string stopped = run(false);
  INFO(stopped);
  REQUIRE(stopped.find("orders-0 has no running leader in its ISR (last leader 2 in epoch 3, ISR [2,3])") != std::string::npos);
  const std::string led = run(true);
  INFO(led);
  REQUIRE(led.find("has no running leader") == std::string::npos);
}

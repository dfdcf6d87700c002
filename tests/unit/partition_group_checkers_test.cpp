// single-partition-leader-per-epoch, partition-hw-monotonic and committed-offset-monotonic fed
// histories by hand: what each lets through (what Kafka allows) and what it reports, with the
// evidence. tests/scenario/checker_switches_test.cpp shows them failing end to end.
#include <catch2/catch.hpp>

#include "sim/check/group_checkers.h"
#include "sim/check/partition_checkers.h"
#include "tests/support/checker_events.h"

using namespace kraftsim;
using kraftsim::testing::event_at;
using kraftsim::testing::FedEvent;
using kraftsim::testing::state;

namespace {

FedEvent leader(std::int64_t t_ms, NodeId node, std::int64_t epoch, std::int64_t hw, std::int64_t log_end) {
  return state(t_ms, node, "partition-state",
               {{"topic", "orders"}, {"partition", 0}, {"role", "Leader"}, {"leader", node}, {"leader_epoch", epoch},
                {"high_watermark", hw}, {"log_end_offset", log_end}});
}

FedEvent follower(std::int64_t t_ms, NodeId node, NodeId leader_id, std::int64_t epoch, std::int64_t hw) {
  return state(t_ms, node, "partition-state",
               {{"topic", "orders"}, {"partition", 0}, {"role", "Follower"}, {"leader", leader_id},
                {"leader_epoch", epoch}, {"high_watermark", hw}, {"log_end_offset", hw}});
}

FedEvent commit(std::int64_t t_ms, const char* member, std::int64_t offset) {
  return state(t_ms, 2, "offset-commit",
               {{"group", "billing"}, {"member", member}, {"generation", 3}, {"topic", "orders"}, {"partition", 0},
                {"offset", offset}});
}

}  // namespace

TEST_CASE("single-partition-leader-per-epoch reports a second leader of an epoch once, with both brokers", "[checks]") {
  auto c = check::make_single_partition_leader_checker();
  c->on_event(leader(1, 1, 4, 10, 10));
  c->on_event(leader(2, 1, 4, 12, 12));  // the same leader moving its high watermark
  c->on_event(leader(3, 2, 5, 12, 12));  // a new leader, a new epoch
  REQUIRE_FALSE(c->violation());
  c->on_event(leader(4, 3, 5, 12, 12));
  c->on_event(leader(5, 3, 5, 13, 13));
  REQUIRE(c->violations() == 1);
  REQUIRE(c->violation()->detail == "orders-0 leader epoch 5: broker 2 acted as leader from 3 ms and broker 3 at 4 ms");
}

TEST_CASE("partition-hw-monotonic lets a new leader start lower but not lose committed offsets", "[checks]") {
  auto c = check::make_partition_hw_monotonic_checker();
  c->on_event(leader(1, 1, 0, 100, 120));
  c->on_event(follower(1, 2, 1, 0, 90));
  // Broker 1 crashes; broker 2 leads with its lagging copy of the high watermark (90) but a log
  // that reaches 100: Kafka allows it.
  c->on_event(event_at(2, 1, trace::Kind::process, "crashed"));
  c->on_event(leader(3, 2, 1, 90, 110));
  c->on_event(leader(4, 2, 1, 110, 110));
  // Broker 1 comes back and leads again later with a lower high watermark from its checkpoint:
  // a new tenure (a new process), its log still reaching 110.
  c->on_event(event_at(5, 1, trace::Kind::process, "started"));
  c->on_event(follower(6, 2, 1, 1, 110));  // broker 2 steps down
  c->on_event(leader(6, 1, 2, 50, 115));
  REQUIRE_FALSE(c->violation());
  REQUIRE(c->observations() == 4);

  SECTION("a leader lowering its own high watermark") {
    c->on_event(leader(7, 1, 2, 40, 115));
    REQUIRE(c->violation());
    REQUIRE(c->violation()->detail ==
            "orders-0: leader 1 lowered its high watermark from 50 (epoch 2, at 6 ms) to 40 (epoch 2, at 7 ms) while leading");
  }
  SECTION("a new leader whose log ends below a published high watermark") {
    c->on_event(follower(7, 1, 3, 3, 110));
    c->on_event(leader(7, 3, 3, 60, 105));
    REQUIRE(c->violation());
    REQUIRE(c->violation()->detail ==
            "orders-0: broker 3 became leader of epoch 3 at 7 ms with log end 105, below high watermark 110 published "
            "by leader 2 of epoch 1 at 4 ms: offsets 105..109 were committed and are gone");
    // Reported once: from here on the new leader's log is the partition's history.
    c->on_event(event_at(8, 3, trace::Kind::process, "crashed"));
    c->on_event(leader(9, 1, 4, 60, 105));
    REQUIRE(c->violations() == 1);
  }
}

TEST_CASE("partition-hw-monotonic holds a new leader to the high watermarks of its epoch and earlier ones", "[checks]") {
  // explore seed 125559: broker 1 restarts, replays its metadata log up to the high watermark its
  // first fetch taught it (capped at its log end) and briefly leads orders-0 in epoch 0, the
  // epoch it led before the crash, although broker 2 leads epoch 1 by then.
  auto c = check::make_partition_hw_monotonic_checker();
  c->on_event(leader(1, 1, 0, 24, 41));
  c->on_event(event_at(2, 1, trace::Kind::process, "crashed"));
  c->on_event(leader(3, 2, 1, 24, 60));
  c->on_event(leader(4, 2, 1, 103, 103));
  c->on_event(event_at(5, 1, trace::Kind::process, "started"));

  SECTION("a stale leader of an older epoch is not held to a later epoch's high watermark") {
    c->on_event(leader(6, 1, 0, 24, 41));
    c->on_event(follower(7, 1, 2, 1, 24));  // the next metadata records make it follow broker 2
    REQUIRE_FALSE(c->violation());
  }
  SECTION("a leader of its old epoch whose log lost what it published in that epoch") {
    c->on_event(leader(6, 1, 0, 20, 23));
    REQUIRE(c->violation());
    REQUIRE(c->violation()->detail ==
            "orders-0: broker 1 became leader of epoch 0 at 6 ms with log end 23, below high watermark 24 published "
            "by leader 1 of epoch 0 at 1 ms: offsets 23..23 were committed and are gone");
  }
  SECTION("a leader of a later epoch is held to every earlier epoch's high watermark") {
    c->on_event(follower(6, 2, 3, 2, 103));
    c->on_event(leader(6, 3, 2, 90, 100));
    REQUIRE(c->violation());
    REQUIRE(c->violation()->detail ==
            "orders-0: broker 3 became leader of epoch 2 at 6 ms with log end 100, below high watermark 103 published "
            "by leader 2 of epoch 1 at 4 ms: offsets 100..102 were committed and are gone");
  }
}

TEST_CASE("partition-hw-monotonic counts a restarted broker's leadership from when its listener opens", "[checks]") {
  // tests/regressions/power-loss-restart-before-unfenced.json: broker 1 loses power while leading
  // epoch 0 and restarts inside its old session; its first image names it leader of epoch 0 with
  // an emptied log, but its broker listener opens only once it is unfenced.
  auto c = check::make_partition_hw_monotonic_checker();
  c->on_event(leader(1, 1, 0, 70, 70));
  c->on_event(event_at(2, 1, trace::Kind::process, "power-lost"));
  c->on_event(event_at(3, 1, trace::Kind::process, "started"));
  c->on_event(state(3, 1, "broker-lifecycle", {{"state", "registering"}, {"broker_epoch", -1}, {"reason", "started"}}));
  c->on_event(leader(4, 1, 0, 0, 0));  // unreachable: no listener

  SECTION("the controller moved the partition before the listener opened: nothing to report") {
    c->on_event(leader(9, 2, 1, 70, 70));
    c->on_event(follower(9, 1, 2, 1, 0));
    c->on_event(state(10, 1, "broker-listener", {{"state", "open"}, {"reason", "unfenced"}}));
    REQUIRE_FALSE(c->violation());
  }
  SECTION("still leading with the emptied log when the listener opens: committed offsets are gone") {
    c->on_event(state(10, 1, "broker-listener", {{"state", "open"}, {"reason", "unfenced"}}));
    REQUIRE(c->violation());
    REQUIRE(c->violation()->detail ==
            "orders-0: broker 1 became leader of epoch 0 at 10 ms with log end 0, below high watermark 70 published "
            "by leader 1 of epoch 0 at 1 ms: offsets 0..69 were committed and are gone");
  }
}

TEST_CASE("committed-offset-monotonic reports a lower commit unless the member's consumer reset its position", "[checks]") {
  auto c = check::make_committed_offset_monotonic_checker();
  c->on_event(state(1, 1001, "group-joined", {{"group", "billing"}, {"member", "m1"}, {"generation", 3}}));
  c->on_event(state(1, 1002, "group-joined", {{"group", "billing"}, {"member", "m2"}, {"generation", 3}}));
  c->on_event(commit(2, "m1", 50));
  c->on_event(commit(3, "m1", 50));  // the same position again
  // m1's position was out of range (an unclean election truncated the log): reset to latest.
  c->on_event(state(4, 1001, "consumer-position", {{"topic", "orders"}, {"partition", 0}, {"offset", 20}, {"reset", "latest"}}));
  c->on_event(commit(5, "m1", 20));
  REQUIRE_FALSE(c->violation());
  // A consumer-position from a committed offset is no reset; m2 never reset at all.
  c->on_event(state(6, 1002, "consumer-position", {{"topic", "orders"}, {"partition", 0}, {"offset", 5}, {"reset", "committed"}}));
  c->on_event(commit(7, "m2", 5));
  REQUIRE(c->violations() == 1);
  REQUIRE(c->violation()->detail ==
          "group billing orders-0: coordinator 2 accepted offset 5 from member m2 (node 1002, last joined generation 3) "
          "at 7 ms (group generation 3), below offset 20 it accepted from member m1 at 5 ms (generation 3)");
  // The reset of m1 at 4 ms does not excuse a later lower commit of m1's either.
  c->on_event(commit(8, "m1", 30));
  c->on_event(commit(9, "m1", 25));
  REQUIRE(c->violations() == 2);
  REQUIRE(c->observations() == 6);
}

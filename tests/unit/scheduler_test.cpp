// Scheduler: (time, sequence) order, cancellation, run-loop stop conditions.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <vector>

#include "sim/core/scheduler.h"

using namespace kraftsim;
using kraftsim::sim::Scheduler;
using kraftsim::sim::StopReason;

TEST_CASE("scheduler runs events in time order, ties in insertion order", "[scheduler]") {
  Scheduler s;
  std::vector<int> order;
  s.schedule_at(Time::from_us(30), [&] { order.push_back(3); });
  s.schedule_at(Time::from_us(10), [&] { order.push_back(1); });
  s.schedule_at(Time::from_us(20), [&] { order.push_back(21); });
  s.schedule_at(Time::from_us(20), [&] { order.push_back(22); });
  REQUIRE(s.run_until(Time::max()) == StopReason::no_more_events);
  REQUIRE(order == std::vector<int>{1, 21, 22, 3});
  REQUIRE(s.now() == Time::from_us(30));
  REQUIRE(s.events_dispatched() == 4);
}

TEST_CASE("a cancelled event never runs and its slot is reused safely", "[scheduler]") {
  Scheduler s;
  int ran = 0;
  auto a = s.schedule_at(Time::from_us(5), [&] { ran += 1; });
  REQUIRE(s.is_pending(a));
  REQUIRE(s.cancel(a));
  REQUIRE_FALSE(s.cancel(a));
  REQUIRE_FALSE(s.is_pending(a));
  auto b = s.schedule_at(Time::from_us(5), [&] { ran += 10; });
  REQUIRE(b.slot == a.slot);  // slot reused, generation differs
  REQUIRE_FALSE(s.cancel(a));  // the old id does not cancel the new event
  s.run_until(Time::max());
  REQUIRE(ran == 10);
}

TEST_CASE("run_until stops at the time and sets now, leaving later events pending", "[scheduler]") {
  Scheduler s;
  int ran = 0;
  s.schedule_at(Time::from_us(100), [&] { ++ran; });
  s.schedule_at(Time::from_us(200), [&] { ++ran; });
  REQUIRE(s.run_until(Time::from_us(150)) == StopReason::time_reached);
  REQUIRE(ran == 1);
  REQUIRE(s.now() == Time::from_us(150));
  REQUIRE(s.pending_count() == 1);
}

TEST_CASE("run stops when the predicate holds and when the event budget is spent", "[scheduler]") {
  Scheduler s;
  int count = 0;
  std::function<void()> tick = [&] {
    ++count;
    s.schedule_after(microseconds(1), [&] { tick(); });
  };
  s.schedule_at(Time::zero(), [&] { tick(); });
  REQUIRE(s.run(Time::max(), UINT64_MAX, [&] { return count == 7; }) == StopReason::predicate_held);
  REQUIRE(count == 7);
  REQUIRE(s.run(Time::max(), 5, [] { return false; }) == StopReason::budget_exhausted);
  REQUIRE(count == 12);
}

TEST_CASE("many cancellations are compacted away without losing live events", "[scheduler]") {
  Scheduler s;
  int ran = 0;
  for (int round = 0; round < 50; ++round) {
    std::vector<sim::EventId> ids;
    for (int i = 0; i < 1000; ++i) ids.push_back(s.schedule_after(seconds(10), [&] { ran += 1000; }));
    for (auto id : ids) REQUIRE(s.cancel(id));
  }
  s.schedule_after(seconds(1), [&] { ran += 1; });
  REQUIRE(s.pending_count() == 1);
  s.run_until(Time::max());
  REQUIRE(ran == 1);
}

TEST_CASE("property: the scheduler never runs events out of (time, sequence) order", "[scheduler][property]") {
  rc::prop("random schedules and cancels dispatch in order", [](const std::vector<std::pair<std::uint16_t, bool>>& ops) {
    Scheduler s;
    struct Seen { std::int64_t at; std::size_t index; };
    std::vector<Seen> seen;
    std::vector<sim::EventId> ids;
    std::vector<bool> cancelled(ops.size(), false);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const std::int64_t at = ops[i].first % 50;  // many ties on purpose
      ids.push_back(s.schedule_at(Time::from_us(at), [&seen, at, i] { seen.push_back({at, i}); }));
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].second) {
        RC_ASSERT(s.cancel(ids[i]));
        cancelled[i] = true;
      }
    }
    s.run_until(Time::max());
    std::size_t expected_count = 0;
    for (bool c : cancelled) expected_count += c ? 0 : 1;
    RC_ASSERT(seen.size() == expected_count);
    for (std::size_t k = 0; k < seen.size(); ++k) {
      RC_ASSERT(!cancelled[seen[k].index]);
      if (k > 0) {
        RC_ASSERT(seen[k - 1].at <= seen[k].at);
        if (seen[k - 1].at == seen[k].at) RC_ASSERT(seen[k - 1].index < seen[k].index);
      }
    }
  });
}

// replicas-consistent-below-hw walks the final leader's log and each follower's in step. Where
// both views point at the very same entries (a batch both replicas hold byte for byte, decoded
// once for both), it passes the shared stretch whole instead of entry by entry: the verdict, its
// evidence and the count of observations must be those of comparing every entry, when the
// stretch ends at a run's end, at the high watermark, or at a follower's shorter log.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "sim/check/end_of_run.h"
#include "sim/check/replication_checkers.h"
#include "tests/support/checker_events.h"
#include "tests/support/partition_view.h"

using namespace kraftsim;
using namespace kraftsim::check;
using kraftsim::testing::state;

namespace {

struct Verdict {
  std::uint64_t observations = 0;
  std::string detail;  // empty when it held
  bool operator==(const Verdict&) const = default;
};

// Two batches of 10 records at offsets 0..9 and 10..19, in one arena. The leader (node 1) holds
// both; the follower (node 2) holds them up to `follower_end`, as the very same entries when
// `shared`, else as copies of its own, with offset `differ_at` holding another value (-1: none).
Verdict judge(bool shared, std::int64_t leader_hw, std::int64_t follower_end, std::int64_t differ_at) {
  auto arena = std::make_shared<ValueArena>();
  const auto batch = [&](std::int64_t base) {
    ValueArena::Entry* entries = arena->entries(10);
    for (std::int64_t i = 0; i < 10; ++i) entries[i] = {base + i, arena->keep_producer_value(9, base + i, 200)};
    return OffsetValues::Run(entries, 10);
  };
  const OffsetValues::Run runs[] = {batch(0), batch(10)};
  PartitionReplicaView leader;
  leader.node = 1;
  leader.leader = true;
  leader.leader_epoch = 4;
  leader.high_watermark = leader_hw;
  leader.log_end_offset = 20;
  leader.values.share(arena);
  for (const auto& run : runs) leader.values.add_run(run);
  PartitionReplicaView follower;
  follower.node = 2;
  follower.leader_epoch = 4;
  follower.high_watermark = leader_hw;
  follower.log_end_offset = follower_end;
  follower.values.share(arena);
  for (const auto& run : runs) {
    std::size_t below_end = 0;
    while (below_end < run.size() && run[below_end].first < follower_end) ++below_end;
    if (shared && (differ_at < run.front().first || differ_at > run.back().first)) {
      follower.values.add_run(run.first(below_end));
      continue;
    }
    ValueArena::Entry* copy = arena->entries(run.size());
    for (std::size_t i = 0; i < below_end; ++i) {
      copy[i] = run[i];
      if (run[i].first == differ_at) copy[i].second = arena->keep_producer_value(9, 1000, 200);
    }
    follower.values.add_run(OffsetValues::Run(copy, below_end));
  }
  std::vector<PartitionReplicaView> replicas;
  replicas.push_back(std::move(leader));
  replicas.push_back(std::move(follower));
  const kraftsim::testing::OrdersZeroView view({1, 2}, std::move(replicas));
  auto checker = make_replicas_consistent_checker();
  checker->on_event(state(1, 1, "partition-state", {{"topic", "orders"}, {"partition", 0}, {"role", "Leader"}}));
  Checker* const checkers[] = {checker.get()};
  finish_run(checkers, view, 5000);
  return Verdict{checker->observations(), checker->violation() ? checker->violation()->detail : ""};
}

}  // namespace

TEST_CASE("replicas-consistent passes entries both replicas share whole, with the verdict and count of comparing each", "[check]") {
  struct Case {
    std::int64_t leader_hw, follower_end, differ_at;
    std::uint64_t observations;
  };
  const Case cases[] = {
      {20, 20, -1, 20},  // both batches shared, the whole log
      {15, 20, -1, 15},  // the high watermark cuts the second batch
      {20, 13, -1, 13},  // the follower's log ends inside the second batch
      {20, 20, 15, 16},  // the second batch differs at 15: the first is passed whole, then 10..15
      {7, 20, 3, 4},     // a difference below the high watermark in the first batch
      {3, 20, 5, 3},     // a difference above the high watermark is not the checker's
  };
  for (const Case& c : cases) {
    INFO("hw " << c.leader_hw << ", follower end " << c.follower_end << ", differ at " << c.differ_at);
    const Verdict copied = judge(false, c.leader_hw, c.follower_end, c.differ_at);
    const Verdict shared = judge(true, c.leader_hw, c.follower_end, c.differ_at);
    REQUIRE(shared == copied);
    REQUIRE(shared.observations == c.observations);
    const bool differs = c.differ_at >= 0 && c.differ_at < std::min(c.leader_hw, c.follower_end);
    REQUIRE(shared.detail.empty() == !differs);
    if (differs) REQUIRE(shared.detail.find("offset " + std::to_string(c.differ_at) + ":") != std::string::npos);
  }
}

// Google Benchmark view of the kernel figures: scheduler dispatch with 10,000 pending timers
// next to a bare std::priority_queue loop. `kraftsim bench kernel` prints the same comparison
// with the ratio; docs/PERFORMANCE.md records it.
#include <benchmark/benchmark.h>

#include <functional>
#include <queue>
#include <vector>

#include "base/random.h"
#include "sim/core/scheduler.h"

using namespace kraftsim;

namespace {

constexpr std::uint64_t pending_timers = 10'000;

struct Entry {
  std::int64_t at_us;
  std::uint64_t sequence;
  bool operator>(const Entry& o) const { return at_us != o.at_us ? at_us > o.at_us : sequence > o.sequence; }
};

void BM_BarePriorityQueue(benchmark::State& state) {
  Rng rng(42);
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  std::uint64_t sequence = 0;
  for (std::uint64_t i = 0; i < pending_timers; ++i) queue.push({static_cast<std::int64_t>(1 + rng.below(1000)), sequence++});
  for (auto _ : state) {
    const Entry top = queue.top();
    queue.pop();
    queue.push({top.at_us + static_cast<std::int64_t>(1 + rng.below(1000)), sequence++});
    benchmark::DoNotOptimize(top);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BarePriorityQueue);

struct Loop {
  sim::Scheduler scheduler;
  Rng rng{42};
  void arm() { scheduler.schedule_after(microseconds(static_cast<std::int64_t>(1 + rng.below(1000))), [this] { arm(); }); }
};

void BM_SchedulerDispatch(benchmark::State& state) {
  Loop loop;
  for (std::uint64_t i = 0; i < pending_timers; ++i) loop.arm();
  for (auto _ : state) benchmark::DoNotOptimize(loop.scheduler.step());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SchedulerDispatch);

void BM_SchedulerCancelAndRearm(benchmark::State& state) {
  // The common protocol pattern: a timeout reset on every message (election/fetch timers).
  sim::Scheduler scheduler;
  Rng rng(7);
  std::vector<sim::EventId> timers;
  for (std::uint64_t i = 0; i < pending_timers; ++i) timers.push_back(scheduler.schedule_after(seconds(1), [] {}));
  std::size_t i = 0;
  for (auto _ : state) {
    scheduler.cancel(timers[i]);
    timers[i] = scheduler.schedule_after(seconds(1) + microseconds(static_cast<std::int64_t>(rng.below(1000))), [] {});
    i = (i + 1) % timers.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SchedulerCancelAndRearm);

}  // namespace

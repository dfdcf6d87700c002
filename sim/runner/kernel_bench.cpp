// The kernel benchmark (see kernel_bench.h). Both loops draw the same delays from the same
// generator, so they do the same ordering work; the best of the repetitions is reported.
#include "sim/runner/kernel_bench.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <queue>
#include <vector>

#include "base/assert.h"
#include "base/random.h"
#include "sim/core/scheduler.h"

namespace kraftsim::runner {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Delays in [1, 1000] us, drawn from the project's generator.
struct DelaySource {
  Rng rng{42};
  std::int64_t next() { return 1 + static_cast<std::int64_t>(rng.below(1000)); }
};

struct BareEntry {
  std::int64_t at_us;
  std::uint64_t sequence;
  bool operator>(const BareEntry& o) const {
    return at_us != o.at_us ? at_us > o.at_us : sequence > o.sequence;
  }
};

std::uint64_t run_bare(std::uint64_t pending, std::uint64_t events, double& seconds) {
  DelaySource delays;
  std::priority_queue<BareEntry, std::vector<BareEntry>, std::greater<>> queue;
  std::uint64_t sequence = 0;
  for (std::uint64_t i = 0; i < pending; ++i) queue.push({delays.next(), sequence++});
  std::uint64_t checksum = 0;
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < events; ++i) {
    const BareEntry top = queue.top();
    queue.pop();
    checksum += static_cast<std::uint64_t>(top.at_us);
    queue.push({top.at_us + delays.next(), sequence++});
  }
  seconds = seconds_since(start);
  return checksum;
}

struct SchedulerLoop {
  sim::Scheduler scheduler;
  DelaySource delays;
  std::uint64_t checksum = 0;
  void arm() {
    scheduler.schedule_after(microseconds(delays.next()), [this] { fire(); });
  }
  void fire() {
    checksum += static_cast<std::uint64_t>(scheduler.now().us());
    arm();
  }
};

std::uint64_t run_scheduler(std::uint64_t pending, std::uint64_t events, double& seconds) {
  SchedulerLoop loop;
  for (std::uint64_t i = 0; i < pending; ++i) loop.arm();
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < events; ++i) {
    const bool ran = loop.scheduler.step();
    KS_ASSERT(ran);
  }
  seconds = seconds_since(start);
  KS_ASSERT(loop.scheduler.pending_count() == pending);
  return loop.checksum;
}

}  // namespace

KernelBenchResult bench_kernel(std::uint64_t pending_timers, std::uint64_t events, int repetitions) {
  KS_ASSERT(pending_timers > 0 && events > 0 && repetitions > 0);
  KernelBenchResult r;
  r.pending_timers = pending_timers;
  r.events = events;
  double best_bare = 1e300, best_scheduler = 1e300;
  for (int i = 0; i < repetitions; ++i) {
    double s = 0;
    const std::uint64_t bare_sum = run_bare(pending_timers, events, s);
    best_bare = std::min(best_bare, s);
    const std::uint64_t sched_sum = run_scheduler(pending_timers, events, s);
    best_scheduler = std::min(best_scheduler, s);
    // Same delays, same (time, sequence) order: the two loops must see the same times.
    KS_ASSERT(bare_sum == sched_sum);
    r.checksum = sched_sum;
  }
  r.bare_events_per_s = static_cast<double>(events) / best_bare;
  r.scheduler_events_per_s = static_cast<double>(events) / best_scheduler;
  r.ratio = r.scheduler_events_per_s / r.bare_events_per_s;
  return r;
}

}  // namespace kraftsim::runner

// `kraftsim bench kernel`: events dispatched per second by the scheduler with 10,000 pending
// timers, next to a bare std::priority_queue push/pop loop doing the same ordering work in the
// same binary. The ratio (scheduler / bare) is the figure docs/PERFORMANCE.md tracks; the goal
// is >= 0.5. Wall-clock time is read here, outside any simulated run.
#pragma once

#include <cstdint>

namespace kraftsim::runner {

struct KernelBenchResult {
  std::uint64_t pending_timers = 0;
  std::uint64_t events = 0;
  double scheduler_events_per_s = 0;
  double bare_events_per_s = 0;
  double ratio = 0;                 // scheduler / bare
  std::uint64_t checksum = 0;       // keeps the optimiser honest; equal for both loops
};

KernelBenchResult bench_kernel(std::uint64_t pending_timers, std::uint64_t events, int repetitions);

}  // namespace kraftsim::runner

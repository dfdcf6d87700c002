// Invariant assertions for our own code. A broken invariant is a bug in kraftsim, not a user
// error: it stops the process with the place, the condition and, when a run is active, the
// seed and a replay command (set by the runner through set_assert_context).
// User errors (bad scenario, bad config, Kafka error codes) are values, never assertions.
#pragma once

#include <string>

namespace kraftsim {

[[noreturn]] void assert_fail(const char* condition, const char* file, int line, const char* message);

// What to print after an assertion failure so that the run can be replayed, e.g.
// "seed=7; replay: kraftsim run scenarios/x.json --seed 7". Empty when no run is active.
void set_assert_context(std::string context);

}  // namespace kraftsim

// Always on, in every build type: the simulator's value is in catching broken invariants.
#define KS_ASSERT(cond)                                                         \
  do {                                                                          \
    if (!(cond)) [[unlikely]] ::kraftsim::assert_fail(#cond, __FILE__, __LINE__, nullptr); \
  } while (0)

#define KS_ASSERT_MSG(cond, msg)                                                \
  do {                                                                          \
    if (!(cond)) [[unlikely]] ::kraftsim::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)

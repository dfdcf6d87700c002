// What "still fails the same way" means for `kraftsim shrink`: the check a failing run broke
// that shrinking must keep broken, and the predicate that runs a candidate with the same seed
// and judges it. (scenario_shrinker.h does the shrinking and never runs anything itself.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/runner/run.h"
#include "sim/runner/scenario_shrinker.h"

namespace kraftsim::runner {

struct ShrinkTarget {
  std::string check;      // a checker id that failed in the original run
  int exit_code = 0;      // the original run's exit code (1 safety, 3 liveness; result_json.h)
  std::uint64_t seed = 0; // every candidate runs with it
};

// Violated or missing-expected-violation: what fails a run.
bool check_failed(const RunResult& result, const std::string& id);
std::vector<std::string> failed_checks(const RunResult& result);

// The first failed check of the kind the run's exit code reports: a safety check (or a missing
// expected violation) for exit code 1, a liveness check for 3. "" when the run passed.
std::string first_failed_check(const RunResult& result);

// Runs a candidate with target.seed; true when target.check fails and the run exits with
// target.exit_code, so that `kraftsim run MIN.json --seed N` gives the original's exit code.
StillFails still_fails_like(const ShrinkTarget& target);

}  // namespace kraftsim::runner

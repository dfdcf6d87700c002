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
  std::string check;       // a checker id that failed in the original run
  int exit_code = 0;       // the original run's exit code (1 safety, 3 liveness; result_json.h)
  std::uint64_t seed = 0;  // every candidate runs with it
  // The checks that failed in the original run: a candidate may fail no other (a check that
  // starts failing because a piece went missing is a new story, not the original's failure).
  std::vector<std::string> failed_in_original;
};

// The target for a failing run: `check` (or, when "", the first failed check of the kind the
// exit code reports) with the run's exit code, failed checks and seed.
ShrinkTarget shrink_target_of(const RunResult& failing, const std::string& check = "");

// Violated or missing-expected-violation: what fails a run.
bool check_failed(const RunResult& result, const std::string& id);
std::vector<std::string> failed_checks(const RunResult& result);

// The first failed check of the kind the run's exit code reports: a safety check (or a missing
// expected violation) for exit code 1, a liveness check for 3. "" when the run passed.
std::string first_failed_check(const RunResult& result);

// The shrinking options that suit the target: a liveness check keeps the quiet phase it judges.
ShrinkOptions shrink_options_for(const ShrinkTarget& target, int runs_max);

// Runs a candidate with target.seed; true when target.check fails, the run exits with
// target.exit_code (so that `kraftsim run MIN.json --seed N` gives the original's exit code) and
// every check that fails also failed in the original.
StillFails still_fails_like(const ShrinkTarget& target);

}  // namespace kraftsim::runner

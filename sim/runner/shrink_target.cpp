// The check to keep failing while shrinking, and the predicate that judges a candidate by it.
#include "sim/runner/shrink_target.h"

#include <algorithm>

#include "sim/runner/result_json.h"

namespace kraftsim::runner {

namespace {

bool failed(const CheckResult& c) {
  return c.status == CheckStatus::violated || c.status == CheckStatus::missing_expected_violation;
}

// What exit code 1 reports (result_json.cpp's exit_code): every failed check but a violated
// liveness check.
bool counts_as_safety(const CheckResult& c) {
  return c.status == CheckStatus::missing_expected_violation || !is_liveness_check(c.id);
}

}  // namespace

bool check_failed(const RunResult& result, const std::string& id) {
  return std::any_of(result.checks.begin(), result.checks.end(), [&id](const CheckResult& c) { return c.id == id && failed(c); });
}

std::vector<std::string> failed_checks(const RunResult& result) {
  std::vector<std::string> out;
  for (const CheckResult& c : result.checks) {
    if (failed(c)) out.push_back(c.id);
  }
  return out;
}

std::string first_failed_check(const RunResult& result) {
  const int code = exit_code(result);
  if (code == exit_passed) return "";
  for (const CheckResult& c : result.checks) {
    if (failed(c) && counts_as_safety(c) == (code == exit_safety_violation)) return c.id;
  }
  return "";
}

ShrinkTarget shrink_target_of(const RunResult& failing, const std::string& check) {
  return ShrinkTarget{check.empty() ? first_failed_check(failing) : check, exit_code(failing), failing.seed,
                      failed_checks(failing)};
}

ShrinkOptions shrink_options_for(const ShrinkTarget& target, int runs_max) {
  ShrinkOptions options;
  options.runs_max = runs_max;
  options.keep_quiet_phase = is_liveness_check(target.check);
  return options;
}

StillFails still_fails_like(const ShrinkTarget& target) {
  return [target](const Scenario& candidate) {
    const RunResult r = run_scenario(candidate, RunOptions{target.seed, false, false, std::nullopt});
    if (!check_failed(r, target.check) || exit_code(r) != target.exit_code) return false;
    const auto& known = target.failed_in_original;
    for (const std::string& id : failed_checks(r)) {
      if (std::find(known.begin(), known.end(), id) == known.end()) return false;
    }
    return true;
  };
}

}  // namespace kraftsim::runner

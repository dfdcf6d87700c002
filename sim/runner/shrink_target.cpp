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

StillFails still_fails_like(const ShrinkTarget& target) {
  return [target](const Scenario& candidate) {
    const RunResult r = run_scenario(candidate, RunOptions{target.seed, false, false, std::nullopt});
    return check_failed(r, target.check) && exit_code(r) == target.exit_code;
  };
}

}  // namespace kraftsim::runner

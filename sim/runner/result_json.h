// What a finished run tells the outside world: the `--json` object (one per run, also a line of a
// sweep's JSON Lines file) and the process exit code (docs/cli.md). Wall-clock figures enter only
// here, from the caller that measured them; they never reach the trace or the fingerprint.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "sim/runner/run.h"

namespace kraftsim::runner {

// Exit codes of `kraftsim run` (and of sweep, explore and shrink over many runs).
inline constexpr int exit_passed = 0;
inline constexpr int exit_safety_violation = 1;  // a safety invariant broke, or an expected violation did not happen
inline constexpr int exit_bad_input = 2;         // bad scenario, config value, flag or file
inline constexpr int exit_liveness_failure = 3;  // only liveness checks failed (the cluster did not recover)
inline constexpr int exit_internal = 4;          // a bug in kraftsim

// Liveness checks judge progress by the end of the quiet phase; every other check is safety.
bool is_liveness_check(std::string_view id);

// exit_passed, exit_safety_violation or exit_liveness_failure. A run that breaks both kinds is a
// safety violation: that is the worse news.
int exit_code(const RunResult& result);

nlohmann::ordered_json result_json(const RunResult& result, double wall_ms);

}  // namespace kraftsim::runner

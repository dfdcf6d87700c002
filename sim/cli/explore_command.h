// `kraftsim explore`: run generated scenarios (sim/runner/scenario_generator.h) over a range of
// seeds and save every failing one as a scenario file to replay with `kraftsim run`.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace kraftsim::cli {

// Registers `explore` and its options on the app; returns the function main() calls when that
// subcommand was given (the shape of main's sim/cli/commands.h, so this can move there).
// Exit code: 0 every run passed, 1 a safety check failed in some run, 3 only liveness checks
// failed, 2 bad input.
std::function<int()> add_explore_command(CLI::App& app);

}  // namespace kraftsim::cli

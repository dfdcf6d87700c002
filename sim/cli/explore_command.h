// `kraftsim explore`: run generated scenarios (sim/runner/scenario_generator.h) over a range of
// seeds and save every failing one as a scenario file to replay with `kraftsim run`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kraftsim::cli {

struct ExploreOptions {
  std::string seeds;                  // "A..B", inclusive
  std::string out = "explore-failures";  // folder for the failing scenarios
  std::string bug = "none";           // a GeneratorBug name: show that the checkers catch it
};

CLI::App* add_explore_command(CLI::App& app, ExploreOptions& options);

// Exit code: 0 every run passed, 1 a safety check failed in some run, 3 only liveness checks
// failed, 2 bad input.
int cmd_explore(const ExploreOptions& options);

}  // namespace kraftsim::cli

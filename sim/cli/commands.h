// The commands that live in their own files (sweep_command.cpp, import_compose_command.cpp,
// shrink_command.cpp).
// Each registers its subcommand and options on the app and returns the function main() calls
// when that subcommand was given; the function returns the process exit code (docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace kraftsim::cli {

using Command = std::function<int()>;

Command add_sweep_command(CLI::App& app);
Command add_import_compose_command(CLI::App& app);
Command add_shrink_command(CLI::App& app);

// For --seed: CLI11 reads "-3" into an unsigned seed as 2^64 - 3; refuse it by name instead.
inline const CLI::Validator seed_value(
    [](std::string& text) {
      return !text.empty() && text.front() == '-' ? "a seed is a whole number from 0 to 18446744073709551615, not " + text
                                                  : std::string();
    },
    "SEED");

}  // namespace kraftsim::cli

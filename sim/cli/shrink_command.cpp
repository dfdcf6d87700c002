// `kraftsim shrink FILE [--seed N] --out MIN.json [--check ID] [--max-runs N]`: runs a failing
// scenario, then shrinks it (sim/runner/scenario_shrinker.h) to a smaller scenario that still
// fails the same check with the same exit code, and writes it where `kraftsim run MIN.json
// --seed N` replays it. Progress goes to stderr; the summary and the replay command to stdout.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/checker_ids.h"
#include "sim/cli/commands.h"
#include "sim/runner/result_json.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_shrinker.h"
#include "sim/runner/scenario_writer.h"
#include "sim/runner/shrink_target.h"

namespace kraftsim::cli {

namespace {

constexpr int shrink_runs_max_default = 200;
constexpr int shrink_runs_max_limit = 100'000;

struct ShrinkArgs {
  std::string file;
  std::optional<std::uint64_t> seed;  // the scenario's own seed when not given
  std::string out;
  std::string check;  // "": the first failed check of the run's worst kind
  int runs_max = shrink_runs_max_default;
};

int bad_input(const std::string& message) {
  std::fprintf(stderr, "kraftsim: error: %s\n", message.c_str());
  return runner::exit_bad_input;
}

int run_shrink(const ShrinkArgs& args) {
  auto loaded = runner::load_scenario_file(args.file);
  if (!loaded.ok()) return bad_input(loaded.error().message);
  if (!args.check.empty() && !check::is_checker_id(args.check)) {
    return bad_input(fmt::format("--check: expected a checker id ({}), got \"{}\"", fmt::join(check::all_checker_ids, ", "),
                                 args.check));
  }
  const std::filesystem::path out_dir = std::filesystem::path(args.out).parent_path();
  if (!out_dir.empty() && !std::filesystem::is_directory(out_dir)) {
    return bad_input(fmt::format("--out: {}: the folder {} does not exist", args.out, out_dir.string()));
  }
  runner::Scenario scenario = std::move(loaded.value());
  const std::uint64_t seed = args.seed.value_or(scenario.seed);

  const runner::RunResult original = runner::run_scenario(scenario, {seed, false});
  const int exit_code = runner::exit_code(original);
  if (exit_code == runner::exit_passed) {
    return bad_input(fmt::format("{} passes with seed {}: nothing to shrink", args.file, seed));
  }
  const std::vector<std::string> failing = runner::failed_checks(original);
  if (!args.check.empty() && !runner::check_failed(original, args.check)) {
    return bad_input(fmt::format("{} with seed {}: check {} did not fail (failed: {})", args.file, seed, args.check,
                                 fmt::join(failing, ", ")));
  }
  const runner::ShrinkTarget target = runner::shrink_target_of(original, args.check);
  std::fprintf(stderr, "kraftsim shrink: %s with seed %llu fails %s (exit %d; failed: %s); at most %d runs\n",
               args.file.c_str(), static_cast<unsigned long long>(seed), target.check.c_str(), exit_code,
               fmt::format("{}", fmt::join(failing, ", ")).c_str(), args.runs_max);

  // The name and description go in before shrinking, so the file written is the very candidate
  // that was run last.
  if (!scenario.name.ends_with("-shrunk")) scenario.name += "-shrunk";
  scenario.description = fmt::format("Shrunk by `kraftsim shrink {} --seed {}`: the smallest scenario found that still "
                                     "fails {} (exit code {}). {}",
                                     args.file, seed, target.check, exit_code, scenario.description);
  const runner::ShrinkProgress progress = [](const std::string& line) {
    std::fprintf(stderr, "kraftsim shrink: %s\n", line.c_str());
  };
  const runner::ShrinkResult result = runner::shrink_scenario(scenario, seed, runner::still_fails_like(target),
                                                              runner::shrink_options_for(target, args.runs_max), progress);

  std::ofstream file(args.out, std::ios::binary | std::ios::trunc);
  file << runner::scenario_to_json(result.scenario, "").dump(2) << "\n";
  file.close();
  if (!file) return bad_input(fmt::format("--out: {}: cannot write the shrunk scenario", args.out));
  std::printf("shrunk %s (seed %llu, check %s): %s; %d runs%s\n", args.file.c_str(), static_cast<unsigned long long>(seed),
              target.check.c_str(), runner::describe_change(result.before, result.after).c_str(), result.runs,
              result.runs_exhausted ? " (--max-runs reached: it may shrink further)" : "");
  std::printf("  saved %s\n  replay: kraftsim run %s --seed %llu\n", args.out.c_str(), args.out.c_str(),
              static_cast<unsigned long long>(seed));
  return exit_code;
}

}  // namespace

Command add_shrink_command(CLI::App& app) {
  auto args = std::make_shared<ShrinkArgs>();
  auto* shrink = app.add_subcommand("shrink", "Shrink a failing scenario to a smaller one that fails the same check");
  shrink->add_option("FILE", args->file, "Scenario JSON file that fails")->required();
  shrink->add_option("--seed", args->seed, "Seed (overrides the scenario's)")->check(seed_value);
  shrink->add_option("--out", args->out, "Where to write the shrunk scenario")->required();
  shrink->add_option("--check", args->check, "The failed check to keep failing (default: the first failed one)");
  shrink->add_option("--max-runs", args->runs_max, fmt::format("At most this many runs (default {})", shrink_runs_max_default))
      ->check(CLI::Range(1, shrink_runs_max_limit));
  return [args] { return run_shrink(*args); };
}

}  // namespace kraftsim::cli

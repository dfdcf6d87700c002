// `kraftsim explore --seeds A..B [--jobs N] [--out DIR] [--bug NAME] [--save-all]`: one generated
// scenario per seed, run (on N worker threads, as `kraftsim sweep`), judged; the failing ones (or all) are written to DIR/generated-SEED.json with
// their replay command.
#include "sim/cli/explore_command.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "sim/runner/result_json.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_writer.h"
#include "sim/runner/sweep.h"

namespace kraftsim::cli {

namespace {

constexpr std::uint64_t explore_seeds_max = runner::sweep_seeds_max;

struct ExploreArgs {
  std::string seeds;                     // "A..B", inclusive
  std::string out = "explore-failures";  // folder for the failing scenarios
  std::string bug = "none";              // a GeneratorBug name
  bool save_all = false;                 // save the passing scenarios too (a corpus for other builds)
  int jobs = 1;                          // worker threads, one World each (as `kraftsim sweep`)
};

std::optional<std::uint64_t> parse_u64(const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// "none, unclean-election, ...": every name --bug takes.
std::string bug_names() {
  std::string out;
  for (runner::GeneratorBug bug : runner::all_generator_bugs) out += (out.empty() ? "" : ", ") + std::string(runner::to_string(bug));
  return out;
}

int bad_input(const std::string& message) {
  std::fprintf(stderr, "kraftsim: error: %s\n", message.c_str());
  return runner::exit_bad_input;
}

int run_explore(const ExploreArgs& options) {
  const auto dots = options.seeds.find("..");
  if (dots == std::string::npos) return bad_input(fmt::format("--seeds: expected A..B, got \"{}\"", options.seeds));
  const auto first = parse_u64(options.seeds.substr(0, dots));
  const auto last = parse_u64(options.seeds.substr(dots + 2));
  if (!first || !last || *first > *last || *last - *first >= explore_seeds_max) {
    return bad_input(fmt::format("--seeds: expected A..B with A <= B and at most {} seeds, got \"{}\"", explore_seeds_max,
                                 options.seeds));
  }
  const auto bug = runner::generator_bug_named(options.bug);
  if (!bug) return bad_input(fmt::format("--bug: unknown switch \"{}\" (expected one of: {})", options.bug, bug_names()));

  if (options.jobs < 1 || options.jobs > runner::sweep_jobs_max) {
    return bad_input(fmt::format("--jobs: expected 1..{}, got {}", runner::sweep_jobs_max, options.jobs));
  }
  const auto scenario_for = [bug = *bug](std::uint64_t seed) {
    runner::GeneratorOptions generator;
    generator.bug = bug;
    return runner::generate_scenario(seed, generator);
  };
  runner::SweepOptions sweep;
  sweep.seeds = {*first, *last};
  sweep.jobs = options.jobs;
  std::string write_error;
  // Runs finish in any order with several jobs; each failing one is saved and printed as it
  // finishes (the sink's calls never overlap).
  sweep.on_run = [&](const runner::SweepRun& run, const nlohmann::ordered_json&) {
    const bool failed = run.exit_code != runner::exit_passed;
    if (!failed && !options.save_all) return true;
    std::error_code ec;
    std::filesystem::create_directories(options.out, ec);
    const std::string path = (std::filesystem::path(options.out) / fmt::format("generated-{}.json", run.seed)).string();
    std::ofstream file(path);
    file << runner::scenario_to_json(scenario_for(run.seed), "").dump(2) << "\n";
    if (!file) {
      write_error = fmt::format("{}: cannot write the scenario", path);
      return false;
    }
    if (failed) {
      std::string checks;
      for (const auto& c : run.failed_checks) checks += (checks.empty() ? "" : ", ") + c.id;
      if (!run.internal_error.empty()) checks = "internal error: " + run.internal_error;
      std::printf("seed %llu: FAILED (%s)\n  saved %s\n  replay: kraftsim run %s --seed %llu\n",
                  static_cast<unsigned long long>(run.seed), checks.c_str(), path.c_str(), path.c_str(),
                  static_cast<unsigned long long>(run.seed));
      std::fflush(stdout);
    }
    return true;
  };
  const runner::SweepResult result = runner::run_sweep(fmt::format("explore-{}", runner::to_string(*bug)), scenario_for, sweep);
  if (!write_error.empty()) return bad_input(write_error);
  std::printf("explored seeds %llu..%llu (bug: %s, %d jobs): %llu failed\n", static_cast<unsigned long long>(*first),
              static_cast<unsigned long long>(*last), runner::to_string(*bug), options.jobs,
              static_cast<unsigned long long>(result.failed_count()));
  // Internal errors are reported as such; otherwise a safety failure wins over liveness.
  return result.worst_exit_code();
}

}  // namespace

std::function<int()> add_explore_command(CLI::App& app) {
  auto args = std::make_shared<ExploreArgs>();
  auto* explore = app.add_subcommand("explore", "Run generated scenarios over a range of seeds; save the failing ones");
  explore->add_option("--seeds", args->seeds, "Seeds A..B, both included")->required();
  explore->add_option("--out", args->out, "Folder for the failing scenarios (default explore-failures)");
  explore->add_option("--bug", args->bug, "Turn on one legacy or test-only switch: " + bug_names());
  explore->add_flag("--save-all", args->save_all, "Save every generated scenario, the passing ones too");
  explore->add_option("--jobs", args->jobs, "Worker threads, one simulated world each (default 1)");
  return [args] { return run_explore(*args); };
}

}  // namespace kraftsim::cli

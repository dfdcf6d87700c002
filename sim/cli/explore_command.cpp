// `kraftsim explore --seeds A..B [--out DIR] [--bug NAME] [--save-all]`: one generated scenario
// per seed, run, judged; the failing ones (or all) are written to DIR/generated-SEED.json with
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

namespace kraftsim::cli {

namespace {

constexpr std::uint64_t explore_seeds_max = 10'000'000;

struct ExploreArgs {
  std::string seeds;                     // "A..B", inclusive
  std::string out = "explore-failures";  // folder for the failing scenarios
  std::string bug = "none";              // a GeneratorBug name
  bool save_all = false;                 // save the passing scenarios too (a corpus for other builds)
};

std::optional<std::uint64_t> parse_u64(const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<runner::GeneratorBug> parse_bug(const std::string& name) {
  for (auto bug : {runner::GeneratorBug::none, runner::GeneratorBug::unclean_election, runner::GeneratorBug::legacy_truncation,
                   runner::GeneratorBug::raft_vote_without_log_check, runner::GeneratorBug::raft_hw_without_epoch_commit}) {
    if (name == runner::to_string(bug)) return bug;
  }
  return std::nullopt;
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
  const auto bug = parse_bug(options.bug);
  if (!bug) return bad_input(fmt::format("--bug: unknown switch \"{}\"", options.bug));

  std::uint64_t failed = 0;
  int worst = runner::exit_passed;
  for (std::uint64_t seed = *first;; ++seed) {
    runner::GeneratorOptions generator;
    generator.bug = *bug;
    const runner::Scenario scenario = runner::generate_scenario(seed, generator);
    const runner::RunResult result = runner::run_scenario(scenario, {std::nullopt, false});
    if (!result.passed || options.save_all) {
      if (!result.passed) {
        ++failed;
        const int code = runner::exit_code(result);
        if (worst != runner::exit_safety_violation) worst = code;
      }
      std::error_code ec;
      std::filesystem::create_directories(options.out, ec);
      const std::string path = (std::filesystem::path(options.out) / fmt::format("generated-{}.json", seed)).string();
      std::ofstream file(path);
      file << runner::scenario_to_json(scenario, "").dump(2) << "\n";
      if (!file) return bad_input(fmt::format("{}: cannot write the failing scenario", path));
      std::string checks;
      for (const auto& c : result.checks) {
        if (c.status == runner::CheckStatus::violated || c.status == runner::CheckStatus::missing_expected_violation) {
          checks += (checks.empty() ? "" : ", ") + c.id;
        }
      }
      if (!result.passed) {
        std::printf("seed %llu: FAILED (%s)\n  saved %s\n  replay: kraftsim run %s --seed %llu\n",
                    static_cast<unsigned long long>(seed), checks.c_str(), path.c_str(), path.c_str(),
                    static_cast<unsigned long long>(seed));
      }
    }
    if (seed == *last) break;
  }
  std::printf("explored seeds %llu..%llu (bug: %s): %llu failed\n", static_cast<unsigned long long>(*first),
              static_cast<unsigned long long>(*last), runner::to_string(*bug), static_cast<unsigned long long>(failed));
  return worst;
}

}  // namespace

std::function<int()> add_explore_command(CLI::App& app) {
  auto args = std::make_shared<ExploreArgs>();
  auto* explore = app.add_subcommand("explore", "Run generated scenarios over a range of seeds; save the failing ones");
  explore->add_option("--seeds", args->seeds, "Seeds A..B, both included")->required();
  explore->add_option("--out", args->out, "Folder for the failing scenarios (default explore-failures)");
  explore->add_option("--bug", args->bug,
                      "Turn on one legacy or test-only switch: none, unclean-election, legacy-truncation, "
                      "raft-grant-vote-without-log-check, raft-advance-hw-without-own-epoch-commit");
  explore->add_flag("--save-all", args->save_all, "Save every generated scenario, the passing ones too");
  return [args] { return run_explore(*args); };
}

}  // namespace kraftsim::cli

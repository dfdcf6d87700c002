// `kraftsim shrink`, run as a user would: it writes a smaller scenario that `kraftsim run` replays
// with the original's exit code, prints its progress and the replay command, and gives the same
// bytes twice; a passing scenario, a missing file or a bad flag are bad input (exit 2).
#include <catch2/catch.hpp>

#include <string>

#include "sim/runner/scenario_generator.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"
#include "tests/support/cli_process.h"

using namespace kraftsim;
using kraftsim::testing::run_cli_args;
using kraftsim::testing::TempDir;

namespace {

// seed 161 breaks Raft safety (raft-hw-monotonic, raft-committed-consistent) with this mutation.
std::string write_raft_bug_case(const TempDir& dir) {
  runner::GeneratorOptions options;
  options.bug = runner::GeneratorBug::raft_vote_without_log_check;
  return dir.write("generated-161.json", runner::scenario_to_json(runner::generate_scenario(161, options), "").dump(2));
}

}  // namespace

TEST_CASE("kraftsim shrink writes a smaller scenario that run replays with the same exit code", "[shrink]") {
  const TempDir dir("shrink-cli");
  const std::string file = write_raft_bug_case(dir);
  REQUIRE(run_cli_args({"run", file, "--seed", "161"}, dir).exit_code == 1);

  const std::string min = dir.file("min.json");
  const auto shrunk = run_cli_args({"shrink", file, "--seed", "161", "--out", min, "--max-runs", "100"}, dir);
  INFO(shrunk.out << shrunk.err);
  REQUIRE(shrunk.exit_code == 1);  // the failure it reproduces: safety
  REQUIRE(shrunk.err.find("fails raft-") != std::string::npos);
  REQUIRE(shrunk.err.find("run 1: ") != std::string::npos);  // progress, one line per accepted step
  REQUIRE(shrunk.out.find("faults 10 -> ") != std::string::npos);
  REQUIRE(shrunk.out.find("replay: kraftsim run " + min + " --seed 161") != std::string::npos);

  auto loaded = runner::load_scenario_file(min);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->faults.size() < 10);
  REQUIRE(loaded->seed == 161);
  const auto replay = run_cli_args({"run", min, "--seed", "161"}, dir);
  INFO(replay.out);
  REQUIRE(replay.exit_code == 1);
  REQUIRE(run_cli_args({"run", min}, dir).exit_code == 1);  // the file carries the seed

  // Twice the same bytes.
  const std::string first = kraftsim::testing::read_text_file(min);
  const std::string min2 = dir.file("min2.json");
  REQUIRE(run_cli_args({"shrink", file, "--seed", "161", "--out", min2, "--max-runs", "100"}, dir).exit_code == 1);
  const std::string second = kraftsim::testing::read_text_file(min2);
  REQUIRE(first == second);

  // --check keeps another of the failed checks failing.
  const std::string min3 = dir.file("min3.json");
  const auto chosen =
      run_cli_args({"shrink", file, "--seed", "161", "--out", min3, "--max-runs", "100", "--check", "raft-committed-consistent"}, dir);
  INFO(chosen.err);
  REQUIRE(chosen.exit_code == 1);
  REQUIRE(chosen.out.find("check raft-committed-consistent") != std::string::npos);
  const auto replay3 = run_cli_args({"run", min3}, dir);
  REQUIRE(replay3.exit_code == 1);
  const auto line = replay3.out.find("raft-committed-consistent");
  REQUIRE(line != std::string::npos);
  REQUIRE(replay3.out.substr(line, replay3.out.find('\n', line) - line).find("violated") != std::string::npos);
}

TEST_CASE("kraftsim shrink refuses a passing scenario, a missing file and bad flags", "[shrink]") {
  const TempDir dir("shrink-cli-errors");
  const std::string min = dir.file("min.json");
  const std::string passing = std::string(KRAFTSIM_SOURCE_DIR) + "/scenarios/kraft-3-node-combined.json";

  const auto passes = run_cli_args({"shrink", passing, "--seed", "1", "--out", min}, dir);
  REQUIRE(passes.exit_code == 2);
  REQUIRE(passes.err.find("kraft-3-node-combined.json passes with seed 1: nothing to shrink") != std::string::npos);
  REQUIRE(!std::filesystem::exists(min));

  const auto missing = run_cli_args({"shrink", dir.file("no-such.json"), "--seed", "1", "--out", min}, dir);
  REQUIRE(missing.exit_code == 2);
  REQUIRE(missing.err.find("no-such.json: cannot open scenario file") != std::string::npos);

  const std::string file = write_raft_bug_case(dir);
  for (const char* seed : {"abc", "-1"}) {
    const auto bad_seed = run_cli_args({"shrink", file, "--seed", seed, "--out", min}, dir);
    INFO(bad_seed.err);
    REQUIRE(bad_seed.exit_code == 2);
    REQUIRE(bad_seed.err.find("--seed") != std::string::npos);
  }
  const auto no_out = run_cli_args({"shrink", file, "--seed", "161"}, dir);
  REQUIRE(no_out.exit_code == 2);
  REQUIRE(no_out.err.find("--out") != std::string::npos);
  const auto no_folder = run_cli_args({"shrink", file, "--seed", "161", "--out", dir.file("no-such-dir/min.json")}, dir);
  REQUIRE(no_folder.exit_code == 2);
  REQUIRE(no_folder.err.find("--out") != std::string::npos);
  const auto held = run_cli_args({"shrink", file, "--seed", "161", "--out", min, "--check", "acked-write-durable"}, dir);
  REQUIRE(held.exit_code == 2);
  REQUIRE(held.err.find("check acked-write-durable did not fail") != std::string::npos);
  const auto unknown = run_cli_args({"shrink", file, "--seed", "161", "--out", min, "--check", "no-such-check"}, dir);
  REQUIRE(unknown.exit_code == 2);
  REQUIRE(unknown.err.find("--check") != std::string::npos);
  REQUIRE(run_cli_args({"shrink", file, "--seed", "161", "--out", min, "--max-runs", "0"}, dir).exit_code == 2);
  REQUIRE(!std::filesystem::exists(min));
}

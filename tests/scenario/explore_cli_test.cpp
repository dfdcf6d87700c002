// `kraftsim explore`, run as a user would: generated scenarios pass under modern defaults (exit
// 0, nothing saved); with a Raft bug switched on some seeds fail (exit 1), each failing scenario
// is saved and replays as a failure with `kraftsim run`; bad seed ranges are bad input (exit 2).
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/runner/scenario_generator.h"

namespace {

struct Outcome {
  int exit_code;
  std::string out;
};

Outcome run_cli(const std::string& args) {
  const std::string command = std::string(KRAFTSIM_BINARY) + " " + args + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("kraftsim explore saves failing generated scenarios that replay as failures", "[generate]") {
  const auto dir = std::filesystem::temp_directory_path() / ("kraftsim-explore-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);

  const auto modern = run_cli("explore --seeds 1..20 --out " + dir.string());
  INFO(modern.out);
  REQUIRE(modern.exit_code == 0);
  REQUIRE(modern.out.find("explored seeds 1..20 (bug: none, 1 jobs): 0 failed") != std::string::npos);
  REQUIRE(!std::filesystem::exists(dir / "generated-1.json"));

  // With this mutation, seeds 189..193 all fail: elections that ignore the log break liveness in
  // most, and seed 193 breaks Raft safety (raft-committed-consistent), which replays with exit
  // code 1.
  const auto buggy = run_cli("explore --seeds 189..193 --bug raft-grant-vote-without-log-check --out " + dir.string());
  INFO(buggy.out);
  REQUIRE(buggy.exit_code == 1);  // the worst over the runs: a safety violation
  REQUIRE(buggy.out.find("seed 193: FAILED (raft-") != std::string::npos);
  const auto saved = dir / "generated-193.json";
  REQUIRE(std::filesystem::exists(saved));
  const auto replay = run_cli("run " + saved.string() + " --seed 193");
  INFO(replay.out);
  REQUIRE(replay.exit_code == 1);

  // Two jobs: the same seeds fail with the same checks (the lines come in completion order).
  const auto parallel = run_cli("explore --seeds 189..193 --jobs 2 --bug raft-grant-vote-without-log-check --out " +
                                (dir / "jobs2").string());
  INFO(parallel.out);
  REQUIRE(parallel.exit_code == buggy.exit_code);
  for (int seed = 189; seed <= 193; ++seed) {
    const auto line_of = [seed](const std::string& out) {
      const auto at = out.find("seed " + std::to_string(seed) + ":");
      return at == std::string::npos ? std::string() : out.substr(at, out.find('\n', at) - at);
    };
    REQUIRE(line_of(parallel.out) == line_of(buggy.out));
  }

  // --save-all keeps the passing scenarios too, and they replay as passes.
  REQUIRE(run_cli("explore --seeds 3..4 --save-all --out " + dir.string()).exit_code == 0);
  REQUIRE(std::filesystem::exists(dir / "generated-3.json"));
  REQUIRE(run_cli("run " + (dir / "generated-4.json").string()).exit_code == 0);

  REQUIRE(run_cli("explore --seeds 5..2").exit_code == 2);
  REQUIRE(run_cli("explore --seeds 1..x").exit_code == 2);
  REQUIRE(run_cli("explore --seeds 1..2 --bug no-such-bug").exit_code == 2);
  // The help names every switch --bug takes (the list comes from the generator).
  const auto help = run_cli("explore --help");
  REQUIRE(help.exit_code == 0);
  for (kraftsim::runner::GeneratorBug bug : kraftsim::runner::all_generator_bugs) {
    REQUIRE(help.out.find(kraftsim::runner::to_string(bug)) != std::string::npos);
  }
  REQUIRE(run_cli("explore --seeds 1..2 --jobs 0").exit_code == 2);
  std::filesystem::remove_all(dir);
}

// Sweeps run for real: worker threads give each seed exactly the run it gets alone (the test that
// catches state shared between worlds), the command line writes one complete JSON line per run
// as it finishes, keeps them when interrupted, reports failures with exit codes and JUnit XML,
// and refuses bad flags with one line and exit code 2.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "sim/runner/result_json.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/sweep.h"
#include "trace/trace.h"
#include "tests/support/cli_process.h"

namespace {

using namespace kraftsim;
using namespace kraftsim::testing;

const std::string replication_file = KRAFTSIM_SOURCE_DIR "/scenarios/replication/leader-crash-acks-all.json";
const std::string groups_file = KRAFTSIM_SOURCE_DIR "/scenarios/groups/coordinator-failover.json";
const std::string combined_file = KRAFTSIM_SOURCE_DIR "/scenarios/kraft-3-node-combined.json";

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));  // throws (fails) on a broken line
  return out;
}

// The kraft-3-node-combined scenario with extra top-level fields (a failing expectation, a tiny
// event budget, an odd name).
std::string combined_with(const std::string& extra_fields) {
  std::string text = read_text_file(combined_file);
  const auto brace = text.find('{');
  REQUIRE(brace != std::string::npos);
  return text.insert(brace + 1, extra_fields + ",");
}

}  // namespace

TEST_CASE("sweep: with 2 jobs every seed gets the fingerprint and verdict it gets alone", "[sweep]") {
  for (const std::string& file : {replication_file, groups_file}) {
    auto scenario = runner::load_scenario_file(file);
    REQUIRE(scenario.ok());
    runner::SweepOptions options;
    options.seeds = {1, 4};
    options.jobs = 2;
    // Called from the worker threads: Catch2's REQUIRE is not thread-safe, so count and check after.
    std::atomic<int> inside{0}, overlaps{0}, mismatches{0}, calls{0};
    options.on_run = [&](const runner::SweepRun& run, const nlohmann::ordered_json& line) {
      if (inside.fetch_add(1) != 0) ++overlaps;  // the sweep's lock keeps calls apart
      ++calls;
      if (line["seed"] != run.seed || line["fingerprint"] != trace::format_fingerprint(run.fingerprint)) ++mismatches;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // widen the window an overlap would need
      inside.fetch_sub(1);
      return true;
    };
    const runner::SweepResult swept = runner::run_sweep(*scenario, options);
    REQUIRE(calls == 4);
    REQUIRE(overlaps == 0);
    REQUIRE(mismatches == 0);
    REQUIRE(swept.runs.size() == 4);
    REQUIRE_FALSE(swept.interrupted);
    std::set<std::uint64_t> fingerprints;
    for (std::uint64_t i = 0; i < 4; ++i) {
      const runner::SweepRun& run = swept.runs[i];
      REQUIRE(run.seed == 1 + i);  // sorted by seed whatever the completion order
      runner::RunOptions alone;
      alone.seed = run.seed;
      const runner::RunResult r = runner::run_scenario(*scenario, alone);
      INFO(file << " seed " << run.seed << ": replay with " << r.replay_command);
      REQUIRE(run.fingerprint == r.fingerprint);
      REQUIRE(run.exit_code == runner::exit_code(r));
      REQUIRE(run.replay_command == r.replay_command);
      fingerprints.insert(run.fingerprint);
    }
    REQUIRE(fingerprints.size() == 4);  // the seeds really differ: the comparison means something
  }
}

TEST_CASE("sweep: a stop flag or a sink that refuses stops handing out seeds", "[sweep]") {
  auto scenario = runner::load_scenario_file(combined_file);
  REQUIRE(scenario.ok());
  runner::SweepOptions options;
  options.seeds = {1, 50};
  options.jobs = 2;
  std::atomic<bool> stop{true};
  options.stop = &stop;
  options.on_run = [](const runner::SweepRun&, const nlohmann::ordered_json&) { return true; };
  const runner::SweepResult stopped = runner::run_sweep(*scenario, options);
  REQUIRE(stopped.runs.empty());
  REQUIRE(stopped.interrupted);
  REQUIRE(stopped.seeds_planned == 50);

  stop = false;
  int calls = 0;
  options.jobs = 1;
  options.on_run = [&calls](const runner::SweepRun&, const nlohmann::ordered_json&) { return ++calls < 3; };
  const runner::SweepResult refused = runner::run_sweep(*scenario, options);
  REQUIRE(calls == 3);
  REQUIRE(refused.runs.size() == 3);
  REQUIRE(refused.interrupted);
}

TEST_CASE("sweep: kraftsim sweep --jobs 2 gives each seed the fingerprint of kraftsim run --seed N --json", "[sweep][cli]") {
  TempDir dir("sweep-cli-fingerprints");
  const std::string jsonl = dir.file("runs.jsonl");
  const auto o = run_cli_args({"sweep", replication_file, "--seeds", "2..5", "--jobs", "2", "--jsonl", jsonl}, dir);
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  REQUIRE(o.err.empty());  // no terminal: no progress bar
  const auto lines = json_lines(read_text_file(jsonl));
  REQUIRE(lines.size() == 4);
  std::map<std::uint64_t, std::string> swept;
  for (const auto& line : lines) swept[line["seed"].get<std::uint64_t>()] = line["fingerprint"].get<std::string>();
  REQUIRE(swept.size() == 4);
  for (std::uint64_t seed = 2; seed <= 5; ++seed) {
    const auto alone = run_cli_args({"run", replication_file, "--seed", std::to_string(seed), "--json"}, dir);
    REQUIRE(alone.exit_code == 0);
    const auto j = nlohmann::json::parse(alone.out);
    INFO("seed " << seed << ": replay with " << j["replay"].get<std::string>());
    REQUIRE(swept.at(seed) == j["fingerprint"].get<std::string>());
  }
  REQUIRE(o.out.find("4 runs: 4 passed, 0 failed") != std::string::npos);
}

TEST_CASE("sweep: the progress bar shows on a terminal and nowhere else", "[sweep][cli]") {
  TempDir dir("sweep-cli-progress");
  // script(1) (util-linux, in every Debian) runs the command on a pseudo-terminal.
  const std::string out = dir.file("tty.out");
  const std::string command = "script -q -e -c \"" + std::string(KRAFTSIM_BINARY) + " sweep " + combined_file +
                              " --seeds 1..5 --jobs 2\" /dev/null > " + out + " 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  const std::string tty = read_text_file(out);
  INFO(tty);
  REQUIRE(tty.find("\r[") != std::string::npos);
  REQUIRE(tty.find("] 5/5 seeds, 0 failed, ") != std::string::npos);
  REQUIRE(tty.find("seeds/min, ETA") != std::string::npos);
  REQUIRE(tty.find("5 runs: 5 passed") != std::string::npos);
  // The same sweep without a terminal: stderr stays empty.
  const auto piped = run_cli_args({"sweep", combined_file, "--seeds", "1..5", "--jobs", "2"}, dir);
  REQUIRE(piped.exit_code == 0);
  REQUIRE(piped.err.empty());
  REQUIRE(piped.out.find("seeds/min, ETA") == std::string::npos);
}

TEST_CASE("sweep: the shards of a range, run apart, hold every seed once", "[sweep][cli]") {
  TempDir dir("sweep-cli-shards");
  std::map<std::uint64_t, std::string> seen;
  for (int k = 1; k <= 3; ++k) {
    const std::string jsonl = dir.file("shard-" + std::to_string(k) + ".jsonl");
    const auto o = run_cli_args({"sweep", combined_file, "--seeds", "10..17", "--shard", std::to_string(k) + "/3", "--jobs", "2",
                                 "--jsonl", jsonl}, dir);
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 0);
    REQUIRE(o.out.find("shard " + std::to_string(k) + "/3") != std::string::npos);
    for (const auto& line : json_lines(read_text_file(jsonl))) {
      const auto seed = line["seed"].get<std::uint64_t>();
      REQUIRE((seed - 10) % 3 == static_cast<std::uint64_t>(k - 1));
      REQUIRE(seen.emplace(seed, line["fingerprint"].get<std::string>()).second);
    }
  }
  REQUIRE(seen.size() == 8);
  REQUIRE(seen.begin()->first == 10);
  REQUIRE(seen.rbegin()->first == 17);
}

TEST_CASE("sweep: failing seeds give exit 1 or 3, a summary with replay commands and JUnit failures", "[sweep][cli]") {
  TempDir dir("sweep-cli-failures");
  SECTION("an expected violation that never happens is judged like safety: exit 1") {
    const std::string file = dir.write("claims.json", combined_with(R"("expect": {"violated": ["single-controller-per-epoch"]})"));
    const std::string junit = dir.file("junit.xml");
    const auto o = run_cli_args({"sweep", file, "--seeds", "1..3", "--jobs", "2", "--junit", junit}, dir);
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 1);
    REQUIRE(o.out.find("3 runs: 0 passed, 3 failed (3 safety, 0 liveness, 0 internal)") != std::string::npos);
    for (int seed = 1; seed <= 3; ++seed) {
      REQUIRE(o.out.find("seed " + std::to_string(seed) + ": safety (exit 1)") != std::string::npos);
      REQUIRE(o.out.find("replay: kraftsim run " + file + " --seed " + std::to_string(seed)) != std::string::npos);
    }
    REQUIRE(o.out.find("single-controller-per-epoch: missing-expected-violation") != std::string::npos);
    const std::string xml = read_text_file(junit);
    REQUIRE(xml.find("tests=\"3\" failures=\"3\" errors=\"0\"") != std::string::npos);
    std::size_t testcases = 0, failures = 0;
    for (auto at = xml.find("<testcase "); at != std::string::npos; at = xml.find("<testcase ", at + 1)) ++testcases;
    for (auto at = xml.find("<failure "); at != std::string::npos; at = xml.find("<failure ", at + 1)) ++failures;
    REQUIRE(testcases == 3);
    REQUIRE(failures == 3);
  }
  SECTION("a spent event budget is a liveness failure: exit 3") {
    const std::string file = dir.write("budget.json", combined_with(R"("max_events": 200)"));
    const auto o = run_cli_args({"sweep", file, "--seeds", "1..2", "--jobs", "2"}, dir);
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 3);
    REQUIRE(o.out.find("2 failed (0 safety, 2 liveness, 0 internal)") != std::string::npos);
    REQUIRE(o.out.find("event-budget: violated") != std::string::npos);
  }
}

TEST_CASE("sweep: the summary and the JUnit file are the same with 1 and 2 jobs, apart from wall-clock times", "[sweep][cli]") {
  TempDir dir("sweep-cli-stable-reports");
  const std::string file = dir.write("claims.json", combined_with(R"("expect": {"violated": ["single-controller-per-epoch"]})"));
  // Wall-clock figures: "in 1.2 s, 345.6 seeds/min", time="0.123" and the jobs count itself.
  const std::regex wall(R"(in [0-9.]+ s, [0-9.]+ seeds/min|time="[0-9.]+"|[0-9]+ jobs)");
  std::vector<std::string> summaries, junits;
  for (const char* jobs : {"1", "2"}) {
    const std::string junit = dir.file(std::string("junit-") + jobs + ".xml");
    const auto o = run_cli_args({"sweep", file, "--seeds", "1..6", "--jobs", jobs, "--junit", junit}, dir);
    REQUIRE(o.exit_code == 1);
    summaries.push_back(std::regex_replace(o.out, wall, "WALL"));
    junits.push_back(std::regex_replace(read_text_file(junit), wall, "WALL"));
  }
  INFO(summaries[0] << summaries[1]);
  REQUIRE(summaries[0].find("seed 6: safety") != std::string::npos);
  REQUIRE(summaries[0] == summaries[1]);
  REQUIRE(junits[0].find("name=\"seed 6\"") != std::string::npos);
  REQUIRE(junits[0] == junits[1]);
}

TEST_CASE("sweep: bad flags and files give one line naming them and exit code 2", "[sweep][cli]") {
  TempDir dir("sweep-cli-bad-input");
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  const std::vector<Case> cases = {
      {{"sweep", combined_file, "--seeds", "5..x"}, "--seeds"},
      {{"sweep", combined_file, "--seeds", "9..3"}, "--seeds"},
      {{"sweep", combined_file, "--seeds", "1..2000000"}, "--seeds"},  // over sweep_seeds_max
      {{"sweep", combined_file, "--seeds", "0..18446744073709551615"}, "--seeds"},  // 2^64 seeds
      {{"sweep", combined_file, "--seeds", "1..4", "--shard", "0/4"}, "--shard"},
      {{"sweep", combined_file, "--seeds", "1..4", "--shard", "3"}, "--shard"},
      {{"sweep", combined_file, "--seeds", "1..4", "--jobs", "0"}, "--jobs"},
      {{"sweep", combined_file}, "--seeds"},
      {{"sweep", "/nonexistent/s.json", "--seeds", "1..4"}, "/nonexistent/s.json"},
      {{"sweep", combined_file, "--seeds", "1..4", "--jsonl", "/nonexistent/dir/out.jsonl"}, "--jsonl /nonexistent/dir/out.jsonl"},
      {{"sweep", combined_file, "--seeds", "1..4", "--junit", "/nonexistent/dir/out.xml"}, "--junit /nonexistent/dir/out.xml"},
  };
  for (const Case& c : cases) {
    const auto o = run_cli_args(c.args, dir);
    INFO(c.named << ": " << o.err);
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find(c.named) != std::string::npos);
    REQUIRE(o.out.empty());  // nothing ran
  }
}

TEST_CASE("sweep: lines reach the JSONL file one by one, and Ctrl-C keeps every finished one whole", "[sweep][cli]") {
  TempDir dir("sweep-cli-sigint");
  const std::string jsonl = dir.file("runs.jsonl");
  // Each run takes a few hundred milliseconds; 400 of them take far longer than this test waits.
  CliProcess sweep({"sweep", replication_file, "--seeds", "1..400", "--jobs", "1", "--jsonl", jsonl}, dir.file("out"),
                   dir.file("err"));
  // The first look at a non-empty file sees exactly one whole line while the sweep goes on: each
  // line is written and flushed as its run finishes, not buffered in blocks or kept to the end.
  std::string first;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (first.empty() && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(sweep.running());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    first = read_text_file(jsonl);
  }
  REQUIRE(sweep.running());
  REQUIRE(count_lines(first) == 1);
  REQUIRE(first.back() == '\n');
  REQUIRE(nlohmann::json::parse(first)["seed"] == 1);

  sweep.signal(SIGINT);
  const int code = sweep.wait();
  const std::string out = read_text_file(dir.file("out"));
  INFO(out << read_text_file(dir.file("err")));
  REQUIRE(code == 130);
  const std::string text = read_text_file(jsonl);
  REQUIRE(text.back() == '\n');
  const auto lines = json_lines(text);  // every line a complete object
  REQUIRE(lines.size() >= 1);
  REQUIRE(lines.size() < 400);
  for (std::size_t i = 0; i < lines.size(); ++i) REQUIRE(lines[i]["seed"] == i + 1);  // jobs 1: in seed order
  REQUIRE(out.find("interrupted: " + std::to_string(lines.size()) + " of 400 seeds ran") != std::string::npos);
}

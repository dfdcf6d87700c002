// A sweep: one loaded scenario run over a range of seeds by worker threads, one World per run and
// per thread (parallelism across runs only; a run itself stays single-threaded and
// deterministic). Finished runs reach one sink in completion order; the summary is sorted by
// seed, so it depends only on the binary, the scenario and the seeds, apart from wall-clock
// figures. This file never touches files, terminals or signals: the CLI does (sim/cli).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario.h"

namespace kraftsim::runner {

// Limits: a sweep (one shard) keeps a summary line per seed in memory, and a machine has few cores.
inline constexpr std::uint64_t sweep_seeds_max = 1'000'000;
inline constexpr int sweep_jobs_max = 256;

// The exit code of a sweep stopped by Ctrl-C (SIGINT) before every seed ran, when no finished run
// failed (a failure's code wins: it is the news). 128 + SIGINT, as shells report it.
inline constexpr int exit_interrupted = 130;

// Seeds first..last, both included ("--seeds A..B").
struct SeedRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

// Shard `index` of `count`, 1-based ("--shard K/N"): it takes the seeds s of the range with
// (s - first) % count == index - 1. The N shards of a range are disjoint and cover it.
struct Shard {
  std::uint64_t index = 1;
  std::uint64_t count = 1;
};

Result<SeedRange, std::string> parse_seed_range(std::string_view text);
Result<Shard, std::string> parse_shard(std::string_view text);
// Saturates at 2^64 - 1 (the whole 64-bit range in one shard holds one seed more).
std::uint64_t shard_seed_count(const SeedRange& range, const Shard& shard);
// The i-th seed (0-based, i < shard_seed_count) of the shard, in increasing order.
std::uint64_t shard_seed(const SeedRange& range, const Shard& shard, std::uint64_t i);

// What the summary keeps of one finished run.
struct SweepRun {
  std::uint64_t seed = 0;
  int exit_code = 0;  // result_json.h: 0, 1 (safety), 3 (liveness) or 4 (an exception: a bug)
  std::uint64_t fingerprint = 0;
  double wall_ms = 0;
  std::vector<CheckResult> failed_checks;  // violated or missing-expected-violation
  std::string internal_error;              // the exception's text when exit_code is 4
  std::string replay_command;
};

struct SweepOptions {
  SeedRange seeds;
  Shard shard;
  int jobs = 1;
  // Set from outside (the CLI's SIGINT handler) to stop handing out seeds; runs already started
  // finish and are reported. Null: never stopped from outside.
  const std::atomic<bool>* stop = nullptr;
  // Called once per finished run, with the sweep's lock held (so calls never overlap), in
  // completion order: the run's summary and its --json object (result_json.h). Returning false
  // stops the sweep like `stop` (for example when the output file cannot be written).
  std::function<bool(const SweepRun& run, const nlohmann::ordered_json& line)> on_run;
};

struct SweepResult {
  std::string scenario;
  SeedRange seeds;
  Shard shard;
  std::uint64_t seeds_planned = 0;  // the shard's seed count
  std::vector<SweepRun> runs;       // the finished runs, sorted by seed
  bool interrupted = false;         // stopped before every planned seed ran
  double wall_ms = 0;

  std::uint64_t failed_count() const;
  // The worst exit code of the runs: internal (4) over safety (1) over liveness (3) over 0.
  int worst_exit_code() const;
};

// The worse of two run exit codes in the order above.
int worse_exit_code(int a, int b);

SweepResult run_sweep(const Scenario& scenario, const SweepOptions& options);

// The same over a scenario per seed (`kraftsim explore`: each seed generates its own cluster).
// scenario_for is called from the worker threads and must not share mutable state.
SweepResult run_sweep(const std::string& name, const std::function<Scenario(std::uint64_t seed)>& scenario_for,
                      const SweepOptions& options);

}  // namespace kraftsim::runner

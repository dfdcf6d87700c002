// The sweep's worker threads, its seed arithmetic (ranges and shards) and its summary. Each
// worker owns the World of the run it is doing; the only shared state is the seed counter, the
// stop flags and the sink, which is called under one mutex.
#include "sim/runner/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "base/assert.h"
#include "sim/runner/result_json.h"

namespace kraftsim::runner {
namespace {

// Parses a whole decimal string as an unsigned 64-bit integer (no sign, no spaces).
bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

int severity(int exit_code) {
  switch (exit_code) {
    case exit_passed: return 0;
    case exit_liveness_failure: return 1;
    case exit_safety_violation: return 2;
    default: return 3;  // internal error (or anything unexpected): the worst news
  }
}

// What the summary keeps of a finished run.
SweepRun summarize(const RunResult& r, double wall_ms) {
  SweepRun run;
  run.seed = r.seed;
  run.exit_code = exit_code(r);
  run.fingerprint = r.fingerprint;
  run.wall_ms = wall_ms;
  for (const CheckResult& c : r.checks) {
    if (c.status == CheckStatus::violated || c.status == CheckStatus::missing_expected_violation) {
      run.failed_checks.push_back(c);
    }
  }
  run.replay_command = r.replay_command;
  KS_ASSERT(run.exit_code != exit_passed || run.failed_checks.empty());
  return run;
}

// A run that threw (a bug in kraftsim, never a user error: the scenario was validated). The
// sweep goes on with the other seeds and the line says what happened.
SweepRun summarize_exception(const Scenario& scenario, std::uint64_t seed, const std::string& what, double wall_ms) {
  SweepRun run;
  run.seed = seed;
  run.exit_code = exit_internal;
  run.wall_ms = wall_ms;
  run.internal_error = what;
  // The same form run_scenario gives (run.cpp).
  run.replay_command = fmt::format("kraftsim run {} --seed {}",
                                   scenario.source_path.empty() ? scenario.name : scenario.source_path, seed);
  return run;
}

nlohmann::ordered_json exception_json(const Scenario& scenario, const SweepRun& run) {
  nlohmann::ordered_json j;
  j["scenario"] = scenario.name;
  j["seed"] = run.seed;
  j["passed"] = false;
  j["wall_ms"] = run.wall_ms;
  j["error"] = run.internal_error;
  j["exit_code"] = run.exit_code;
  j["replay"] = run.replay_command;
  return j;
}

}  // namespace

Result<SeedRange, std::string> parse_seed_range(std::string_view text) {
  const auto dots = text.find("..");
  SeedRange range;
  if (dots == std::string_view::npos || !parse_u64(text.substr(0, dots), range.first) ||
      !parse_u64(text.substr(dots + 2), range.last)) {
    return unexpected(fmt::format("expected A..B with whole numbers 0 <= A <= B (e.g. 1..100), got '{}'", text));
  }
  if (range.first > range.last) {
    return unexpected(fmt::format("expected A..B with A <= B, got '{}'", text));
  }
  return range;
}

Result<Shard, std::string> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  Shard shard;
  if (slash == std::string_view::npos || !parse_u64(text.substr(0, slash), shard.index) ||
      !parse_u64(text.substr(slash + 1), shard.count) || shard.count == 0 || shard.index == 0 ||
      shard.index > shard.count) {
    return unexpected(fmt::format("expected K/N with 1 <= K <= N (e.g. 3/8: the third of eight shards), got '{}'", text));
  }
  return shard;
}

std::uint64_t shard_seed_count(const SeedRange& range, const Shard& shard) {
  KS_ASSERT(range.first <= range.last);
  KS_ASSERT(shard.index >= 1 && shard.index <= shard.count);
  // Offsets 0..span from the first seed; this shard holds those equal to index-1 modulo count.
  // Written without span + 1, which overflows for the range 0..2^64-1.
  const std::uint64_t span = range.last - range.first;
  const std::uint64_t offset = shard.index - 1;
  if (offset > span) return 0;
  const std::uint64_t beyond_first = (span - offset) / shard.count;
  // 2^64 seeds (the whole range in one shard) do not fit: saturate, which every limit refuses.
  if (beyond_first == std::numeric_limits<std::uint64_t>::max()) return beyond_first;
  return beyond_first + 1;
}

std::uint64_t shard_seed(const SeedRange& range, const Shard& shard, std::uint64_t i) {
  KS_ASSERT(i < shard_seed_count(range, shard));
  const std::uint64_t seed = range.first + (shard.index - 1) + i * shard.count;
  KS_ASSERT(seed >= range.first && seed <= range.last);
  KS_ASSERT((seed - range.first) % shard.count == shard.index - 1);
  return seed;
}

int worse_exit_code(int a, int b) { return severity(a) >= severity(b) ? a : b; }

std::uint64_t SweepResult::failed_count() const {
  return static_cast<std::uint64_t>(
      std::count_if(runs.begin(), runs.end(), [](const SweepRun& r) { return r.exit_code != exit_passed; }));
}

int SweepResult::worst_exit_code() const {
  int worst = exit_passed;
  for (const SweepRun& r : runs) worst = worse_exit_code(worst, r.exit_code);
  return worst;
}

SweepResult run_sweep(const Scenario& scenario, const SweepOptions& options) {
  return run_sweep(scenario.name, [&scenario](std::uint64_t) { return scenario; }, options);
}

SweepResult run_sweep(const std::string& name, const std::function<Scenario(std::uint64_t seed)>& scenario_for,
                      const SweepOptions& options) {
  KS_ASSERT(options.jobs >= 1 && options.jobs <= sweep_jobs_max);
  KS_ASSERT(options.on_run != nullptr);
  const std::uint64_t planned = shard_seed_count(options.seeds, options.shard);
  KS_ASSERT(planned <= sweep_seeds_max);

  SweepResult result;
  result.scenario = name;
  result.seeds = options.seeds;
  result.shard = options.shard;
  result.seeds_planned = planned;
  result.runs.reserve(std::min<std::uint64_t>(planned, 4096));

  std::atomic<std::uint64_t> next_index{0};
  std::atomic<bool> sink_stop{false};
  std::mutex sink_mutex;               // guards result.runs, options.on_run and sink_error
  std::exception_ptr sink_error;       // the first exception the sink threw
  auto stopped = [&] { return sink_stop.load() || (options.stop != nullptr && options.stop->load()); };

  auto worker = [&] {
    while (!stopped()) {
      const std::uint64_t index = next_index.fetch_add(1);
      if (index >= planned) return;
      const std::uint64_t seed = shard_seed(options.seeds, options.shard, index);
      RunOptions run_options;
      run_options.seed = seed;
      run_options.keep_trace_events = false;
      // Wall clock only for wall_ms (result_json.h): never inside the run.
      const auto start = std::chrono::steady_clock::now();
      SweepRun run;
      nlohmann::ordered_json line;
      const Scenario scenario = scenario_for(seed);
      try {
        const RunResult r = run_scenario(scenario, run_options);
        const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        KS_ASSERT(r.seed == seed);
        run = summarize(r, wall_ms);
        line = result_json(r, wall_ms);
      } catch (const std::exception& e) {
        const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        run = summarize_exception(scenario, seed, e.what(), wall_ms);
        line = exception_json(scenario, run);
      }
      const std::lock_guard lock(sink_mutex);
      try {
        if (!options.on_run(run, line)) sink_stop = true;
      } catch (...) {
        if (!sink_error) sink_error = std::current_exception();
        sink_stop = true;
      }
      result.runs.push_back(std::move(run));
    }
  };

  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t threads_wanted = std::min<std::uint64_t>(static_cast<std::uint64_t>(options.jobs), planned);
  std::vector<std::thread> threads;
  threads.reserve(threads_wanted);
  for (std::uint64_t t = 0; t < threads_wanted; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  result.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (sink_error) std::rethrow_exception(sink_error);

  std::sort(result.runs.begin(), result.runs.end(), [](const SweepRun& a, const SweepRun& b) { return a.seed < b.seed; });
  result.interrupted = result.runs.size() < planned;
  KS_ASSERT(result.runs.size() <= planned);
  KS_ASSERT(std::adjacent_find(result.runs.begin(), result.runs.end(), [](const SweepRun& a, const SweepRun& b) {
              return a.seed == b.seed;
            }) == result.runs.end());
  return result;
}

}  // namespace kraftsim::runner

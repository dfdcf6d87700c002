// `kraftsim sweep FILE --seeds A..B [--jobs N] [--shard K/N] [--jsonl OUT] [--junit OUT]`: the
// terminal and file side of a sweep (sim/runner/sweep.h runs it). Each finished run is one line
// of OUT, written and flushed at once, so an interrupted or killed sweep keeps every finished
// run. Ctrl-C stops handing out seeds; a second Ctrl-C kills the process (SA_RESETHAND).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/assert.h"
#include "sim/cli/commands.h"
#include "sim/runner/result_json.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/sweep.h"
#include "sim/runner/sweep_report.h"

namespace kraftsim::cli {
namespace {

// Set by the SIGINT handler; lock-free, so setting it from a handler is safe.
std::atomic<bool> interrupt_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_sigint(int) {
  interrupt_requested.store(true);
  static constexpr char message[] =
      "\nkraftsim: interrupted: finishing the running seeds, no new ones (Ctrl-C again to quit now)\n";
  // write(2) is async-signal-safe; its result cannot be acted on here.
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
}

struct SweepArgs {
  std::string file;
  std::string seeds;
  std::string shard = "1/1";
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string jsonl;
  std::string junit;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "kraftsim: error: %s\n", message.c_str());
  return runner::exit_bad_input;
}

// Closes a FILE* on every path.
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_for_writing(const std::string& path) { return File(std::fopen(path.c_str(), "w")); }

int run_sweep_command(const SweepArgs& args) {
  auto seeds = runner::parse_seed_range(args.seeds);
  if (!seeds.ok()) return fail("--seeds: " + seeds.error());
  auto shard = runner::parse_shard(args.shard);
  if (!shard.ok()) return fail("--shard: " + shard.error());
  const std::uint64_t planned = runner::shard_seed_count(*seeds, *shard);
  if (planned > runner::sweep_seeds_max) {
    return fail(fmt::format("--seeds: {} seeds in one sweep, at most {} (split it with --shard K/N)", planned,
                            runner::sweep_seeds_max));
  }
  auto scenario = runner::load_scenario_file(args.file);
  if (!scenario.ok()) return fail(scenario.error().message);
  // Open both outputs before running: a bad path fails now, not after hours of runs.
  File jsonl, junit;
  if (!args.jsonl.empty() && !(jsonl = open_for_writing(args.jsonl))) {
    return fail(fmt::format("--jsonl {}: cannot open the file for writing", args.jsonl));
  }
  if (!args.junit.empty() && !(junit = open_for_writing(args.junit))) {
    return fail(fmt::format("--junit {}: cannot open the file for writing", args.junit));
  }

  const bool progress = ::isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t done = 0, failed = 0;
  std::optional<std::string> write_error;

  runner::SweepOptions options;
  options.seeds = *seeds;
  options.shard = *shard;
  options.jobs = args.jobs;
  options.stop = &interrupt_requested;
  options.on_run = [&](const runner::SweepRun& run, const nlohmann::ordered_json& line) {
    ++done;
    KS_ASSERT(done <= planned);
    if (run.exit_code != runner::exit_passed) ++failed;
    if (jsonl) {
      const std::string text = line.dump() + "\n";
      // One write and a flush per line: the OS has every finished run even if we are killed.
      if (std::fwrite(text.data(), 1, text.size(), jsonl.get()) != text.size() || std::fflush(jsonl.get()) != 0) {
        write_error = fmt::format("--jsonl {}: write failed", args.jsonl);
        return false;
      }
    }
    if (progress) {
      const double elapsed_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r%s\x1b[K", runner::sweep_progress_line(done, planned, failed, elapsed_ms).c_str());
      std::fflush(stderr);
    }
    return true;
  };

  interrupt_requested.store(false);
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C kills at once
  struct sigaction previous {};
  ::sigaction(SIGINT, &action, &previous);
  const runner::SweepResult result = runner::run_sweep(*scenario, options);
  ::sigaction(SIGINT, &previous, nullptr);
  if (progress && done > 0) std::fputc('\n', stderr);

  if (junit) {
    const std::string xml = runner::sweep_junit_xml(result);
    if (std::fwrite(xml.data(), 1, xml.size(), junit.get()) != xml.size() || std::fflush(junit.get()) != 0) {
      write_error = fmt::format("--junit {}: write failed", args.junit);
    }
  }
  std::fputs(runner::sweep_summary_text(result, args.jobs).c_str(), stdout);
  std::fflush(stdout);
  if (write_error) return fail(*write_error);
  const int worst = result.worst_exit_code();
  if (worst == runner::exit_passed && result.interrupted) return runner::exit_interrupted;
  return worst;
}

}  // namespace

Command add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto* sweep = app.add_subcommand("sweep", "Run a scenario over many seeds in parallel worker threads");
  sweep->add_option("FILE", args->file, "Scenario JSON file")->required();
  sweep->add_option("--seeds", args->seeds, "Seeds A..B, both included (e.g. 1..1000)")->required();
  sweep->add_option("--jobs", args->jobs, "Worker threads, one world each (default: the number of cores)")
      ->check(CLI::Range(1, runner::sweep_jobs_max));
  sweep->add_option("--shard", args->shard,
                    "Run only shard K of N (1-based): the seeds s with (s - A) % N == K - 1 (docs/sweeps.md)");
  sweep->add_option("--jsonl", args->jsonl, "Write one --json result line per finished run to this file, as they finish");
  sweep->add_option("--junit", args->junit, "Write a JUnit XML report (one testcase per seed) to this file");
  return [args] { return run_sweep_command(*args); };
}

}  // namespace kraftsim::cli

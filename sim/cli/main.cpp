// The kraftsim command line. Exit codes (docs/cli.md, sim/runner/result_json.h):
//   0  the run passed (every expectation met)
//   1  a safety check was violated (or an expected violation did not happen)
//   2  bad input: unknown flag, missing or malformed file, invalid scenario
//   3  a liveness check failed (and no safety check)
//   4  internal error (a bug in kraftsim)
// Wall-clock time is measured only here, around a run, and shows only in --json (wall_ms).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string_view>
#include <unistd.h>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <nlohmann/json.hpp>
#include <random>

#include "broker/common/uuid.h"
#include "sim/cli/commands.h"
#include "sim/runner/kernel_bench.h"
#include "broker/node/config_keys.h"
#include "sim/cli/explore_command.h"
#include "sim/cli/report_command.h"
#include "sim/runner/result_json.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "trace/trace.h"

namespace {

using namespace kraftsim;

using runner::exit_bad_input;
using runner::exit_internal;
using runner::exit_passed;

// Whether malloc was told to use transparent huge pages (see use_huge_pages in main()).
bool heap_uses_huge_pages() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && std::string_view(tunables).find("glibc.malloc.hugetlb=1") != std::string_view::npos;
}

// Whether this binary was compiled with a training profile (KRAFTSIM_PGO=use, scripts/build.sh).
#ifdef KRAFTSIM_PROFILE_GUIDED
constexpr bool built_profile_guided = true;
#else
constexpr bool built_profile_guided = false;
#endif

int fail_input(const std::string& message) {
  std::fprintf(stderr, "kraftsim: error: %s\n", message.c_str());
  return exit_bad_input;
}

void print_human(const runner::RunResult& r) {
  std::printf("scenario %s, seed %llu: %s\n", r.scenario.c_str(), static_cast<unsigned long long>(r.seed),
              r.passed ? "PASSED" : "FAILED");
  for (const auto& c : r.checks) {
    std::printf("  %-32s %-26s %s\n", c.id.c_str(), runner::to_string(c.status), c.detail.c_str());
  }
  std::printf("fingerprint %s, %llu trace events, %lld ms simulated\n", trace::format_fingerprint(r.fingerprint).c_str(),
              static_cast<unsigned long long>(r.events), static_cast<long long>(r.sim_time_ms));
  if (!r.passed) std::printf("replay: %s\n", r.replay_command.c_str());
}

// Writes the exported simulated files as DIR/node-N/<path>, byte for byte.
std::optional<std::string> write_exported(const std::string& dir, const std::vector<runner::NodeFiles>& nodes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& node : nodes) {
    for (const auto& [path, bytes] : node.files) {
      const fs::path target = fs::path(dir) / fmt::format("node-{}", node.node) / path;
      fs::create_directories(target.parent_path(), ec);
      if (ec) return fmt::format("{}: cannot create the directory: {}", target.parent_path().string(), ec.message());
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) return fmt::format("{}: cannot write the file", target.string());
    }
  }
  return std::nullopt;
}

int cmd_run(const std::string& file, std::optional<std::uint64_t> seed, bool json, const std::string& trace_out,
            const std::string& export_dir, std::optional<std::int64_t> export_at_ms, const cli::ReportFlags& report) {
  if (auto error = cli::check_report_flags(report)) return fail_input(*error);
  auto loaded = runner::load_scenario_file(file);
  if (!loaded.ok()) return fail_input(loaded.error().message);
  runner::RunOptions options;
  options.seed = seed;
  // For measuring what sharing saves (docs/PERFORMANCE.md); the run computes the same either way.
  options.share_disk_bytes = std::getenv("KRAFTSIM_NO_SHARED_BYTES") == nullptr;
  // The same for recognising acknowledged batches at the end of the run: the verdicts are equal.
  options.recognise_acked_batches = std::getenv("KRAFTSIM_DECODE_ALL_BATCHES") == nullptr;
  options.keep_trace_events = !trace_out.empty() || !report.dir.empty();
  options.export_files = !export_dir.empty();
  if (export_at_ms) options.export_at = Time::zero() + milliseconds(*export_at_ms);
  const auto start = std::chrono::steady_clock::now();
  const runner::RunResult r = runner::run_scenario(loaded.value(), options);
  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!trace_out.empty()) {
    std::ofstream out(trace_out, std::ios::binary);
    if (!out) return fail_input(fmt::format("{}: cannot write the trace file", trace_out));
    trace::write_jsonl(out, r.trace_events);
  }
  if (!export_dir.empty()) {
    if (auto error = write_exported(export_dir, r.exported_files)) return fail_input(*error);
  }
  if (auto error = cli::write_run_report(report, r, !json)) return fail_input(*error);
  if (json) {
    nlohmann::ordered_json j = runner::result_json(r, wall_ms);
    j["huge_pages"] = heap_uses_huge_pages();  // process tuning, like wall_ms: never in the trace
    j["profile_guided"] = built_profile_guided;  // which build produced wall_ms
    std::cout << j.dump() << '\n';
  } else {
    print_human(r);
  }
  return runner::exit_code(r);
}

// Validates scenario files without running them: one line per file, exit 2 if any is invalid.
int cmd_check(const std::vector<std::string>& files) {
  bool all_valid = true;
  for (const auto& file : files) {
    auto loaded = runner::load_scenario_file(file);
    if (loaded.ok()) {
      std::printf("%s: ok (%s, %zu nodes, %zu faults)\n", file.c_str(), loaded->name.c_str(), loaded->nodes.size(),
                  loaded->faults.size());
    } else {
      std::fprintf(stderr, "kraftsim: error: %s\n", loaded.error().message.c_str());
      all_valid = false;
    }
  }
  return all_valid ? exit_passed : exit_bad_input;
}

int cmd_random_uuid() {
  // Not part of any run: real randomness is right here (kafka-storage.sh random-uuid).
  std::random_device device;
  auto next = [&device] { return (static_cast<std::uint64_t>(device()) << 32) | device(); };
  std::printf("%s\n", uuid_to_string(random_uuid(next)).c_str());
  return exit_passed;
}

int cmd_bench_kernel(std::uint64_t pending, std::uint64_t events, int repetitions, bool json) {
  const auto r = runner::bench_kernel(pending, events, repetitions);
  if (json) {
    nlohmann::ordered_json j{{"bench", "kernel"},
                             {"pending_timers", r.pending_timers},
                             {"events", r.events},
                             {"scheduler_events_per_s", r.scheduler_events_per_s},
                             {"bare_priority_queue_events_per_s", r.bare_events_per_s},
                             {"ratio", r.ratio}};
    std::cout << j.dump() << '\n';
  } else {
    std::printf("kernel bench: %llu pending timers, %llu events, best of %d\n",
                static_cast<unsigned long long>(r.pending_timers), static_cast<unsigned long long>(r.events), repetitions);
    std::printf("  scheduler:                 %12.0f events/s\n", r.scheduler_events_per_s);
    std::printf("  bare std::priority_queue:  %12.0f events/s\n", r.bare_events_per_s);
    std::printf("  ratio scheduler/bare:      %12.2f (goal >= 0.50)\n", r.ratio);
  }
  return exit_passed;
}

int real_main(int argc, char** argv) {
  CLI::App app{"kraftsim: a deterministic simulator of an Apache Kafka cluster in KRaft mode"};
  app.set_version_flag("--version", std::string("kraftsim ") + KRAFTSIM_VERSION);
  app.require_subcommand(1);

  std::string run_file;
  std::optional<std::uint64_t> run_seed;
  bool run_json = false;
  std::string run_trace;
  auto* run = app.add_subcommand("run", "Run a scenario file and judge its checks");
  run->add_option("FILE", run_file, "Scenario JSON file")->required();
  run->add_option("--seed", run_seed, "Seed (overrides the scenario's)")->check(cli::seed_value);
  run->add_flag("--json", run_json, "Print one JSON object with the result");
  run->add_option("--trace", run_trace, "Write the trace as JSON Lines to this file");
  std::string run_export;
  std::optional<std::int64_t> run_export_at;
  run->add_option("--export-data", run_export,
                  "Write every node's simulated files into DIR/node-N/ (segments, indexes, meta.properties, ...)");
  run->add_option("--export-at", run_export_at, "Export the files as they stand at this simulated time (ms)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{365LL * 24 * 3600 * 1000}));
  cli::ReportFlags run_report;
  cli::add_run_report_flags(*run, run_report);
  cli::ReportCommand report_command;
  auto* report = cli::add_report_command(app, report_command);

  std::vector<std::string> check_files;
  auto* check = app.add_subcommand("check", "Validate scenario files without running them");
  check->add_option("FILE", check_files, "Scenario JSON files")->required();

  const auto explore = cli::add_explore_command(app);

  app.add_subcommand("random-uuid", "Print a new Kafka cluster id, like kafka-storage.sh random-uuid");
  app.add_subcommand("config-keys", "Print every configuration key kraftsim understands (docs/configuration.md)");

  auto* bench = app.add_subcommand("bench", "Micro-benchmarks (wall-clock)");
  bench->require_subcommand(1);
  std::uint64_t bench_pending = 10'000, bench_events = 5'000'000;
  int bench_repetitions = 3;
  bool bench_json = false;
  auto* kernel = bench->add_subcommand("kernel", "Scheduler events/s with 10,000 pending timers vs a bare priority_queue");
  kernel->add_option("--pending", bench_pending, "Pending timers")->check(CLI::Range(1ull, 10'000'000ull));
  kernel->add_option("--events", bench_events, "Events to dispatch")->check(CLI::Range(1ull, 10'000'000'000ull));
  kernel->add_option("--repetitions", bench_repetitions, "Repetitions (best is reported)")->check(CLI::Range(1, 100));
  kernel->add_flag("--json", bench_json, "Print JSON");

  const cli::Command sweep = cli::add_sweep_command(app);
  const cli::Command import_compose = cli::add_import_compose_command(app);
  const cli::Command shrink = cli::add_shrink_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail_input(fmt::format("{} (see kraftsim --help)", e.what()));
  }

  if (app.got_subcommand("run")) return cmd_run(run_file, run_seed, run_json, run_trace, run_export, run_export_at, run_report);
  if (report->parsed()) return cli::run_report_command(report_command);
  if (app.got_subcommand("check")) return cmd_check(check_files);
  if (app.got_subcommand("sweep")) return sweep();
  if (app.got_subcommand("import-compose")) return import_compose();
  if (app.got_subcommand("explore")) return explore();
  if (app.got_subcommand("shrink")) return shrink();
  if (app.got_subcommand("random-uuid")) return cmd_random_uuid();
  if (app.got_subcommand("config-keys")) {
    std::cout << node::config_keys_markdown();
    return exit_passed;
  }
  if (kernel->parsed()) return cmd_bench_kernel(bench_pending, bench_events, bench_repetitions, bench_json);
  return fail_input("no command given (see kraftsim --help)");
}

}  // namespace

// Transparent huge pages for the heap, on request (KRAFTSIM_HUGEPAGES=1). glibc's malloc can ask
// the kernel for huge pages (its glibc.malloc.hugetlb=1 tunable madvises its heap); the third
// session measured s1 1.12x faster with them, when a run touched a few hundred MB of fresh
// memory. Since the replicas share their bytes (sim/world/file_bytes.h) a run holds far less,
// and on this project's VM the heap's huge pages cost more than they save: s1 took 0.88-0.90 of
// the time without them in three sets of alternating runs over two sessions, and a 2-job sweep
// 0.95 (docs/PERFORMANCE.md). Tunables are read only when a process starts, so the commands
// that run simulations re-execute the binary once with the tunable set. Not when
// GLIBC_TUNABLES is already set (a user's own tunables, or this re-execution), nor under the
// sanitizers (they bring their own allocator). Process tuning only: no effect on what a run
// computes.
namespace {
void use_huge_pages(int argc, char** argv) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  (void)argc;
  (void)argv;
#else
  const char* wanted = std::getenv("KRAFTSIM_HUGEPAGES");
  if (argc < 2 || wanted == nullptr || std::string_view(wanted) != "1" || std::getenv("GLIBC_TUNABLES") != nullptr) return;
  const std::string_view command = argv[1];
  if (command != "run" && command != "sweep" && command != "explore" && command != "shrink" && command != "bench") return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 0) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");  // execv failed (no /proc): carry on without
#endif
}
}  // namespace

int main(int argc, char** argv) {
  use_huge_pages(argc, argv);
  // glibc gives blocks above its (dynamic) mmap threshold back to the kernel when they are
  // freed, and trims the heap's top: a run grows and frees large buffers all the time (segment
  // files, fetch responses, the checkers' end-of-run views), and each new one then costs page
  // faults. Keeping them in the heap cut s1's system time from about 1.0 s to 0.5 s
  // (docs/PERFORMANCE.md). Process tuning only: no effect on what a run computes.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  try {
    return real_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kraftsim: internal error: %s\n", e.what());
    return exit_internal;
  }
}

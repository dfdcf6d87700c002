// `kraftsim run --report` and `kraftsim report` (see report_command.h).
#include "sim/cli/report_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "reports/report.h"
#include "sim/runner/result_json.h"

namespace kraftsim::cli {

namespace {

std::optional<reports::Window> window_of(const std::string& text, std::string& error) {
  if (text.empty()) return std::nullopt;
  auto parsed = reports::parse_window(text);
  if (!parsed.ok()) {
    error = parsed.error();
    return std::nullopt;
  }
  return parsed.value();
}

void print_where(const std::string& dir) {
  std::printf("report written to %s/: open %s/timeline.html in a browser (summary.md, sequence.mmd, trace.json for "
              "ui.perfetto.dev, events.jsonl)\n",
              dir.c_str(), dir.c_str());
}

}  // namespace

void add_run_report_flags(CLI::App& run, ReportFlags& flags) {
  run.add_option("--report", flags.dir,
                 "Write the run's report into DIR: timeline.html, summary.md, sequence.mmd, trace.json, events.jsonl");
  run.add_option("--window", flags.window, "The report's detail window FROM..TO in simulated milliseconds");
}

std::optional<std::string> check_report_flags(const ReportFlags& flags) {
  if (!flags.window.empty() && flags.dir.empty()) return std::string("--window needs --report DIR");
  std::string error;
  (void)window_of(flags.window, error);
  if (!error.empty()) return error;
  return std::nullopt;
}

std::optional<std::string> write_run_report(const ReportFlags& flags, const runner::RunResult& result, bool announce) {
  if (flags.dir.empty()) return std::nullopt;
  std::string error;
  reports::ReportOptions options;
  options.window = window_of(flags.window, error);
  if (!error.empty()) return error;
  // The folder is not part of the replay command, so a report does not depend on where it is written.
  options.replay_command = fmt::format("{} --report report{}", result.replay_command,
                                       flags.window.empty() ? std::string() : " --window " + flags.window);
  auto written = reports::write_report(flags.dir, result.trace_events, options);
  if (!written.ok()) return written.error();
  if (announce) print_where(flags.dir);
  return std::nullopt;
}

CLI::App* add_report_command(CLI::App& app, ReportCommand& command) {
  auto* report = app.add_subcommand("report", "Render a report folder from a trace (events.jsonl)");
  report->add_option("EVENTS", command.events_file, "The trace, e.g. a report's events.jsonl")->required();
  report->add_option("--out", command.out_dir, "The folder to write the report into")->required();
  report->add_option("--window", command.window, "The detail window FROM..TO in simulated milliseconds");
  return report;
}

int run_report_command(const ReportCommand& command) {
  std::string error;
  reports::ReportOptions options;
  options.window = window_of(command.window, error);
  if (!error.empty()) {
    std::fprintf(stderr, "kraftsim: error: %s\n", error.c_str());
    return runner::exit_bad_input;
  }
  auto events = reports::read_events_file(command.events_file);
  if (!events.ok()) {
    std::fprintf(stderr, "kraftsim: error: %s\n", events.error().c_str());
    return runner::exit_bad_input;
  }
  auto written = reports::write_report(command.out_dir, events.value(), options);
  if (!written.ok()) {
    std::fprintf(stderr, "kraftsim: error: %s\n", written.error().c_str());
    return runner::exit_bad_input;
  }
  print_where(command.out_dir);
  return runner::exit_passed;
}

}  // namespace kraftsim::cli

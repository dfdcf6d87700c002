// The report flags of `kraftsim run` (--report DIR, --window FROM..TO) and the `kraftsim report
// EVENTS.jsonl --out DIR [--window FROM..TO]` subcommand, which re-renders a report from a trace.
// main.cpp only registers them and calls in here. Bad input is one error line and exit code 2.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "sim/runner/run.h"

namespace kraftsim::cli {

struct ReportFlags {
  std::string dir;     // --report: "" = no report
  std::string window;  // --window: "" = the model's choice
};

void add_run_report_flags(CLI::App& run, ReportFlags& flags);
// Checked before the run starts, so a bad --window runs nothing. An error line, or nullopt.
std::optional<std::string> check_report_flags(const ReportFlags& flags);
// After the run (which kept its trace events). An error line, or nullopt. `announce` prints where
// the report is (not with --json, whose stdout is one JSON object).
std::optional<std::string> write_run_report(const ReportFlags& flags, const runner::RunResult& result, bool announce);

struct ReportCommand {
  std::string events_file;
  std::string out_dir;
  std::string window;
};

CLI::App* add_report_command(CLI::App& app, ReportCommand& command);
int run_report_command(const ReportCommand& command);

}  // namespace kraftsim::cli

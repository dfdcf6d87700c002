// Writing a run's report folder: timeline.html, summary.md, sequence.mmd, trace.json and
// events.jsonl, all rendered from the trace events alone (the same files from `kraftsim run
// --report DIR` and from `kraftsim report DIR/events.jsonl --out DIR2`). Deterministic: the same
// events and options give byte-identical files; no wall-clock figure appears in them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "reports/model.h"
#include "trace/event.h"

namespace kraftsim::reports {

struct ReportOptions {
  std::optional<Window> window;  // --window FROM..TO; unset: chosen by the model
  std::string replay_command;    // shown in summary.md and the page; derived from the trace if empty
};

struct ReportFiles {
  std::string timeline_html;
  std::string summary_md;
  std::string sequence_mmd;
  std::string trace_json;
};

// The model with its narration, as every renderer sees it.
Timeline make_report_model(const std::vector<trace::Event>& events, const ReportOptions& options);
ReportFiles render_report(const std::vector<trace::Event>& events, const ReportOptions& options);
// Writes the five files into `dir` (created if missing). Error: one line naming the file.
Result<bool, std::string> write_report(const std::string& dir, const std::vector<trace::Event>& events,
                                       const ReportOptions& options);

// Parses "FROM..TO" (milliseconds, FROM < TO); an error says what was expected.
Result<Window, std::string> parse_window(const std::string& text);
// Reads events.jsonl; an error names the file and line and what was expected.
Result<std::vector<trace::Event>, std::string> read_events_file(const std::string& path);

}  // namespace kraftsim::reports

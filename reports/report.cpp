// The report folder (see report.h).
#include "reports/report.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "base/assert.h"
#include "reports/html.h"
#include "reports/markdown.h"
#include "reports/mermaid.h"
#include "reports/narrative.h"
#include "reports/perfetto.h"
#include "trace/trace.h"

namespace kraftsim::reports {

namespace {

constexpr std::uint64_t events_file_lines_max = 200'000'000;
constexpr std::int64_t window_ms_max = 365LL * 24 * 3600 * 1000;

std::string default_replay(const Timeline& t) {
  // The trace names the scenario, not its file (usually scenarios/.../NAME.json).
  return fmt::format("kraftsim run SCENARIO.json --seed {} --report report/", t.run.seed);
}

bool parse_ms(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= window_ms_max;
}

Result<bool, std::string> write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) return unexpected(fmt::format("{}: cannot write the file", path.string()));
  return true;
}

}  // namespace

Timeline make_report_model(const std::vector<trace::Event>& events, const ReportOptions& options) {
  Timeline t = build_timeline(events, options.window);
  t.chapters = narrate(t);
  return t;
}

ReportFiles render_report(const std::vector<trace::Event>& events, const ReportOptions& options) {
  const Timeline t = make_report_model(events, options);
  const std::string replay = options.replay_command.empty() ? default_replay(t) : options.replay_command;
  ReportFiles files{render_timeline_html(t, replay), render_summary_markdown(t, replay), render_sequence_mermaid(t),
                    render_perfetto(t)};
  KS_ASSERT(files.sequence_mmd.size() <= mermaid_chars_max);
  KS_ASSERT(files.sequence_mmd.rfind("sequenceDiagram", 0) == 0);
  return files;
}

Result<bool, std::string> write_report(const std::string& dir, const std::vector<trace::Event>& events,
                                       const ReportOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return unexpected(fmt::format("{}: cannot create the report directory{}", dir, ec ? ": " + ec.message() : std::string()));
  }
  const ReportFiles files = render_report(events, options);
  const fs::path base(dir);
  for (const auto& [name, contents] : {std::pair{"timeline.html", &files.timeline_html}, std::pair{"summary.md", &files.summary_md},
                                       std::pair{"sequence.mmd", &files.sequence_mmd}, std::pair{"trace.json", &files.trace_json}}) {
    auto written = write_file(base / name, *contents);
    if (!written.ok()) return written;
  }
  const fs::path jsonl = base / "events.jsonl";
  std::ofstream out(jsonl, std::ios::binary | std::ios::trunc);
  trace::write_jsonl(out, events);
  out.close();
  if (!out) return unexpected(fmt::format("{}: cannot write the file", jsonl.string()));
  return true;
}

Result<Window, std::string> parse_window(const std::string& text) {
  const std::size_t dots = text.find("..");
  std::int64_t from_ms = 0, to_ms = 0;
  if (dots == std::string::npos || !parse_ms(std::string_view(text).substr(0, dots), from_ms) ||
      !parse_ms(std::string_view(text).substr(dots + 2), to_ms) || from_ms >= to_ms) {
    return unexpected(fmt::format("--window {}: expected FROM..TO in milliseconds of simulated time with FROM < TO, e.g. 10000..30000", text));
  }
  return Window{from_ms * 1000, to_ms * 1000};
}

Result<std::vector<trace::Event>, std::string> read_events_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(fmt::format("{}: cannot read the file", path));
  std::vector<trace::Event> events;
  std::string line;
  std::uint64_t number = 0;
  std::int64_t last_t_us = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number > events_file_lines_max) return unexpected(fmt::format("{}: more than {} lines", path, events_file_lines_max));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    trace::Event e;
    std::string error;
    if (!trace::parse_json_line(line, e, error)) {
      return unexpected(fmt::format("{}:{}: expected one trace event as a JSON object (docs/trace-format.md): {}", path, number, error));
    }
    if (e.t_us < last_t_us) {
      return unexpected(fmt::format("{}:{}: t_us {} is before the previous event's {} (a trace never goes back in time)",
                                    path, number, e.t_us, last_t_us));
    }
    last_t_us = e.t_us;
    events.push_back(std::move(e));
  }
  if (events.empty()) return unexpected(fmt::format("{}: no trace events (expected JSON Lines as in docs/trace-format.md)", path));
  return events;
}

}  // namespace kraftsim::reports

// summary.md (see markdown.h).
#include "reports/markdown.h"

#include <fmt/format.h>

#include "reports/escape.h"
#include "reports/narrative.h"

namespace kraftsim::reports {

namespace {

std::int64_t stat(const Timeline& t, const std::string& key) {
  auto it = t.stats.find(key);
  return it == t.stats.end() ? 0 : it->second;
}

}  // namespace

std::string render_summary_markdown(const Timeline& t, const std::string& replay_command) {
  std::string md;
  md += fmt::format("# kraftsim report: {}\n\n", escape_markdown(t.run.scenario));
  if (!t.run.description.empty()) md += escape_markdown(t.run.description) + "\n\n";
  md += fmt::format("Seed {}, {} simulated, {} trace events. Result: **{}**.\n\n", t.run.seed,
                    format_time(t.run.end_us), t.events_total,
                    t.run.ended ? (t.run.passed ? "passed" : "FAILED") : "unknown (the trace has no run-ended)");
  md += "Open `timeline.html` (next to this file) in a browser for the interactive timeline and its guided mode.\n\n";

  md += "## What happened\n\n";
  for (const Chapter& c : t.chapters) {
    md += fmt::format("**{}** ({}). {}\n\n", escape_markdown(c.title), format_time(c.t_us), escape_markdown(c.text));
  }

  md += "## Invariants\n\n| check | status | first violation | detail |\n|---|---|---|---|\n";
  for (const CheckVerdict& c : t.checks) {
    md += fmt::format("| {} | {} | {} | {} |\n", escape_markdown(c.id), escape_markdown(c.status),
                      c.violation_t_us >= 0 ? format_time(c.violation_t_us) : "-", escape_markdown(c.detail));
  }
  if (t.checks.empty()) md += "| (no check events in the trace) | | | |\n";

  md += "\n## Key figures\n\n| figure | value |\n|---|---|\n";
  const char* figures[][2] = {
      {"records_sent", "records sent"},
      {"records_acknowledged", "records acknowledged"},
      {"records_failed", "records failed"},
      {"records_lost", "acknowledged records lost"},
      {"records_duplicated", "records duplicated"},
      {"duplicates_answered", "idempotent retries answered from producer state"},
      {"records_consumed", "records consumed"},
      {"controller_elections", "controller elections"},
      {"partition_leader_elections", "partition leader elections"},
      {"isr_changes", "ISR changes"},
      {"bytes_on_wire", "bytes on the wire (all messages)"},
      {"bytes_written_to_disk", "bytes written to disk (all nodes)"},
      {"fsyncs", "fsyncs"},
  };
  for (const auto& f : figures) md += fmt::format("| {} | {} |\n", f[1], stat(t, f[0]));
  for (const auto& [codec, bytes] : t.produce_bytes_by_codec) {
    md += fmt::format("| Produce request bytes on the wire, compression.type={} | {} |\n", escape_markdown(codec), bytes);
  }
  md += fmt::format("| messages sent / dropped | {} / {} |\n", t.messages_total, t.messages_dropped);
  md += "\nBytes on disk are traced per node, not per codec: with one codec in the run, the disk figure is that "
        "codec's.\n";

  md += "\n## Messages by RPC\n\n| RPC | messages |\n|---|---|\n";
  for (const auto& [type, count] : t.messages_by_type) md += fmt::format("| {} | {} |\n", escape_markdown(type), count);

  md += "\n## Verdict\n\n" + escape_markdown(durability_verdict(t)) + "\n";
  // A code block shows its text literally (no HTML), but a fence inside would end it.
  std::string replay = replay_command;
  for (std::size_t at = replay.find("```"); at != std::string::npos; at = replay.find("```")) replay.replace(at, 3, "` ` `");
  md += "\n## Replay\n\nThe same binary, scenario and seed give the same run, event for event:\n\n```\n" + replay + "\n```\n";
  return md;
}

}  // namespace kraftsim::reports

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

// Bytes on the wire and on disk per compression.type (seed 3.2.4): the Produce requests' bytes
// (send events) beside the bytes appended to the partition logs of every replica (run-stats
// log_bytes_<codec>, which includes the uncompressed __consumer_offsets). Codecs neither side saw
// are left out.
std::string render_codec_table(const Timeline& t) {
  std::string md =
      "\n## Bytes per codec\n\n| compression.type | Produce request bytes on the wire | bytes appended to partition "
      "logs (every replica) |\n|---|---|---|\n";
  bool any = false;
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    const auto wire = t.produce_bytes_by_codec.find(codec);
    const std::int64_t wire_bytes = wire == t.produce_bytes_by_codec.end() ? 0 : wire->second;
    const std::int64_t log_bytes = stat(t, std::string("log_bytes_") + codec);
    if (wire_bytes == 0 && log_bytes == 0) continue;
    md += fmt::format("| {} | {} | {} |\n", codec, wire_bytes, log_bytes);
    any = true;
  }
  for (const auto& [codec, bytes] : t.produce_bytes_by_codec) {
    if (codec == "none" || codec == "gzip" || codec == "snappy" || codec == "lz4" || codec == "zstd") continue;
    md += fmt::format("| {} | {} | - |\n", escape_markdown(codec), bytes);  // a producer the trace did not describe
    any = true;
  }
  if (!any) md += "| (nothing produced) | | |\n";
  return md;
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
  md += fmt::format("| messages sent / dropped | {} / {} |\n", t.messages_total, t.messages_dropped);
  md += render_codec_table(t);

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

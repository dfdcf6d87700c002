// The sweep's summary text, JUnit XML and progress line (see sweep_report.h).
#include "sim/runner/sweep_report.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "sim/runner/result_json.h"

namespace kraftsim::runner {
namespace {

constexpr int progress_bar_width = 30;

double seeds_per_minute(std::uint64_t runs, double wall_ms) {
  return wall_ms > 0 ? static_cast<double>(runs) * 60'000.0 / wall_ms : 0.0;
}

const char* failure_kind(int exit_code) {
  switch (exit_code) {
    case exit_safety_violation: return "safety";
    case exit_liveness_failure: return "liveness";
    case exit_internal: return "internal";
    default: return "passed";
  }
}

std::string seed_list(const SeedRange& range, const Shard& shard) {
  std::string text = fmt::format("seeds {}..{}", range.first, range.last);
  if (shard.count > 1) text += fmt::format(", shard {}/{}", shard.index, shard.count);
  return text;
}

// One line per failed check, then the replay command: the body of a JUnit failure and the
// summary's entry for a seed.
std::string failure_detail(const SweepRun& run, std::string_view indent) {
  std::string text;
  if (run.exit_code == exit_internal) text += fmt::format("{}internal error: {}\n", indent, run.internal_error);
  for (const CheckResult& c : run.failed_checks) {
    text += fmt::format("{}{}: {}: {}\n", indent, c.id, to_string(c.status), c.detail);
  }
  text += fmt::format("{}replay: {}\n", indent, run.replay_command);
  return text;
}

std::string failure_message(const SweepRun& run) {
  if (run.exit_code == exit_internal) return "internal error: " + run.internal_error;
  std::string text;
  for (const CheckResult& c : run.failed_checks) {
    if (!text.empty()) text += "; ";
    text += fmt::format("{} {}", c.id, to_string(c.status));
  }
  return text;
}

std::string format_duration(double seconds) {
  const auto total = static_cast<std::int64_t>(seconds + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
  if (total >= 60) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': case '\n': case '\r': out += ch; break;
      default:
        // XML 1.0 forbids the other C0 controls even as character references.
        out += static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f ? '?' : ch;
    }
  }
  return out;
}

std::string xml_escape_attribute(std::string_view text) {
  // An XML parser turns a raw tab or newline in an attribute value into a space; references keep them.
  std::string out;
  for (const char ch : xml_escape(text)) {
    if (ch == '\t') out += "&#9;";
    else if (ch == '\n') out += "&#10;";
    else if (ch == '\r') out += "&#13;";
    else out += ch;
  }
  return out;
}

std::string sweep_summary_text(const SweepResult& result, int jobs) {
  std::uint64_t safety = 0, liveness = 0, internal = 0;
  for (const SweepRun& r : result.runs) {
    if (r.exit_code == exit_safety_violation) ++safety;
    if (r.exit_code == exit_liveness_failure) ++liveness;
    if (r.exit_code == exit_internal) ++internal;
  }
  const std::uint64_t failed = result.failed_count();
  KS_ASSERT(failed == safety + liveness + internal);
  std::string text = fmt::format("sweep {}: {} ({} seeds), {} jobs\n", result.scenario, seed_list(result.seeds, result.shard),
                                 result.seeds_planned, jobs);
  text += fmt::format("{} runs: {} passed, {} failed ({} safety, {} liveness, {} internal) in {:.1f} s, {:.1f} seeds/min\n",
                      result.runs.size(), result.runs.size() - failed, failed, safety, liveness, internal,
                      result.wall_ms / 1000.0, seeds_per_minute(result.runs.size(), result.wall_ms));
  std::size_t listed = 0;
  for (const SweepRun& r : result.runs) {
    if (r.exit_code == exit_passed) continue;
    if (listed == sweep_failures_listed_max) {
      text += fmt::format("... and {} more failing seeds (the --jsonl file has every run)\n", failed - listed);
      break;
    }
    if (listed == 0) text += "failing seeds:\n";
    ++listed;
    text += fmt::format("  seed {}: {} (exit {})\n", r.seed, failure_kind(r.exit_code), r.exit_code);
    text += failure_detail(r, "    ");
  }
  if (result.interrupted) {
    text += fmt::format("interrupted: {} of {} seeds ran\n", result.runs.size(), result.seeds_planned);
  }
  return text;
}

std::string sweep_junit_xml(const SweepResult& result) {
  std::uint64_t failures = 0, errors = 0;
  for (const SweepRun& r : result.runs) {
    if (r.exit_code == exit_internal) ++errors;
    else if (r.exit_code != exit_passed) ++failures;
  }
  const std::string suite = xml_escape_attribute(result.scenario);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format("<testsuites name=\"kraftsim sweep\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                     result.runs.size(), failures, errors, result.wall_ms / 1000.0);
  xml += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3f}\">\n",
                     suite, result.runs.size(), failures, errors, result.wall_ms / 1000.0);
  xml += fmt::format("    <properties><property name=\"seeds\" value=\"{}\"/></properties>\n",
                     xml_escape_attribute(seed_list(result.seeds, result.shard)));
  for (const SweepRun& r : result.runs) {
    xml += fmt::format("    <testcase classname=\"{}\" name=\"seed {}\" time=\"{:.3f}\"", suite, r.seed, r.wall_ms / 1000.0);
    if (r.exit_code == exit_passed) {
      xml += "/>\n";
      continue;
    }
    const char* element = r.exit_code == exit_internal ? "error" : "failure";
    xml += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", element,
                       xml_escape_attribute(failure_message(r)), failure_kind(r.exit_code), xml_escape(failure_detail(r, "")), element);
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

std::string sweep_progress_line(std::uint64_t done, std::uint64_t planned, std::uint64_t failed, double elapsed_ms) {
  KS_ASSERT(done <= planned);
  const int filled = planned == 0 ? progress_bar_width
                                  : static_cast<int>(done * static_cast<std::uint64_t>(progress_bar_width) / planned);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(progress_bar_width - filled), '.');
  const double rate = seeds_per_minute(done, elapsed_ms);
  std::string eta = "--";
  if (done > 0 && rate > 0) eta = format_duration(static_cast<double>(planned - done) * 60.0 / rate);
  return fmt::format("[{}] {}/{} seeds, {} failed, {:.1f} seeds/min, ETA {}", bar, done, planned, failed, rate, eta);
}

}  // namespace kraftsim::runner

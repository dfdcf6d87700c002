// What a sweep shows people and CI systems: the summary text (failing seeds with their replay
// commands), the JUnit XML file and the one-line progress bar. Pure text from a SweepResult: the
// CLI decides where it goes. Apart from wall-clock figures (times, seeds per minute) the text
// depends only on the runs, which are sorted by seed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/runner/sweep.h"

namespace kraftsim::runner {

// The summary lists at most this many failing seeds (the JSONL file has all of them).
inline constexpr std::size_t sweep_failures_listed_max = 100;

// "scenario, seeds, runs, failures, seeds per minute", then each failing seed with its checks
// and replay command; a last line when the sweep was interrupted.
std::string sweep_summary_text(const SweepResult& result, int jobs);

// JUnit XML: one <testsuite> named after the scenario, one <testcase name="seed N"> per finished
// run, <failure> for a failed check (safety or liveness), <error> for an internal error.
std::string sweep_junit_xml(const SweepResult& result);

// Escapes text for XML element content (&, <, >, ", '); characters XML 1.0 cannot carry at all
// (control characters other than tab, newline, carriage return) become '?'.
std::string xml_escape(std::string_view text);
// The same for attribute values, where tab, newline and carriage return become references.
std::string xml_escape_attribute(std::string_view text);

// The progress bar for a terminal: "[#####...] 12/100 seeds, 1 failed, 35.0 seeds/min, ETA 2m31s".
std::string sweep_progress_line(std::uint64_t done, std::uint64_t planned, std::uint64_t failed, double elapsed_ms);

}  // namespace kraftsim::runner

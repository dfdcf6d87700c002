// Running a scenario: build the World, start the nodes, inject the fault schedule, run to the
// scenario's end, and judge the checks. No wall clock here: the CLI measures wall_ms around it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sim/runner/run_stats.h"
#include "sim/runner/scenario.h"
#include "trace/trace.h"

namespace kraftsim::runner {

enum class CheckStatus { held, violated, expected_violation, missing_expected_violation, not_applicable };
const char* to_string(CheckStatus status);

struct CheckResult {
  std::string id;
  CheckStatus status = CheckStatus::held;
  std::string detail;
  std::int64_t violation_t_us = -1;  // the first violation's simulated time; -1 when none
};

// The simulated files of one node, byte for byte, as they stood at the export time.
struct NodeFiles {
  NodeId node = no_node;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;  // path -> bytes, sorted
};

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  bool keep_trace_events = true;      // false: fingerprint only, no event storage
  // Capture every node's files at this time (or at the end when `export_files` and no time).
  bool export_files = false;
  std::optional<Time> export_at = std::nullopt;
  // Show each checker only the state events it names (Checker::state_names). Off: every checker
  // sees every event of its kinds, the reference a test compares the routing with.
  bool route_state_events_by_name = true;
  // sim::WorldConfig::share_disk_bytes (KRAFTSIM_NO_SHARED_BYTES=1 turns it off in the CLI).
  bool share_disk_bytes = true;
  // The end of the run recognises acknowledged batches in the replicas' logs by offset and
  // verified CRC instead of decoding them (sim/check/produced_batches.h);
  // KRAFTSIM_DECODE_ALL_BATCHES=1 turns it off in the CLI.
  bool recognise_acked_batches = true;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  bool passed = false;
  std::uint64_t fingerprint = 0;
  std::int64_t sim_time_ms = 0;
  std::uint64_t events = 0;            // trace events
  std::uint64_t events_dispatched = 0; // scheduler events
  std::string stop_reason;
  std::vector<CheckResult> checks;
  RunStats stats;
  std::vector<trace::Event> trace_events;  // empty unless keep_trace_events
  std::vector<NodeFiles> exported_files;   // empty unless export_files
  std::string replay_command;
  // Bytes the disks appended by sharing another file's instead of copying (sim/world/recent_reads.h):
  // how the simulator stored them, never part of the fingerprint.
  std::uint64_t disk_bytes_shared = 0;
  // The replicas' batches the end of the run decoded and those it recognised as acknowledged
  // ones instead (once per partition and batch): how it read them, never part of a verdict.
  std::int64_t end_batches_decoded = 0;
  std::int64_t end_batches_recognised = 0;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace kraftsim::runner

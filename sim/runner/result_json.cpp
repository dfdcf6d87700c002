// The --json result object and the exit code of a run (see result_json.h).
#include "sim/runner/result_json.h"

#include <array>

#include "trace/trace.h"

namespace kraftsim::runner {

bool is_liveness_check(std::string_view id) {
  static constexpr std::array<std::string_view, 3> liveness = {"quorum-live-after-faults", "liveness-after-heal",
                                                              "event-budget"};
  for (std::string_view l : liveness) {
    if (l == id) return true;
  }
  return false;
}

int exit_code(const RunResult& r) {
  bool safety = false, liveness = false;
  for (const auto& c : r.checks) {
    if (c.status != CheckStatus::violated && c.status != CheckStatus::missing_expected_violation) continue;
    // A missing expected violation is the scenario's claim failing: judged like safety.
    if (c.status == CheckStatus::violated && is_liveness_check(c.id)) liveness = true;
    else safety = true;
  }
  if (safety) return exit_safety_violation;
  if (liveness) return exit_liveness_failure;
  return exit_passed;
}

nlohmann::ordered_json result_json(const RunResult& r, double wall_ms) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["passed"] = r.passed;
  j["fingerprint"] = trace::format_fingerprint(r.fingerprint);
  j["sim_time_ms"] = r.sim_time_ms;
  j["wall_ms"] = wall_ms;
  j["events"] = r.events;
  j["events_dispatched"] = r.events_dispatched;
  j["stop_reason"] = r.stop_reason;
  j["sim_to_wall_ratio"] = wall_ms > 0 ? static_cast<double>(r.sim_time_ms) / wall_ms : 0.0;
  j["events_per_s"] = wall_ms > 0 ? static_cast<double>(r.events_dispatched) * 1000.0 / wall_ms : 0.0;
  auto checks = nlohmann::ordered_json::array();
  for (const auto& c : r.checks) {
    checks.push_back({{"id", c.id}, {"status", to_string(c.status)}, {"detail", c.detail}});
  }
  j["checks"] = checks;
  const RunStats& s = r.stats;
  j["stats"] = {{"records_sent", s.records_sent},
                {"records_acknowledged", s.records_acknowledged},
                {"records_failed", s.records_failed},
                {"records_lost", s.records_lost},
                {"records_duplicated", s.records_duplicated},
                {"duplicates_answered", s.duplicates_answered},
                {"records_consumed", s.records_consumed},
                {"controller_elections", s.controller_elections},
                {"partition_leader_elections", s.partition_leader_elections},
                {"isr_changes", s.isr_changes},
                {"bytes_on_wire", s.bytes_on_wire},
                {"bytes_written_to_disk", s.bytes_written_to_disk},
                {"fsyncs", s.fsyncs},
                {"log_bytes_none", s.log_bytes_none},
                {"log_bytes_gzip", s.log_bytes_gzip},
                {"log_bytes_snappy", s.log_bytes_snappy},
                {"log_bytes_lz4", s.log_bytes_lz4},
                {"log_bytes_zstd", s.log_bytes_zstd}};
  j["disk_bytes_shared"] = r.disk_bytes_shared;
  j["end_batches"] = {{"decoded", r.end_batches_decoded}, {"recognised", r.end_batches_recognised}};
  j["exit_code"] = exit_code(r);
  j["replay"] = r.replay_command;
  return j;
}

}  // namespace kraftsim::runner

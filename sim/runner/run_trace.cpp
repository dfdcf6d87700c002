// The run's own trace events (see run_trace.h).
#include "sim/runner/run_trace.h"

namespace kraftsim::runner {

void trace_run_started(trace::Trace& trace, const Scenario& scenario, std::uint64_t seed) {
  trace.append(0, trace::world_node, trace::Kind::run, "run-started",
               {{"scenario", scenario.name},
                {"seed", static_cast<std::int64_t>(seed)},
                {"nodes", static_cast<std::int64_t>(scenario.nodes.size())},
                {"description", scenario.description},
                {"duration_ms", scenario.duration.ms()}});
}

void trace_run_verdicts(trace::Trace& trace, std::int64_t t_us, const RunResult& result) {
  for (const CheckResult& c : result.checks) {
    trace.append(t_us, trace::world_node, trace::Kind::check, c.id,
                 {{"status", to_string(c.status)}, {"detail", c.detail}, {"violation_t_us", c.violation_t_us}});
  }
  const RunStats& s = result.stats;
  trace.append(t_us, trace::world_node, trace::Kind::run, "run-stats",
               {{"records_sent", s.records_sent},
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
                {"fsyncs", s.fsyncs}});
}

}  // namespace kraftsim::runner

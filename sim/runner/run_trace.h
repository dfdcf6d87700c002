// The run's own events in the trace: what the run is (`run-started`) and how it was judged (one
// `check` event per checker, then `run-stats`), so that a report re-rendered from events.jsonl
// alone (`kraftsim report`) knows everything `kraftsim run` knew. docs/trace-format.md lists them.
#pragma once

#include <cstdint>

#include "sim/runner/run.h"
#include "sim/runner/scenario.h"
#include "trace/trace.h"

namespace kraftsim::runner {

// At time 0, before any node starts.
void trace_run_started(trace::Trace& trace, const Scenario& scenario, std::uint64_t seed);

// At the end, after the checks are judged and before `run-ended`.
void trace_run_verdicts(trace::Trace& trace, std::int64_t t_us, const RunResult& result);

}  // namespace kraftsim::runner

// liveness-after-heal: by the end of the quiet phase (Scenario::quiet_phase, after every fault
// was healed) the cluster has recovered: one active controller that every running voter follows,
// every partition led by a running broker in its ISR, every send invoked before the quiet phase
// completed (ok or fail: the callback ran), and every consumer (or group) read past every record
// acknowledged before the quiet phase. Jepsen judges liveness the same way: heal, wait, then
// expect progress. Without a quiet phase the check does not apply.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/check/checker.h"

namespace kraftsim::check {

// quiet_start_us < 0: the run has no quiet phase (not applicable).
std::unique_ptr<Checker> make_liveness_after_heal_checker(const ClusterView& view, std::int64_t quiet_start_us);

}  // namespace kraftsim::check

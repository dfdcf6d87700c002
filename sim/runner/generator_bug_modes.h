// What a bug mode of the scenario generator (scenario_generator.h) adds to a generated scenario:
// the switch itself, the knobs and clients the switch needs to show (min.insync.replicas=1 for an
// unclean election, a consumer group for the group switches), and the fault episode aimed at it,
// drawn in every run of that mode so that a search reliably meets the bug. The episode is legal
// by construction: every fault names nodes the scenario has, and it fires before the quiet phase.
// Nothing here runs in the modern-defaults mode (GeneratorBug::none).
#pragma once

#include <cstdint>
#include <vector>

#include "base/random.h"
#include "sim/runner/scenario.h"
#include "sim/runner/scenario_generator.h"

namespace kraftsim::runner {

// The node count a mode needs: the episodes that cut a partition leader's followers off while it
// still reaches the controllers need dedicated controllers (6: controllers 1-3, brokers 4-6).
int bug_mode_nodes(GeneratorBug bug, int drawn_nodes);

// The smallest duration knob (GeneratorOptions::duration_ms) a mode's episode fits in.
std::int64_t bug_mode_duration_floor_ms(GeneratorBug bug);

// Whether the mode adds the random fault episodes to its own (legacy-truncation does not: its
// KIP-101 episode shows the switch alone, and a failure then shrinks to it).
bool bug_mode_draws_random_faults(GeneratorBug bug);

// A consumer group: the group switches need one; power losses forbid it (they lose the
// coordinator's unflushed state, which breaks group-single-owner whatever the switch).
bool bug_mode_needs_group(GeneratorBug bug);
bool bug_mode_forbids_group(GeneratorBug bug);

// Sets the mode's knobs and clients on a scenario whose cluster, topics and clients are drawn,
// and the switch itself when `switch_on`. Draws only from `rng`.
void shape_for_bug(Scenario& s, GeneratorBug bug, bool switch_on, Rng& rng);

// The mode's targeted fault episode (empty for modes without one), inside
// [window_start_ms, quiet phase); faults that would fall after it are left to the quiet phase.
std::vector<FaultSpec> bug_episode(const Scenario& s, GeneratorBug bug, Rng& rng, std::int64_t window_start_ms);

}  // namespace kraftsim::runner

// Shrinking a failing scenario: from a scenario that fails, find a smaller one (fewer faults,
// clients, topics, partitions and nodes, a shorter run) that still fails the same way, as
// delta debugging does (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
// Input", 2002). The caller says what "fails the same way" means (a predicate, usually: this
// check still fails when the candidate runs with this seed); this file never runs the simulator
// itself. Every candidate is written as scenario-file JSON and loaded back with the loader's
// validation first: an illegal candidate is skipped, never run, and the result is exactly what
// its own file loads to, so `kraftsim run MIN.json --seed N` replays it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sim/runner/scenario.h"

namespace kraftsim::runner {

// true when the candidate still fails the way the original did. Called once per distinct legal
// candidate (answers are remembered by the candidate's JSON text).
using StillFails = std::function<bool(const Scenario& candidate)>;

// Called with one line per accepted step ("run 7: removed faults 4..7: faults 12 -> 8, ...").
using ShrinkProgress = std::function<void(const std::string& line)>;

struct ShrinkOptions {
  int runs_max = 200;                     // calls of the predicate: the bound that makes every shrink end
  std::int64_t time_resolution_ms = 100;  // durations are bisected down to this step
  // The quiet phase is the time a liveness check gives the cluster to recover: shrinking it
  // would make any run fail that check (a cluster cannot even start in 100 ms), a failure of
  // the shrinking rather than of the scenario. shrink_target.h sets this for liveness checks.
  bool keep_quiet_phase = false;
};

// The size of a scenario as shrinking counts it.
struct ScenarioSize {
  std::size_t faults = 0;
  std::size_t nodes = 0;
  std::size_t clients = 0;  // producers and consumers
  std::size_t topics = 0;
  std::int64_t partitions = 0;  // over every topic
  std::int64_t duration_ms = 0;
  std::int64_t quiet_phase_ms = 0;
};
ScenarioSize size_of(const Scenario& scenario);
// "faults 12 -> 3, nodes 5 -> 3, clients 3 -> 1, topics 2 -> 1, partitions 7 -> 1,
// duration 60000 -> 21000 ms, quiet phase 50000 -> 0 ms" (unchanged figures are left out, except
// faults and duration, always shown).
std::string describe_change(const ScenarioSize& before, const ScenarioSize& after);

struct ShrinkResult {
  Scenario scenario;            // the smallest failing scenario found, as its JSON text loads
  ScenarioSize before, after;
  int runs = 0;                 // predicate calls
  int candidates_illegal = 0;   // refused by the loader's validation or the cluster's rules: not run
  bool runs_exhausted = false;  // stopped by ShrinkOptions::runs_max rather than at a fixed point
};

// `failing` must fail (the caller ran it); `seed` is written into every candidate, so the result
// replays with or without --seed. Deterministic: the same input and predicate answers give the
// same candidates in the same order and the same result.
ShrinkResult shrink_scenario(const Scenario& failing, std::uint64_t seed, const StillFails& still_fails,
                             const ShrinkOptions& options, const ShrinkProgress& progress = nullptr);

// Drops the undo faults that have nothing left to undo: a heal with no network fault before it
// (since the previous heal), a restart with no crash, power loss, shutdown or disk fault (a
// node may stop on one) before it, a resume with no pause. Shrinking applies it to every candidate, so that removing a fault removes its
// undo too. Faults are expected in time order.
void drop_orphaned_undos(Scenario& scenario);

}  // namespace kraftsim::runner

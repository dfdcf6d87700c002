// Random scenarios that are legal by construction: a small KRaft cluster under Kafka's modern
// defaults (RF 3 with min.insync.replicas 2, unclean election off, an idempotent acks=all
// producer) and a schedule of faults that such a cluster must survive, all drawn from one seed.
// Property tests and `kraftsim explore` run them and expect every check to hold; a `bug` switch
// turns on one legacy or test-only behaviour, so a search can show that it is caught. A bug mode
// also shapes the scenario so that the switch has something to break (a consumer group, a fault
// episode aimed at it: sim/runner/generator_bug_modes.h); its control run is the same
// scenario with the switch itself left off.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/runner/scenario.h"

namespace kraftsim::runner {

enum class GeneratorBug {
  none,
  unclean_election,         // unclean.leader.election.enable=true with min.insync.replicas=1
  legacy_truncation,        // legacy.truncate.to.high.watermark (pre-KIP-101): KIP-101 scenario 1, no other faults
  legacy_hw_below_min_isr,  // legacy.advance.high.watermark.below.min.isr (pre-KIP-966)
  raft_vote_without_log_check,      // test_only_mutations raft-grant-vote-without-log-check
  raft_hw_without_epoch_commit,     // test_only_mutations raft-advance-hw-without-own-epoch-commit
  leader_epoch_not_bumped,          // kraftsim.test.partition.leader.epoch.not.bumped
  leader_hw_may_decrease,           // kraftsim.test.leader.hw.may.decrease
  consumer_ignore_revocation,       // kraftsim.consumer.ignore.revocation
  coordinator_accepts_stale_commits,  // kraftsim.test.coordinator.accepts.stale.generation.commits
};
inline constexpr std::array all_generator_bugs = {
    GeneratorBug::none,
    GeneratorBug::unclean_election,
    GeneratorBug::legacy_truncation,
    GeneratorBug::legacy_hw_below_min_isr,
    GeneratorBug::raft_vote_without_log_check,
    GeneratorBug::raft_hw_without_epoch_commit,
    GeneratorBug::leader_epoch_not_bumped,
    GeneratorBug::leader_hw_may_decrease,
    GeneratorBug::consumer_ignore_revocation,
    GeneratorBug::coordinator_accepts_stale_commits,
};
const char* to_string(GeneratorBug bug);  // the name `kraftsim explore --bug` takes
std::optional<GeneratorBug> generator_bug_named(std::string_view name);

// Knobs a property test draws itself so that rapidcheck can shrink them; each left at its
// "drawn" value is drawn from the seed.
struct GeneratorOptions {
  GeneratorBug bug = GeneratorBug::none;
  int nodes = 0;  // 3..5 combined nodes, 6: 3 controllers + 3 brokers; 0: drawn
  int fault_episodes = -1;               // 0..6 fault episodes (a fault and its undo); -1: drawn
  std::uint32_t fault_mask = 0xffffffffu;  // episode i is kept only when bit i is set
  std::int64_t duration_ms = 0;  // 30'000..60'000, then +30'000 for the long quiet phase; 0: drawn
  // false: the bug mode's scenario (its cluster, clients and faults) with the switch itself left
  // off, the control run that shows a failure is the switch's.
  bool bug_switch = true;
};

inline constexpr int generator_fault_episodes_max = 6;
// A drawn duration of D leaves D - 20 s before the quiet phase, which lasts 50 s.
inline constexpr std::int64_t generator_quiet_phase_floor_ms = 20'000;
inline constexpr std::int64_t generator_quiet_phase_ms = 50'000;

Scenario generate_scenario(std::uint64_t seed, const GeneratorOptions& options);

}  // namespace kraftsim::runner

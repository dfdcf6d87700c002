// Leader election and ISR changes for one partition: Kafka's PartitionChangeBuilder, reduced to
// what kraftsim's controller does. Given the partition's current registration, the wanted ISR
// and the election rules, it computes the PartitionChangeRecord to append, or nothing when
// nothing would change. Pure: no state, no I/O.
//
// Election (PartitionChangeBuilder.electAnyLeader, without KIP-966 ELR):
//   1. keep the current leader if it is still in the target ISR and acceptable;
//   2. clean: the first replica, in replica order, that is in the target ISR and acceptable;
//   3. unclean, only if allowed (unclean.leader.election.enable, KIP-106): the first acceptable
//      replica; the ISR becomes just that leader and the leader recovery state RECOVERING
//      (KIP-704). This can lose committed data, which is why it is off by default;
//   4. otherwise no leader (-1).
// An empty target ISR leaves the ISR unchanged: Kafka never empties an ISR, the last member
// stays so that the partition recovers when that broker returns.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "broker/metadata/image.h"
#include "broker/metadata/records.h"

namespace kraftsim::controller {

using metadata::BrokerId;

// True for a broker that may lead or stay in an ISR (registered, unfenced, not shutting down).
using AcceptableLeader = std::function<bool(BrokerId)>;

struct ElectionResult {
  BrokerId leader = metadata::no_leader;
  bool unclean = false;
  bool operator==(const ElectionResult&) const = default;
};

struct PartitionChangeOptions {
  std::vector<BrokerId> target_isr;  // the ISR wanted before the election
  // Set by AlterPartition: the leader's reported recovery state (RECOVERING -> RECOVERED).
  std::optional<metadata::LeaderRecoveryState> target_leader_recovery_state;
  bool unclean_election_allowed = false;
  // ControllerConfig::test_only_elect_leader_outside_isr (see there). Never set outside tests.
  bool test_only_elect_leader_outside_isr = false;
};

ElectionResult elect_leader(const metadata::PartitionRegistration& current, const std::vector<BrokerId>& target_isr,
                            const AcceptableLeader& is_acceptable, bool unclean_election_allowed);

std::optional<metadata::PartitionChangeRecord> build_partition_change(const metadata::Uuid& topic_id,
                                                                      std::int32_t partition_id,
                                                                      const metadata::PartitionRegistration& current,
                                                                      const AcceptableLeader& is_acceptable,
                                                                      const PartitionChangeOptions& options);

}  // namespace kraftsim::controller

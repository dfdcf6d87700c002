// Leader election and ISR change records for one partition (partition_change.h).
#include "broker/controller/partition_change.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::controller {

namespace {

using metadata::LeaderRecoveryState;
using metadata::PartitionChangeRecord;
using metadata::PartitionRegistration;

bool contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The mutation: a live replica outside the ISR, elected as if it were clean.
std::optional<BrokerId> first_acceptable_outside(const PartitionRegistration& current,
                                                 const std::vector<BrokerId>& isr,
                                                 const AcceptableLeader& is_acceptable) {
  for (BrokerId replica : current.replicas) {
    if (!contains(isr, replica) && is_acceptable(replica)) return replica;
  }
  return std::nullopt;
}

}  // namespace

ElectionResult elect_leader(const PartitionRegistration& current, const std::vector<BrokerId>& target_isr,
                            const AcceptableLeader& is_acceptable, bool unclean_election_allowed) {
  const auto is_valid_leader = [&](BrokerId replica) {
    return contains(target_isr, replica) && is_acceptable(replica);
  };
  if (current.has_leader() && is_valid_leader(current.leader)) return {current.leader, false};
  for (BrokerId replica : current.replicas) {
    if (is_valid_leader(replica)) return {replica, false};
  }
  if (unclean_election_allowed) {
    for (BrokerId replica : current.replicas) {
      if (is_acceptable(replica)) return {replica, true};
    }
  }
  return {metadata::no_leader, false};
}

std::optional<PartitionChangeRecord> build_partition_change(const metadata::Uuid& topic_id, std::int32_t partition_id,
                                                            const PartitionRegistration& current,
                                                            const AcceptableLeader& is_acceptable,
                                                            const PartitionChangeOptions& options) {
  for (BrokerId id : options.target_isr) KS_ASSERT_MSG(current.replicas_contain(id), "target ISR outside replicas");
  PartitionChangeRecord record;
  record.topic_id = topic_id;
  record.partition_id = partition_id;

  // An empty target keeps the current ISR (the last member stays, see the header).
  const std::vector<BrokerId>& effective_isr = options.target_isr.empty() ? current.isr : options.target_isr;
  const bool leader_still_valid = current.has_leader() && contains(options.target_isr, current.leader) &&
                                  is_acceptable(current.leader);

  ElectionResult election;
  std::optional<BrokerId> mutated_leader;
  if (options.test_only_elect_leader_outside_isr && !leader_still_valid) {
    mutated_leader = first_acceptable_outside(current, effective_isr, is_acceptable);
  }
  if (mutated_leader) {
    election = {*mutated_leader, false};
  } else {
    election = elect_leader(current, options.target_isr, is_acceptable, options.unclean_election_allowed);
  }

  if (election.leader != current.leader) {
    record.leader = election.leader;
    if (election.unclean) {
      // Unclean: the new leader's log is the truth now; everything else is truncated to it.
      record.isr = std::vector<BrokerId>{election.leader};
      if (current.leader_recovery_state != LeaderRecoveryState::recovering) {
        record.leader_recovery_state = LeaderRecoveryState::recovering;
      }
    } else if (mutated_leader) {
      std::vector<BrokerId> isr = effective_isr;
      isr.push_back(*mutated_leader);
      record.isr = std::move(isr);
      if (current.leader_recovery_state != LeaderRecoveryState::recovered) {
        record.leader_recovery_state = LeaderRecoveryState::recovered;
      }
    }
  }
  if (!record.isr && !options.target_isr.empty() && options.target_isr != current.isr) {
    record.isr = options.target_isr;
  }
  if (options.target_leader_recovery_state && !record.leader_recovery_state &&
      *options.target_leader_recovery_state != current.leader_recovery_state) {
    record.leader_recovery_state = options.target_leader_recovery_state;
  }

  if (!record.leader && !record.isr && !record.leader_recovery_state) return std::nullopt;
  // Postconditions: a leader is an ISR member of the resulting partition, a clean leader was in
  // the target ISR.
  const std::vector<BrokerId>& final_isr = record.isr ? *record.isr : current.isr;
  KS_ASSERT(!final_isr.empty());
  if (election.leader != metadata::no_leader) KS_ASSERT(contains(final_isr, election.leader));
  if (election.leader != metadata::no_leader && !election.unclean && !mutated_leader) {
    KS_ASSERT(contains(options.target_isr, election.leader));
  }
  return record;
}

}  // namespace kraftsim::controller

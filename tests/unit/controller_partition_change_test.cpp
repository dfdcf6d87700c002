// Leader election and ISR changes for one partition (broker/controller/partition_change.h),
// checked rule by rule against Kafka's PartitionChangeBuilder.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "broker/controller/partition_change.h"

using namespace kraftsim;
using namespace kraftsim::controller;
using metadata::LeaderRecoveryState;
using metadata::no_leader;
using metadata::PartitionRegistration;

namespace {

PartitionRegistration partition(std::vector<BrokerId> replicas, std::vector<BrokerId> isr, BrokerId leader) {
  PartitionRegistration p;
  p.replicas = std::move(replicas);
  p.isr = std::move(isr);
  p.leader = leader;
  p.leader_epoch = 3;
  p.partition_epoch = 7;
  return p;
}

AcceptableLeader live(std::set<BrokerId> alive) {
  return [alive](BrokerId id) { return alive.count(id) != 0; };
}

std::optional<metadata::PartitionChangeRecord> change(const PartitionRegistration& p, const AcceptableLeader& ok,
                                                      std::vector<BrokerId> target_isr, bool unclean = false,
                                                      bool mutation = false) {
  PartitionChangeOptions options;
  options.target_isr = std::move(target_isr);
  options.unclean_election_allowed = unclean;
  options.test_only_elect_leader_outside_isr = mutation;
  return build_partition_change(metadata::Uuid{1}, 0, p, ok, options);
}

}  // namespace

TEST_CASE("a valid current leader is kept", "[controller]") {
  const auto p = partition({1, 2, 3}, {1, 2, 3}, 2);
  REQUIRE(elect_leader(p, {1, 2, 3}, live({1, 2, 3}), false) == ElectionResult{2, false});
  REQUIRE_FALSE(change(p, live({1, 2, 3}), {1, 2, 3}).has_value());  // nothing changes: no record
  const auto shrink = change(p, live({1, 2, 3}), {2, 3});
  REQUIRE(shrink.has_value());
  REQUIRE_FALSE(shrink->leader.has_value());
  REQUIRE(*shrink->isr == std::vector<BrokerId>{2, 3});
}

TEST_CASE("clean election takes the first ISR replica in replica order", "[controller]") {
  const auto p = partition({3, 1, 2}, {3, 2, 1}, 3);  // leader 3 is being fenced
  const auto record = change(p, live({1, 2}), {2, 1});
  REQUIRE(record.has_value());
  REQUIRE(record->leader == std::optional<BrokerId>(1));  // replica order 3,1,2: 1 comes before 2
  REQUIRE(*record->isr == std::vector<BrokerId>{2, 1});
}

TEST_CASE("removing the last ISR member keeps it in the ISR and leaves no leader", "[controller]") {
  const auto p = partition({1, 2}, {1}, 1);
  const auto record = change(p, live({2}), {});  // broker 1 fenced, target ISR empty
  REQUIRE(record.has_value());
  REQUIRE(record->leader == std::optional<BrokerId>(no_leader));
  REQUIRE_FALSE(record->isr.has_value());  // ISR stays [1]
  REQUIRE_FALSE(record->leader_recovery_state.has_value());
}

TEST_CASE("unclean election only when allowed: any live replica, ISR of one, RECOVERING", "[controller]") {
  const auto p = partition({1, 2, 3}, {1}, no_leader);
  REQUIRE_FALSE(change(p, live({2, 3}), {1}, /*unclean=*/false).has_value());
  const auto record = change(p, live({2, 3}), {1}, /*unclean=*/true);
  REQUIRE(record.has_value());
  REQUIRE(record->leader == std::optional<BrokerId>(2));
  REQUIRE(*record->isr == std::vector<BrokerId>{2});
  REQUIRE(record->leader_recovery_state == std::optional<LeaderRecoveryState>(LeaderRecoveryState::recovering));
}

TEST_CASE("a returning ISR member is elected cleanly", "[controller]") {
  const auto p = partition({1, 2}, {1}, no_leader);
  const auto record = change(p, live({1, 2}), {1});
  REQUIRE(record.has_value());
  REQUIRE(record->leader == std::optional<BrokerId>(1));
}

TEST_CASE("test-only mutation: a replica outside the ISR is elected as if clean", "[controller]") {
  const auto p = partition({1, 2, 3}, {1, 2}, 1);  // 3 is lagging, outside the ISR
  const auto normal = change(p, live({2, 3}), {2});
  REQUIRE(normal->leader == std::optional<BrokerId>(2));
  const auto mutated = change(p, live({2, 3}), {2}, false, /*mutation=*/true);
  REQUIRE(mutated->leader == std::optional<BrokerId>(3));
  REQUIRE(*mutated->isr == std::vector<BrokerId>{2, 3});
  REQUIRE_FALSE(mutated->leader_recovery_state.has_value());  // recorded as a clean election
  // With the leader still valid, the mutation changes nothing.
  REQUIRE_FALSE(change(p, live({1, 2, 3}), {1, 2}, false, true).has_value());
}

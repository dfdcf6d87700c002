// Configuration of the active controller (Kafka's QuorumController / ReplicationControlManager
// settings), its hard limits, and its test-only mutation switch.
//
// Defaults are Kafka's. A bad config is a user error: validate_config() returns a message; the
// controller then asserts it got a valid one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/time.h"
#include "broker/env/node_id.h"

namespace kraftsim::controller {

// ---- Limits on everything (TigerBeetle style). Requests beyond them get an error value. ----
inline constexpr std::size_t brokers_max = 1024;
inline constexpr std::size_t topics_max = 10000;
// Kafka's ReplicationControlManager.MAX_PARTITIONS_PER_BATCH: more partitions in one
// CreateTopics request get POLICY_VIOLATION.
inline constexpr std::size_t partitions_per_request_max = 10000;
inline constexpr std::size_t partitions_per_topic_max = 10000;
inline constexpr std::size_t partitions_max = 100000;
inline constexpr std::size_t topic_configs_max = 64;        // config entries in one CreatableTopic
// Config entries in one CreateTopics request (all topics together); beyond: POLICY_VIOLATION.
inline constexpr std::size_t configs_per_request_max = partitions_per_request_max;
inline constexpr std::size_t topic_name_length_max = 249;   // Kafka's Topic.MAX_NAME_LENGTH
// Requests waiting for their records to commit; beyond it a request gets REQUEST_TIMED_OUT.
inline constexpr std::size_t pending_replies_max = 4096;
// The most records one operation can write: fencing or unfencing a broker touches at most every
// partition, and a CreateTopics request at most 3 x partitions_per_request_max (topic, config
// and partition records).
inline constexpr std::size_t records_per_operation_max = partitions_max + 16;
static_assert(3 * partitions_per_request_max + 16 <= records_per_operation_max);
// Records appended but not yet committed. An operation starts only with room for
// records_per_operation_max more; otherwise the request gets REQUEST_TIMED_OUT (or a session
// expiry waits for the next tick).
inline constexpr std::size_t uncommitted_records_max = 1 << 20;
inline constexpr std::size_t alter_partition_partitions_max = 10000;

struct ControllerConfig {
  NodeId node_id = no_node;  // node.id of this controller
  std::string cluster_id;    // cluster.id; registrations with another id get INCONSISTENT_CLUSTER_ID

  // broker.session.timeout.ms: a broker that has not sent a heartbeat for this long is fenced.
  // (Its counterpart broker.heartbeat.interval.ms, default 2000, is the brokers' setting: how
  // often a broker sends BrokerHeartbeat. The controller does not need it.)
  Duration broker_session_timeout = milliseconds(9000);
  // num.partitions / default.replication.factor: used when CreateTopics sends -1.
  std::int32_t num_partitions = 1;
  std::int16_t default_replication_factor = 1;
  // unclean.leader.election.enable, the static cluster default (KIP-106: false since 0.11).
  // A cluster-level dynamic config and then a topic config override it.
  bool unclean_leader_election_enable = false;
  // The metadata.version feature level the first active controller writes into an empty log
  // (Kafka's bootstrap metadata). 25 = IBP_4_0_IV3 (Kafka 4.0). 0: write nothing.
  std::int16_t bootstrap_metadata_version_level = 25;

  // --- Test-only mutation switch. Default off; NEVER set it outside tests. ---
  // When a partition needs a new leader, elect the first live replica that is NOT in the ISR
  // (adding it to the ISR, recorded as a clean election), falling back to the normal rule only
  // when every live replica is in the ISR. A lagging replica then leads and the replicas truncate
  // to it: acknowledged writes are lost, which the checkers must detect.
  bool test_only_elect_leader_outside_isr = false;
  // kraftsim.test.partition.leader.epoch.not.bumped: a new partition leader keeps the leader
  // epoch (MetadataImage::set_test_only_leader_epoch_not_bumped; every node replays it so).
  bool test_only_leader_epoch_not_bumped = false;

  bool any_test_only_mutation() const { return test_only_elect_leader_outside_isr || test_only_leader_epoch_not_bumped; }
};

// Returns a message naming the bad setting, or nullopt when the config is usable.
std::optional<std::string> validate_config(const ControllerConfig& config);

}  // namespace kraftsim::controller

// The Kafka protocol error codes the controller answers with (org.apache.kafka.common.protocol.
// Errors): the numeric codes are Kafka's wire values and the names are Kafka's, so traces and
// reports read like a Kafka log. Errors are values sent to the requester, never assertions.
//
// Only the codes the controller uses live here for now; a shared broker/protocol error list may
// later absorb this one (same numbers, same names).
#pragma once

#include <cstdint>
#include <string_view>

namespace kraftsim::controller {

enum class ErrorCode : std::int16_t {
  none = 0,
  unknown_server_error = -1,
  unknown_topic_or_partition = 3,
  request_timed_out = 7,
  invalid_topic_exception = 17,
  topic_already_exists = 36,
  invalid_partitions = 37,
  invalid_replication_factor = 38,
  invalid_config = 40,
  not_controller = 41,
  invalid_request = 42,
  policy_violation = 44,
  fenced_leader_epoch = 74,
  stale_broker_epoch = 77,
  invalid_update_version = 95,
  unknown_topic_id = 100,
  duplicate_broker_registration = 101,
  inconsistent_cluster_id = 104,
  ineligible_replica = 107,
};

// Kafka's name, e.g. "NOT_CONTROLLER".
std::string_view to_string(ErrorCode code);

}  // namespace kraftsim::controller

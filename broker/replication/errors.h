// The Kafka protocol error codes partition replication answers with or reacts to
// (org.apache.kafka.common.protocol.Errors): Kafka's wire values and Kafka's names, so traces
// read like a Kafka broker log. They are values sent to producers, followers and the
// controller, never assertions.
#pragma once

#include <cstdint>
#include <string_view>

namespace kraftsim::replication {

enum class ErrorCode : std::int16_t {
  none = 0,
  offset_out_of_range = 1,
  corrupt_message = 2,
  unknown_topic_or_partition = 3,
  not_leader_or_follower = 6,
  request_timed_out = 7,
  network_exception = 13,  // client side: the connection broke (NetworkClient)
  // Group coordination (GroupCoordinator, ConsumerCoordinator) and InitProducerId while the
  // broker has no producer id block: the same wire values as Kafka's.
  coordinator_load_in_progress = 14,
  coordinator_not_available = 15,
  not_coordinator = 16,
  not_enough_replicas = 19,
  not_enough_replicas_after_append = 20,
  illegal_generation = 22,
  inconsistent_group_protocol = 23,
  invalid_group_id = 24,
  unknown_member_id = 25,
  invalid_session_timeout = 26,
  rebalance_in_progress = 27,
  not_controller = 41,
  invalid_request = 42,
  out_of_order_sequence_number = 45,  // KIP-98: a gap in an idempotent producer's sequences
  invalid_producer_epoch = 47,        // a batch from an older epoch of the producer id
  operation_not_attempted = 55,
  kafka_storage_error = 56,
  fenced_leader_epoch = 74,
  invalid_record = 87,  // a batch the log cannot take as it is (offsets, sizes)
  unknown_leader_epoch = 75,
  group_max_size_reached = 81,
  invalid_update_version = 95,
  ineligible_replica = 107,
};

// Kafka's name, e.g. "NOT_ENOUGH_REPLICAS_AFTER_APPEND".
std::string_view to_string(ErrorCode code);

}  // namespace kraftsim::replication

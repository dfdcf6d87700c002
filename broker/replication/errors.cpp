// Kafka's names of the replication error codes (errors.h).
#include "broker/replication/errors.h"

namespace kraftsim::replication {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::none: return "NONE";
    case ErrorCode::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case ErrorCode::corrupt_message: return "CORRUPT_MESSAGE";
    case ErrorCode::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case ErrorCode::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
    case ErrorCode::invalid_record: return "INVALID_RECORD";
    case ErrorCode::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case ErrorCode::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case ErrorCode::request_timed_out: return "REQUEST_TIMED_OUT";
    case ErrorCode::network_exception: return "NETWORK_EXCEPTION";
    case ErrorCode::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case ErrorCode::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case ErrorCode::not_coordinator: return "NOT_COORDINATOR";
    case ErrorCode::illegal_generation: return "ILLEGAL_GENERATION";
    case ErrorCode::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case ErrorCode::invalid_group_id: return "INVALID_GROUP_ID";
    case ErrorCode::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case ErrorCode::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
    case ErrorCode::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case ErrorCode::group_max_size_reached: return "GROUP_MAX_SIZE_REACHED";
    case ErrorCode::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
    case ErrorCode::not_enough_replicas_after_append: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case ErrorCode::not_controller: return "NOT_CONTROLLER";
    case ErrorCode::invalid_request: return "INVALID_REQUEST";
    case ErrorCode::operation_not_attempted: return "OPERATION_NOT_ATTEMPTED";
    case ErrorCode::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
    case ErrorCode::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case ErrorCode::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
    case ErrorCode::invalid_update_version: return "INVALID_UPDATE_VERSION";
    case ErrorCode::ineligible_replica: return "INELIGIBLE_REPLICA";
  }
  return "UNKNOWN_SERVER_ERROR";
}

}  // namespace kraftsim::replication

// Kafka's names for the controller's error codes (errors.h).
#include "broker/controller/errors.h"

namespace kraftsim::controller {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::none: return "NONE";
    case ErrorCode::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
    case ErrorCode::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case ErrorCode::request_timed_out: return "REQUEST_TIMED_OUT";
    case ErrorCode::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
    case ErrorCode::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case ErrorCode::invalid_partitions: return "INVALID_PARTITIONS";
    case ErrorCode::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case ErrorCode::invalid_config: return "INVALID_CONFIG";
    case ErrorCode::not_controller: return "NOT_CONTROLLER";
    case ErrorCode::invalid_request: return "INVALID_REQUEST";
    case ErrorCode::policy_violation: return "POLICY_VIOLATION";
    case ErrorCode::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case ErrorCode::stale_broker_epoch: return "STALE_BROKER_EPOCH";
    case ErrorCode::invalid_update_version: return "INVALID_UPDATE_VERSION";
    case ErrorCode::unknown_topic_id: return "UNKNOWN_TOPIC_ID";
    case ErrorCode::duplicate_broker_registration: return "DUPLICATE_BROKER_REGISTRATION";
    case ErrorCode::inconsistent_cluster_id: return "INCONSISTENT_CLUSTER_ID";
    case ErrorCode::ineligible_replica: return "INELIGIBLE_REPLICA";
  }
  return "UNKNOWN_ERROR_CODE";
}

}  // namespace kraftsim::controller

// Validation of the controller configuration (config.h): user errors become messages.
#include "broker/controller/config.h"

#include <string>

namespace kraftsim::controller {

std::optional<std::string> validate_config(const ControllerConfig& config) {
  if (config.node_id < 0) return "node.id must be >= 0, got " + std::to_string(config.node_id);
  if (config.cluster_id.empty()) return std::string("cluster.id must not be empty");
  if (config.broker_session_timeout <= Duration()) {
    return "broker.session.timeout.ms must be > 0, got " + std::to_string(config.broker_session_timeout.ms());
  }
  if (config.num_partitions < 1 || static_cast<std::size_t>(config.num_partitions) > partitions_per_topic_max) {
    return "num.partitions must be in [1, " + std::to_string(partitions_per_topic_max) + "], got " +
           std::to_string(config.num_partitions);
  }
  if (config.default_replication_factor < 1) {
    return "default.replication.factor must be >= 1, got " + std::to_string(config.default_replication_factor);
  }
  if (config.bootstrap_metadata_version_level < 0) {
    return "the bootstrap metadata.version level must be >= 0, got " +
           std::to_string(config.bootstrap_metadata_version_level);
  }
  return std::nullopt;
}

}  // namespace kraftsim::controller

// Validation of a partition replica's configuration (config.h).
#include "broker/replication/config.h"

#include <fmt/format.h>

namespace kraftsim::replication {

std::optional<std::string> validate_config(const ReplicationConfig& config) {
  if (config.node_id < 0) return fmt::format("node.id must be >= 0, not {}", config.node_id);
  if (config.topic_partition.topic.empty()) return std::string("the topic name must not be empty");
  if (config.topic_partition.partition < 0) {
    return fmt::format("partition must be >= 0, not {}", config.topic_partition.partition);
  }
  if (config.replica_lag_time_max <= Duration()) return std::string("replica.lag.time.max.ms must be > 0");
  if (config.replica_fetch_wait_max < Duration()) return std::string("replica.fetch.wait.max.ms must be >= 0");
  if (config.replica_fetch_backoff <= Duration()) return std::string("replica.fetch.backoff.ms must be > 0");
  // Kafka's KafkaConfig check: the socket timeout must cover the time the leader holds a fetch.
  if (config.replica_socket_timeout < config.replica_fetch_wait_max) {
    return fmt::format("replica.socket.timeout.ms ({}) must be >= replica.fetch.wait.max.ms ({})",
                       config.replica_socket_timeout.ms(), config.replica_fetch_wait_max.ms());
  }
  if (config.min_insync_replicas < 1) {
    return fmt::format("min.insync.replicas must be >= 1, not {}", config.min_insync_replicas);
  }
  if (config.legacy_truncate_to_high_watermark && config.truncate_on_fetch) {
    return std::string("legacy_truncate_to_high_watermark (pre-0.11) and truncate_on_fetch (2.7+) exclude each other");
  }
  return std::nullopt;
}

}  // namespace kraftsim::replication

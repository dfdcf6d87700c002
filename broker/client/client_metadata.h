// ClientMetadata: what a Kafka client knows about one topic's partitions (Kafka's
// org.apache.kafka.clients.Metadata plus the metadata part of NetworkClient): it asks a
// bootstrap broker with a Metadata request, rotates to the next broker after a failure, keeps
// each partition's leader and leader epoch, ignores answers older than the epoch it knows
// (KIP-320), and asks again after retry.backoff.ms while the topic is unknown or a partition has
// no known leader. A request unanswered after request.timeout.ms (an answer lost on a one-way
// cut) is given up and asked again of the next broker, as NetworkClient does. Producer and
// Consumer own one each.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/env/env.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

class ClientMetadata {
 public:
  struct Leader {
    NodeId id = no_node;
    std::int32_t epoch = -1;
  };

  // on_update runs after every answer that was applied.
  ClientMetadata(env::Env& env, std::vector<NodeId> bootstrap_servers, std::string topic, Duration retry_backoff,
                 std::uint64_t& next_correlation, std::function<void()> on_update);

  // Sends a Metadata request unless one is in flight.
  void request();
  // request.timeout.ms for Metadata requests (default 30000).
  void set_request_timeout(Duration timeout) { request_timeout_ = timeout; }
  // Forgets the partition's leader (NOT_LEADER_OR_FOLLOWER, a broken connection...) and asks
  // another broker (Metadata.requestUpdate).
  void invalidate(std::int32_t partition);
  // True when the message was the answer to our request (and was applied).
  bool on_response(std::uint64_t correlation_id, const protocol::MetadataResponse& response);
  void on_connection_lost(NodeId peer);

  std::int32_t partition_count() const { return partition_count_; }
  Leader leader(std::int32_t partition) const;

 private:
  void retry_later();

  env::Env& env_;
  std::vector<NodeId> bootstrap_servers_;
  std::string topic_;
  Duration retry_backoff_;
  std::uint64_t& next_correlation_;
  std::function<void()> on_update_;
  std::map<std::int32_t, Leader> leaders_;
  std::int32_t partition_count_ = 0;
  std::optional<std::uint64_t> in_flight_;
  NodeId in_flight_to_ = no_node;
  env::TimerId timeout_timer_;
  Duration request_timeout_ = milliseconds(30000);
  std::size_t bootstrap_index_ = 0;
  bool retry_scheduled_ = false;
};

}  // namespace kraftsim::client

// ClientMetadata: Metadata requests, leaders and epochs, retries (see client_metadata.h).
#include "broker/client/client_metadata.h"

#include "base/assert.h"

namespace kraftsim::client {

ClientMetadata::ClientMetadata(env::Env& env, std::vector<NodeId> bootstrap_servers, std::string topic,
                               Duration retry_backoff, std::uint64_t& next_correlation, std::function<void()> on_update)
    : env_(env),
      bootstrap_servers_(std::move(bootstrap_servers)),
      topic_(std::move(topic)),
      retry_backoff_(retry_backoff),
      next_correlation_(next_correlation),
      on_update_(std::move(on_update)) {
  KS_ASSERT(!bootstrap_servers_.empty());
}

void ClientMetadata::request() {
  if (in_flight_) return;
  in_flight_to_ = bootstrap_servers_[bootstrap_index_ % bootstrap_servers_.size()];
  in_flight_ = next_correlation_++;
  env_.send(in_flight_to_, protocol::KafkaRpc{*in_flight_, protocol::MetadataRequest{{topic_}}});
  const std::uint64_t correlation = *in_flight_;
  if (timeout_timer_.valid()) env_.cancel_timer(timeout_timer_);
  timeout_timer_ = env_.set_timer(request_timeout_, "client-metadata-timeout", [this, correlation] {
    timeout_timer_ = {};
    if (in_flight_ != correlation) return;
    in_flight_.reset();
    retry_later();
  });
}

void ClientMetadata::invalidate(std::int32_t partition) {
  leaders_[partition].id = no_node;  // the epoch stays: older answers are still ignored
  ++bootstrap_index_;
  request();
}

ClientMetadata::Leader ClientMetadata::leader(std::int32_t partition) const {
  auto it = leaders_.find(partition);
  return it == leaders_.end() ? Leader{} : it->second;
}

void ClientMetadata::retry_later() {
  if (retry_scheduled_) return;
  retry_scheduled_ = true;
  ++bootstrap_index_;
  env_.set_timer(retry_backoff_, "client-metadata", [this] {
    retry_scheduled_ = false;
    request();
  });
}

bool ClientMetadata::on_response(std::uint64_t correlation_id, const protocol::MetadataResponse& response) {
  if (!in_flight_ || *in_flight_ != correlation_id) return false;
  in_flight_.reset();
  if (timeout_timer_.valid()) env_.cancel_timer(timeout_timer_);
  timeout_timer_ = {};
  bool complete = false;
  for (const auto& topic : response.topics) {
    if (topic.name != topic_ || topic.error_code != replication::ErrorCode::none || topic.partitions.empty()) continue;
    complete = true;
    partition_count_ = static_cast<std::int32_t>(topic.partitions.size());
    for (const auto& p : topic.partitions) {
      Leader& known = leaders_[p.partition_index];
      if (p.leader_epoch < known.epoch) continue;  // an older view than ours (KIP-320)
      known = Leader{p.leader_id, p.leader_epoch};
    }
  }
  // A partition without a known leader (none elected yet, or this broker's view is older than
  // the epoch we know after we dropped the leader): ask again.
  for (const auto& [index, known] : leaders_) {
    if (known.id == no_node) complete = false;
  }
  if (!complete) retry_later();
  on_update_();
  return true;
}

void ClientMetadata::on_connection_lost(NodeId peer) {
  if (!in_flight_ || in_flight_to_ != peer) return;
  in_flight_.reset();
  if (timeout_timer_.valid()) env_.cancel_timer(timeout_timer_);
  timeout_timer_ = {};
  retry_later();
}

}  // namespace kraftsim::client

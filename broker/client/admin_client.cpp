// AdminClient: CreateTopics with retries across controllers (see admin_client.h).
#include "broker/client/admin_client.h"

#include "base/assert.h"

namespace kraftsim::client {

AdminClient::AdminClient(env::Env& env, AdminClientConfig config) : env_(env), config_(std::move(config)) {
  KS_ASSERT(!config_.controllers.empty());
}

void AdminClient::on_start() {
  timer_ = env_.set_timer(config_.start_delay, "admin-start", [this] { send_next(); });
}

void AdminClient::send_next() {
  timer_ = {};
  controller::CreateTopicsRequest request;
  for (const auto& t : config_.topics) {
    if (!results_.contains(t.name)) request.topics.push_back(t);
  }
  if (request.topics.empty()) return;
  if (++attempts_ > config_.attempts_max) {
    for (const auto& t : request.topics) {
      results_[t.name] = "REQUEST_TIMED_OUT";
      env_.record("create-topic-result",
                  {{"topic", t.name},
                   {"error", "REQUEST_TIMED_OUT"},
                   {"error_code", static_cast<std::int64_t>(controller::ErrorCode::request_timed_out)}});
    }
    return;
  }
  const NodeId to = config_.controllers[controller_index_ % config_.controllers.size()];
  const std::uint64_t correlation = next_correlation_++;
  in_flight_ = correlation;
  in_flight_to_ = to;
  env_.send(to, protocol::ControllerRpc{correlation, controller::ControllerRequest{std::move(request)}});
  timer_ = env_.set_timer(config_.request_timeout, "admin-request-timeout", [this] { retry(true); });
}

void AdminClient::retry(bool next_controller) {
  if (timer_.valid()) env_.cancel_timer(timer_);
  in_flight_.reset();
  if (next_controller) ++controller_index_;
  timer_ = env_.set_timer(config_.retry_backoff, "admin-retry", [this] { send_next(); });
}

void AdminClient::on_message(const protocol::Message& message) {
  const auto* rpc = std::get_if<protocol::ControllerRpc>(&message.body);
  if (rpc == nullptr || !in_flight_ || rpc->correlation_id != *in_flight_ || message.from != in_flight_to_) return;
  const auto* response = std::get_if<controller::ControllerResponse>(&rpc->body);
  const auto* created = response ? std::get_if<controller::CreateTopicsResponse>(response) : nullptr;
  if (created == nullptr) return;
  bool not_controller = false;
  for (const auto& result : created->topics) {
    if (result.error_code == controller::ErrorCode::not_controller) {
      not_controller = true;
      continue;
    }
    // Every other answer is final, success or Kafka's error (INVALID_REPLICATION_FACTOR, ...).
    const std::string error(controller::to_string(result.error_code));
    results_[result.name] = error;
    env_.record("create-topic-result", {{"topic", result.name},
                                        {"error", error},
                                        {"error_code", static_cast<std::int64_t>(result.error_code)},
                                        {"message", result.error_message ? std::string_view(*result.error_message) : std::string_view()},
                                        {"partitions", result.num_partitions},
                                        {"replication_factor", result.replication_factor}});
  }
  retry(not_controller);
}

void AdminClient::on_connection_lost(NodeId peer) {
  if (in_flight_ && peer == in_flight_to_) retry(true);
}

}  // namespace kraftsim::client

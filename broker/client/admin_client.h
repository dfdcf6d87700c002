// AdminClient: the `kafka-topics.sh --create` of a scenario. It sends CreateTopics for the
// scenario's topics to the controllers (KIP-919 style: admin clients may talk to the controller
// quorum directly), moves on to the next controller on NOT_CONTROLLER or a lost connection, and
// records each topic's final result (created, or Kafka's error such as
// INVALID_REPLICATION_FACTOR) in the trace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/controller/requests.h"
#include "broker/env/env.h"

namespace kraftsim::client {

struct AdminClientConfig {
  std::vector<NodeId> controllers;  // controller.quorum.voters ids (bootstrap.controllers)
  std::vector<controller::CreateTopicsRequest::CreatableTopic> topics;
  Duration start_delay = milliseconds(5000);  // like an operator: after the brokers have registered
  Duration retry_backoff = milliseconds(100);  // retry.backoff.ms (admin)
  Duration request_timeout = milliseconds(2000);
  int attempts_max = 600;                      // a limit: then the topic is reported as timed out
};

class AdminClient final : public env::Program {
 public:
  AdminClient(env::Env& env, AdminClientConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;

  // Final results per topic (error name, "NONE" for created), for tests and checkers.
  const std::map<std::string, std::string>& results() const { return results_; }

 private:
  void send_next();
  void retry(bool next_controller);

  env::Env& env_;
  AdminClientConfig config_;
  std::size_t controller_index_ = 0;
  int attempts_ = 0;
  std::uint64_t next_correlation_ = 1;
  std::optional<std::uint64_t> in_flight_;
  NodeId in_flight_to_ = no_node;
  env::TimerId timer_;
  std::map<std::string, std::string> results_;
};

}  // namespace kraftsim::client

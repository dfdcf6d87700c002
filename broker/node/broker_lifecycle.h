// BrokerLifecycle: the broker side of KRaft membership (Kafka's BrokerLifecycleManager). A
// broker registers with the active controller (BrokerRegistration, with a new incarnation id per
// process start), gets its broker epoch, and heartbeats every broker.heartbeat.interval.ms with
// the offset of the metadata it has applied. Until the controller answers that it has caught up
// (applied its own registration record) it heartbeats every 10 ms (Kafka's STARTING state), and
// it asks to stay fenced (wantFence) until it has also published its first metadata image
// (BrokerServer's setReadyToUnfence), which sends the next heartbeat at once, or right after the
// answer to the one in flight (nextSchedulingShouldBeImmediate; a failed answer drops it). The
// controller then unfences it, and fences it when heartbeats stop for broker.session.timeout.ms.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "broker/controller/requests.h"
#include "broker/env/env.h"

namespace kraftsim::node {

class BrokerLifecycle {
 public:
  enum class State { registering, fenced, unfenced };

  struct Hooks {
    std::function<std::optional<NodeId>()> active_controller;  // the Raft leader this node knows
    std::function<std::int64_t()> applied_metadata_offset;     // last applied metadata offset
  };

  BrokerLifecycle(env::Env& env, std::string cluster_id, Duration heartbeat_interval, Hooks hooks);

  void start();
  // The broker has published its first metadata image (Kafka: BrokerServer calls
  // setReadyToUnfence once the controller acknowledged it as caught up and the first image is
  // published): from the next heartbeat on it stops asking to stay fenced.
  void set_ready_to_unfence();
  // A response from a controller; returns false when it is not ours (another correlation id).
  bool on_response(NodeId from, std::uint64_t correlation_id, const controller::ControllerResponse& response);
  void on_connection_lost(NodeId peer);

  State state() const { return state_; }
  std::int64_t broker_epoch() const { return broker_epoch_; }

 private:
  void on_timer();
  void send_request(controller::ControllerRequest request);
  void arm(Duration after);
  void heartbeat_now();
  // The next request after an answer: `after`, or at once when heartbeat_now came meanwhile.
  void arm_after_answer(Duration after);
  void retry_later();
  void record_state(const char* reason);

  env::Env& env_;
  std::string cluster_id_;
  Duration heartbeat_interval_;
  Hooks hooks_;
  controller::Uuid incarnation_id_{};
  State state_ = State::registering;
  std::int64_t broker_epoch_ = -1;
  bool caught_up_ = false;         // once per process start, like Kafka's initialCatchUpFuture
  bool ready_to_unfence_ = false;
  bool next_immediately_ = false;  // heartbeat_now while a request was in flight
  std::uint64_t next_correlation_ = 1;
  std::optional<std::uint64_t> in_flight_;  // correlation id of the outstanding request
  NodeId in_flight_to_ = no_node;
  Time in_flight_since_;
  env::TimerId timer_;
};

const char* to_string(BrokerLifecycle::State state);

}  // namespace kraftsim::node

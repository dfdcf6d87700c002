// BrokerLifecycle: registration and heartbeats (see broker_lifecycle.h).
#include "broker/node/broker_lifecycle.h"

#include <utility>

#include "base/assert.h"
#include "broker/common/uuid.h"

namespace kraftsim::node {

namespace {
// How long to wait before asking again when no controller is known or a request went
// unanswered (Kafka: the broker's request timeout and retry backoff).
constexpr Duration retry_after = milliseconds(100);
constexpr Duration request_timeout = milliseconds(2000);
// BrokerLifecycleManager in STARTING: "Schedule the heartbeat after only 10 ms so that in the
// case where there is no recovery work to be done, we start up a bit quicker."
constexpr Duration starting_heartbeat_interval = milliseconds(10);
}  // namespace

const char* to_string(BrokerLifecycle::State state) {
  switch (state) {
    case BrokerLifecycle::State::registering: return "registering";
    case BrokerLifecycle::State::fenced: return "fenced";
    case BrokerLifecycle::State::unfenced: return "unfenced";
  }
  return "?";
}

BrokerLifecycle::BrokerLifecycle(env::Env& env, std::string cluster_id, Duration heartbeat_interval, Hooks hooks)
    : env_(env), cluster_id_(std::move(cluster_id)), heartbeat_interval_(heartbeat_interval), hooks_(std::move(hooks)) {
  KS_ASSERT(heartbeat_interval_.us() > 0);
  incarnation_id_ = random_uuid([this] { return env_.random().next_u64(); });
}

void BrokerLifecycle::start() {
  record_state("started");
  arm(Duration{});
}

void BrokerLifecycle::set_ready_to_unfence() {
  if (ready_to_unfence_) return;
  ready_to_unfence_ = true;
  // Kafka's BrokerServer calls setReadyToUnfence only after the initial catch-up; the catch-up
  // calls it here when it comes later.
  if (caught_up_) heartbeat_now();
}

void BrokerLifecycle::heartbeat_now() {
  // Kafka's scheduleNextCommunicationImmediately: at once, or right after the answer to the
  // request in flight (nextSchedulingShouldBeImmediate).
  if (in_flight_) {
    next_immediately_ = true;
    return;
  }
  arm(Duration{});
}

void BrokerLifecycle::arm_after_answer(Duration after) {
  arm(std::exchange(next_immediately_, false) ? Duration{} : after);
}

void BrokerLifecycle::retry_later() {
  next_immediately_ = false;  // Kafka never reschedules at once after a failure
  arm(retry_after);
}

void BrokerLifecycle::arm(Duration after) {
  if (timer_.valid()) env_.cancel_timer(timer_);
  timer_ = env_.set_timer(after, state_ == State::registering ? "broker-registration" : "broker-heartbeat",
                          [this] {
                            timer_ = {};
                            on_timer();
                          });
}

void BrokerLifecycle::record_state(const char* reason) {
  env_.record("broker-lifecycle", {{"state", to_string(state_)}, {"broker_epoch", broker_epoch_}, {"reason", reason}});
}

void BrokerLifecycle::send_request(controller::ControllerRequest request) {
  const auto controller_id = hooks_.active_controller();
  if (!controller_id) {
    arm(retry_after);
    return;
  }
  const std::uint64_t correlation = next_correlation_++;
  in_flight_ = correlation;
  in_flight_to_ = *controller_id;
  in_flight_since_ = env_.now();
  env_.send(*controller_id, protocol::ControllerRpc{correlation, std::move(request)});
  arm(request_timeout);  // answered or not, try again after this
}

void BrokerLifecycle::on_timer() {
  if (in_flight_) next_immediately_ = false;  // the request timed out: a failure
  in_flight_.reset();
  if (state_ == State::registering) {
    controller::BrokerRegistrationRequest r;
    r.broker_id = env_.self();
    r.cluster_id = cluster_id_;
    r.incarnation_id = incarnation_id_;
    r.listeners.push_back({"PLAINTEXT", "kafka" + std::to_string(env_.self()), 9092, 0});
    send_request(std::move(r));
  } else {
    controller::BrokerHeartbeatRequest r;
    r.broker_id = env_.self();
    r.broker_epoch = broker_epoch_;
    r.current_metadata_offset = hooks_.applied_metadata_offset();
    r.want_fence = !(caught_up_ && ready_to_unfence_);
    send_request(std::move(r));
  }
}

bool BrokerLifecycle::on_response(NodeId from, std::uint64_t correlation_id, const controller::ControllerResponse& response) {
  if (!in_flight_ || *in_flight_ != correlation_id || from != in_flight_to_) return false;
  in_flight_.reset();
  if (const auto* reg = std::get_if<controller::BrokerRegistrationResponse>(&response)) {
    if (reg->error_code != controller::ErrorCode::none) {
      env_.record("broker-registration-failed", {{"error", controller::to_string(reg->error_code)}});
      retry_later();
      return true;
    }
    broker_epoch_ = reg->broker_epoch;
    state_ = State::fenced;
    record_state("registered");
    arm(Duration{});  // heartbeat at once: the controller unfences a caught-up broker
    return true;
  }
  if (const auto* hb = std::get_if<controller::BrokerHeartbeatResponse>(&response)) {
    if (hb->error_code == controller::ErrorCode::stale_broker_epoch) {
      // The controller forgot us (a newer registration, or our session expired and we were
      // replaced): register again.
      state_ = State::registering;
      broker_epoch_ = -1;
      record_state("stale broker epoch");
      retry_later();
      return true;
    }
    if (hb->error_code != controller::ErrorCode::none) {
      retry_later();
      return true;
    }
    const State next = hb->is_fenced ? State::fenced : State::unfenced;
    if (next != state_) {
      state_ = next;
      record_state(hb->is_fenced ? "fenced by the controller" : "unfenced by the controller");
    }
    if (!caught_up_) {
      if (hb->is_caught_up) {
        caught_up_ = true;
        record_state("caught up");
        // The image was published before the catch-up: BrokerServer is ready to unfence now.
        if (ready_to_unfence_) next_immediately_ = true;
      }
      arm_after_answer(starting_heartbeat_interval);
      return true;
    }
    arm_after_answer(heartbeat_interval_);
    return true;
  }
  return false;
}

void BrokerLifecycle::on_connection_lost(NodeId peer) {
  if (in_flight_ && peer == in_flight_to_) {
    in_flight_.reset();
    retry_later();
  }
}

}  // namespace kraftsim::node

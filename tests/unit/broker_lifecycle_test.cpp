// BrokerLifecycle against a scripted controller: the scheduling rules of Kafka's
// BrokerLifecycleManager that whole-cluster scenarios reach only by chance. A communication that
// comes due while a request is in flight goes right after its answer
// (nextSchedulingShouldBeImmediate), and a failed answer drops it (scheduleNextCommunicationAfterFailure:
// "never immediately reschedule after a failure").
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "broker/node/broker_lifecycle.h"
#include "sim/world/world.h"

using namespace kraftsim;

namespace {

constexpr NodeId broker_id = 1;
constexpr NodeId controller_id = 2;
constexpr Duration heartbeat_interval = milliseconds(2000);
constexpr Duration answer_delay = milliseconds(300);

struct Heartbeat {
  std::int64_t sent_us = 0;  // when the controller received it (1 ms after the broker sent it)
  bool want_fence = true;
};

// Answers a registration at once and each heartbeat answer_delay later: caught up, fenced while
// the broker asks to stay fenced. The heartbeat numbered `fail_heartbeat` (1-based) gets an error.
class ScriptedController : public env::Program {
 public:
  ScriptedController(env::Env& env, std::vector<Heartbeat>& heartbeats, int fail_heartbeat)
      : env_(env), heartbeats_(heartbeats), fail_heartbeat_(fail_heartbeat) {}
  void on_start() override {}
  void on_connection_lost(NodeId) override {}
  void on_message(const protocol::Message& m) override {
    const auto& rpc = std::get<protocol::ControllerRpc>(m.body);
    const auto& request = std::get<controller::ControllerRequest>(rpc.body);
    if (std::holds_alternative<controller::BrokerRegistrationRequest>(request)) {
      controller::BrokerRegistrationResponse r;
      r.broker_epoch = 7;
      env_.send(m.from, protocol::ControllerRpc{rpc.correlation_id, controller::ControllerResponse{r}});
      return;
    }
    const auto& hb = std::get<controller::BrokerHeartbeatRequest>(request);
    heartbeats_.push_back({env_.now().us(), hb.want_fence});
    controller::BrokerHeartbeatResponse r;
    r.is_caught_up = true;
    r.is_fenced = hb.want_fence;
    if (static_cast<int>(heartbeats_.size()) == fail_heartbeat_) r.error_code = controller::ErrorCode::request_timed_out;
    const NodeId to = m.from;
    const std::uint64_t correlation = rpc.correlation_id;
    env_.set_timer(answer_delay, "answer", [this, to, correlation, r] {
      env_.send(to, protocol::ControllerRpc{correlation, controller::ControllerResponse{r}});
    });
  }

 private:
  env::Env& env_;
  std::vector<Heartbeat>& heartbeats_;
  int fail_heartbeat_;
};

class LifecycleHost : public env::Program {
 public:
  explicit LifecycleHost(env::Env& env)
      : lifecycle(env, "cluster", heartbeat_interval,
                  {[] { return std::optional<NodeId>(controller_id); }, [] { return std::int64_t{0}; }}) {}
  void on_start() override { lifecycle.start(); }
  void on_connection_lost(NodeId peer) override { lifecycle.on_connection_lost(peer); }
  void on_message(const protocol::Message& m) override {
    const auto& rpc = std::get<protocol::ControllerRpc>(m.body);
    REQUIRE(lifecycle.on_response(m.from, rpc.correlation_id, std::get<controller::ControllerResponse>(rpc.body)));
  }
  node::BrokerLifecycle lifecycle;
};

struct Run {
  explicit Run(int fail_heartbeat) : world(config()) {
    world.add_node(broker_id, "broker", [](env::Env& env) { return std::make_unique<LifecycleHost>(env); });
    world.add_node(controller_id, "controller", [this, fail_heartbeat](env::Env& env) {
      return std::make_unique<ScriptedController>(env, heartbeats, fail_heartbeat);
    });
    world.start(controller_id);
    world.start(broker_id);
  }
  static sim::WorldConfig config() {
    sim::WorldConfig c;
    c.network.latency_min = c.network.latency_max = milliseconds(1);
    c.network.bandwidth_bytes_per_s = 0;
    return c;
  }
  LifecycleHost& host() { return const_cast<LifecycleHost&>(dynamic_cast<const LifecycleHost&>(*world.node(broker_id).program())); }
  void run_until_ms(std::int64_t ms) { world.scheduler().run_until(Time::zero() + milliseconds(ms)); }

  sim::World world;
  std::vector<Heartbeat> heartbeats;
};

}  // namespace

TEST_CASE("ready to unfence while a heartbeat is in flight: the next one goes right after its answer",
          "[kraft][broker-lifecycle]") {
  Run run(/*fail_heartbeat=*/0);
  // Heartbeat 1 (~2 ms) is answered caught up at ~303 ms; heartbeat 2 goes 10 ms later (STARTING's
  // interval) and is in flight until ~614 ms.
  run.run_until_ms(400);
  REQUIRE(run.heartbeats.size() == 2);
  REQUIRE(run.heartbeats[1].sent_us > 303'000);
  REQUIRE(run.heartbeats[1].want_fence);
  run.host().lifecycle.set_ready_to_unfence();
  run.run_until_ms(1000);
  // Without the deferral the next heartbeat would wait broker.heartbeat.interval.ms (2 s) after the
  // answer: the broker would stay fenced until about 2.6 s.
  REQUIRE(run.heartbeats.size() == 3);
  REQUIRE_FALSE(run.heartbeats[2].want_fence);
  REQUIRE(run.heartbeats[2].sent_us - run.heartbeats[1].sent_us < answer_delay.us() + 10'000);
  REQUIRE(run.host().lifecycle.state() == node::BrokerLifecycle::State::unfenced);  // its answer came at ~0.92 s
  // After that, the regular interval.
  run.run_until_ms(4000);
  REQUIRE(run.heartbeats.size() == 4);
  REQUIRE(run.heartbeats[3].sent_us - run.heartbeats[2].sent_us >= (answer_delay + heartbeat_interval).us());
}

TEST_CASE("a failed answer drops the heartbeat that was due at once", "[kraft][broker-lifecycle]") {
  Run run(/*fail_heartbeat=*/2);
  run.run_until_ms(400);
  REQUIRE(run.heartbeats.size() == 2);
  run.host().lifecycle.set_ready_to_unfence();
  // Heartbeat 2 fails at ~614 ms: the broker retries after its backoff (100 ms), not at once...
  run.run_until_ms(1000);
  REQUIRE(run.heartbeats.size() == 3);
  REQUIRE(run.heartbeats[2].sent_us - run.heartbeats[1].sent_us >= answer_delay.us() + 100'000);
  REQUIRE_FALSE(run.heartbeats[2].want_fence);
  // ...and after the retry's successful answer the pending immediate one is gone: the regular interval.
  run.run_until_ms(4000);
  REQUIRE(run.heartbeats.size() == 4);
  REQUIRE(run.heartbeats[3].sent_us - run.heartbeats[2].sent_us >= (answer_delay + heartbeat_interval).us());
  REQUIRE(run.host().lifecycle.state() == node::BrokerLifecycle::State::unfenced);
}

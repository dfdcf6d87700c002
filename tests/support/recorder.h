// Test support: a node program that records what it receives and can send pings on request,
// so tests can drive the network and processes directly.
#pragma once

#include <memory>
#include <vector>

#include "broker/env/env.h"
#include "sim/world/world.h"

namespace kraftsim::testing {

struct Received {
  NodeId from;
  std::int64_t sequence;
  std::int64_t at_us;
};

// State that outlives a process (the test looks at it after crashes).
struct RecorderLog {
  std::vector<Received> received;
  std::vector<std::pair<NodeId, std::int64_t>> lost;  // (peer, time)
  std::vector<std::int64_t> timer_fired_at_us;
  int starts = 0;
};

class Recorder final : public env::Program {
 public:
  Recorder(env::Env& env, RecorderLog& log) : env_(env), log_(log) {}
  void on_start() override { log_.starts++; }
  void on_message(const protocol::Message& m) override {
    if (const auto* p = std::get_if<demo::Ping>(&m.body)) log_.received.push_back({m.from, p->sequence, env_.now().us()});
  }
  void on_connection_lost(NodeId peer) override { log_.lost.emplace_back(peer, env_.now().us()); }

  void ping(NodeId to, std::int64_t sequence, std::int32_t padding = 0) {
    env_.send(to, demo::Ping{sequence, env_.now().us(), padding});
  }
  env::TimerId timer(Duration after) {
    return env_.set_timer(after, "test", [this] { log_.timer_fired_at_us.push_back(env_.now().us()); });
  }
  env::Env& env() { return env_; }

 private:
  env::Env& env_;
  RecorderLog& log_;
};

// A world of `n` Recorder nodes with ids 1..n, all started.
struct RecorderWorld {
  explicit RecorderWorld(int n, sim::NetworkConfig network = {}, std::uint64_t seed = 1, sim::DiskConfig disk = {})
      : world(sim::WorldConfig{seed, network, disk, true}), logs(static_cast<std::size_t>(n) + 1) {
    for (int i = 1; i <= n; ++i) {
      world.add_node(i, "node-" + std::to_string(i), [this, i](env::Env& env) {
        auto p = std::make_unique<Recorder>(env, logs[static_cast<std::size_t>(i)]);
        return p;
      });
      world.start(i);
    }
  }
  Recorder& node(NodeId id) {
    return const_cast<Recorder&>(dynamic_cast<const Recorder&>(*world.node(id).program()));
  }
  RecorderLog& log(NodeId id) { return logs[static_cast<std::size_t>(id)]; }
  void run_for(Duration d) { world.scheduler().run_until(world.now() + d); }

  sim::World world;
  std::vector<RecorderLog> logs;
};

}  // namespace kraftsim::testing

// Checks of the kernel demo (program "pinger"): what the kernel promises, seen end to end.
//  - demo-fsynced-records-survive: after a power loss, a node recovers at least every record
//    it had fsynced (durable means durable);
//  - demo-crash-keeps-page-cache: after a crash (process kill), a node recovers exactly the
//    records it had written, synced or not (the OS page cache survives a kill);
//  - demo-pings-after-heal: after the last fault, every pair of running, connected nodes
//    exchanges pings again.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "sim/runner/run.h"
#include "sim/world/world.h"

namespace kraftsim::runner {

class DemoObserver {
 public:
  // The kinds of event on_event reads.
  static trace::KindSet kinds() { return {trace::Kind::fault, trace::Kind::state, trace::Kind::deliver}; }
  void on_event(const trace::EventRef& e);
  // The fault injector calls this just before killing a node, to note what it had written.
  void before_kill(sim::World& world, NodeId id, bool power_loss);
  std::vector<CheckResult> finish(sim::World& world, const Scenario& scenario) const;

 private:
  struct Expectation {
    bool power_loss = false;
    std::int64_t at_us = 0;
    std::int64_t synced = 0;    // durable before the kill
    std::int64_t appended = 0;  // written (in the page cache) before the kill
  };
  struct Recovery {
    Expectation expected;
    std::int64_t recovered = 0;
    std::int64_t at_us = 0;
  };
  std::map<NodeId, std::int64_t> synced_;          // last "synced" record count per node
  std::map<NodeId, Expectation> pending_;          // killed, not yet recovered
  std::vector<std::pair<NodeId, Recovery>> recoveries_;
  std::int64_t last_fault_us_ = 0;
  std::map<std::pair<NodeId, NodeId>, std::int64_t> last_pong_us_;  // (receiver, sender)
};

}  // namespace kraftsim::runner

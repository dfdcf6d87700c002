// The kernel demo's checks (see demo_checks.h).
#include "sim/runner/demo_checks.h"

#include <fmt/format.h>

#include "broker/demo/pinger.h"

namespace kraftsim::runner {

void DemoObserver::on_event(const trace::EventRef& e) {
  if (e.kind == trace::Kind::fault) {
    last_fault_us_ = e.t_us;
  } else if (e.kind == trace::Kind::state && e.name == "synced") {
    synced_[e.node] = e.int_or("records", 0);
  } else if (e.kind == trace::Kind::state && e.name == "recovered") {
    auto it = pending_.find(e.node);
    if (it != pending_.end()) {
      recoveries_.emplace_back(e.node, Recovery{it->second, e.int_or("records", 0), e.t_us});
      pending_.erase(it);
    }
    synced_[e.node] = e.int_or("records", 0);
  } else if (e.kind == trace::Kind::deliver && e.name == "Pong") {
    last_pong_us_[{e.node, static_cast<NodeId>(e.int_or("from", -1))}] = e.t_us;
  }
}

void DemoObserver::before_kill(sim::World& world, NodeId id, bool power_loss) {
  const auto* pinger = dynamic_cast<const demo::Pinger*>(world.node(id).program());
  if (pinger == nullptr) return;
  pending_[id] = Expectation{power_loss, world.now().us(), pinger->records_synced(), pinger->records_appended()};
}

std::vector<CheckResult> DemoObserver::finish(sim::World& world, const Scenario& scenario) const {
  std::vector<CheckResult> out;

  CheckResult durable{"demo-fsynced-records-survive", CheckStatus::not_applicable, "no power loss was recovered", -1};
  CheckResult cache{"demo-crash-keeps-page-cache", CheckStatus::not_applicable, "no crash was recovered", -1};
  for (const auto& [node, r] : recoveries_) {
    CheckResult& c = r.expected.power_loss ? durable : cache;
    const bool ok = r.expected.power_loss ? r.recovered >= r.expected.synced : r.recovered == r.expected.appended;
    const std::string line =
        fmt::format("node {} at {} ms: {} records written, {} fsynced before the {}; {} recovered", node,
                    r.at_us / 1000, r.expected.appended, r.expected.synced,
                    r.expected.power_loss ? "power loss" : "crash", r.recovered);
    if (c.status == CheckStatus::not_applicable) {
      c.status = CheckStatus::held;
      c.detail.clear();
    }
    if (!ok) c.status = CheckStatus::violated;
    if (!ok || c.detail.empty()) c.detail = line;
  }
  out.push_back(durable);
  out.push_back(cache);

  CheckResult live{"demo-pings-after-heal", CheckStatus::held, "", -1};
  const std::int64_t end_us = world.now().us();
  if (end_us - last_fault_us_ < 5 * scenario.pinger.interval.us()) {
    live.status = CheckStatus::not_applicable;
    live.detail = "the last fault is too close to the end to judge";
  } else {
    int pairs = 0;
    for (NodeId a : world.node_ids()) {
      for (NodeId b : world.node_ids()) {
        if (a == b || world.node(a).state() != sim::ProcessState::running ||
            world.node(b).state() != sim::ProcessState::running || !world.network().link_up(a, b) ||
            !world.network().link_up(b, a)) {
          continue;
        }
        ++pairs;
        auto it = last_pong_us_.find({a, b});
        if (it == last_pong_us_.end() || it->second <= last_fault_us_) {
          live.status = CheckStatus::violated;
          live.detail = fmt::format("node {} got no pong from node {} after the last fault at {} ms", a, b,
                                    last_fault_us_ / 1000);
        }
      }
    }
    if (live.status == CheckStatus::held) {
      live.detail = fmt::format("{} connected pairs exchanged pings after the last fault at {} ms", pairs,
                                last_fault_us_ / 1000);
    }
  }
  out.push_back(live);
  return out;
}

}  // namespace kraftsim::runner

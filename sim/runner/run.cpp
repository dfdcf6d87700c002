// The run loop for a scenario: world construction, fault injection, checks.
#include "sim/runner/run.h"

#include <fmt/format.h>

#include <map>

#include "base/assert.h"
#include "broker/demo/pinger.h"
#include "sim/runner/demo_checks.h"
#include "sim/world/world.h"

namespace kraftsim::runner {

const char* to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::held: return "held";
    case CheckStatus::violated: return "violated";
    case CheckStatus::expected_violation: return "expected-violation";
    case CheckStatus::missing_expected_violation: return "missing-expected-violation";
    case CheckStatus::not_applicable: return "not-applicable";
  }
  return "unknown";
}

namespace {

std::vector<NodeId> resolve(const Target& target, sim::World& world) {
  if (const auto* id = std::get_if<NodeId>(&target.value)) return {*id};
  const auto& name = std::get<std::string>(target.value);
  std::vector<NodeId> out;
  if (name == "crashed") {
    for (NodeId id : world.node_ids()) {
      if (!world.node(id).is_up()) out.push_back(id);
    }
  }
  return out;
}

// Applies one fault when it fires. A fault that does not apply to the current state (restart of
// a running node, resume of a node that is not paused) is traced as skipped rather than ignored.
void apply_fault(const FaultSpec& f, sim::World& world, DemoObserver& observer) {
  auto skipped = [&](NodeId id, const char* why) {
    world.trace().append(world.now().us(), trace::world_node, trace::Kind::fault, "skipped",
                         {{"fault", to_string(f.kind)}, {"target", id}, {"why", why}});
  };
  switch (f.kind) {
    case FaultKind::crash:
    case FaultKind::power_loss:
      for (NodeId id : resolve(f.target, world)) {
        if (!world.node(id).is_up()) {
          skipped(id, "node is down");
          continue;
        }
        observer.before_kill(world, id, f.kind == FaultKind::power_loss);
        if (f.kind == FaultKind::crash) world.crash(id);
        else world.power_loss(id);
      }
      break;
    case FaultKind::restart:
      for (NodeId id : resolve(f.target, world)) {
        if (world.node(id).is_up()) skipped(id, "node is up");
        else world.restart(id);
      }
      break;
    case FaultKind::pause:
      for (NodeId id : resolve(f.target, world)) {
        if (world.node(id).state() != sim::ProcessState::running) skipped(id, "node is not running");
        else world.pause(id);
      }
      break;
    case FaultKind::resume:
      for (NodeId id : resolve(f.target, world)) {
        if (world.node(id).state() != sim::ProcessState::paused) skipped(id, "node is not paused");
        else world.resume(id);
      }
      break;
    case FaultKind::isolate:
      for (NodeId id : resolve(f.target, world)) world.isolate(id);
      break;
    case FaultKind::partition: world.partition(f.groups); break;
    case FaultKind::one_way_partition: world.block_one_way(f.from, f.to); break;
    case FaultKind::clog: world.clog(f.from, f.to, f.extra_delay); break;
    case FaultKind::heal: world.heal(); break;
    case FaultKind::disk_corrupt:
      for (NodeId id : resolve(f.target, world)) world.corrupt_disk(id, f.path, f.offset, f.length);
      break;
    case FaultKind::disk_read_error:
      for (NodeId id : resolve(f.target, world)) world.add_read_error(id, f.path, f.offset, f.length);
      break;
    case FaultKind::disk_full:
      for (NodeId id : resolve(f.target, world)) world.set_disk_capacity(id, f.capacity_bytes);
      break;
    case FaultKind::disk_slow:
      for (NodeId id : resolve(f.target, world)) world.set_disk_slow(id, f.slow_factor);
      break;
    case FaultKind::drop_caches:
      for (NodeId id : resolve(f.target, world)) world.drop_caches(id);
      break;
  }
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  KS_ASSERT(!scenario.nodes.empty());
  const std::uint64_t seed = options.seed.value_or(scenario.seed);
  RunResult result;
  result.scenario = scenario.name;
  result.seed = seed;
  result.replay_command = fmt::format("kraftsim run {} --seed {}",
                                      scenario.source_path.empty() ? scenario.name : scenario.source_path, seed);
  set_assert_context(fmt::format("seed={}; replay: {}", seed, result.replay_command));

  sim::WorldConfig config;
  config.seed = seed;
  config.network = scenario.network;
  config.disk = scenario.disk;
  config.keep_trace_events = options.keep_trace_events;
  sim::World world(config);
  DemoObserver observer;
  world.trace().set_observer([&observer](const trace::Event& e) { observer.on_event(e); });

  world.trace().append(0, trace::world_node, trace::Kind::run, "run-started",
                       {{"scenario", scenario.name}, {"seed", static_cast<std::int64_t>(seed)},
                        {"nodes", static_cast<std::int64_t>(scenario.nodes.size())}});

  std::vector<NodeId> ids;
  for (const NodeSpec& n : scenario.nodes) ids.push_back(n.id);
  for (const NodeSpec& n : scenario.nodes) {
    demo::PingerConfig pc;
    for (NodeId other : ids) {
      if (other != n.id) pc.peers.push_back(other);
    }
    pc.interval = scenario.pinger.interval;
    pc.padding_bytes = scenario.pinger.padding_bytes;
    pc.sync_every = scenario.pinger.sync_every;
    world.add_node(n.id, fmt::format("node-{}", n.id),
                   [pc](env::Env& env) { return std::make_unique<demo::Pinger>(env, pc); });
  }
  for (NodeId id : ids) world.start(id);

  for (const FaultSpec& f : scenario.faults) {
    if (f.at > Time::zero() + scenario.duration) continue;
    world.scheduler().schedule_at(f.at, [&f, &world, &observer] { apply_fault(f, world, observer); });
  }

  const Time end = Time::zero() + scenario.duration;
  const sim::StopReason stop = world.scheduler().run_until(end, scenario.max_events);
  result.stop_reason = sim::to_string(stop);

  result.checks = observer.finish(world, scenario);
  if (stop == sim::StopReason::budget_exhausted) {
    result.checks.push_back(CheckResult{"event-budget", CheckStatus::violated,
                                        fmt::format("the run used its budget of {} events before {} ms",
                                                    scenario.max_events, scenario.duration.ms())});
  }
  result.passed = true;
  for (const auto& c : result.checks) {
    if (c.status == CheckStatus::violated || c.status == CheckStatus::missing_expected_violation) result.passed = false;
  }
  world.trace().append(world.now().us(), trace::world_node, trace::Kind::run, "run-ended",
                       {{"passed", result.passed}, {"stop", result.stop_reason}});

  result.fingerprint = world.trace().fingerprint();
  result.events = world.trace().size();
  result.events_dispatched = world.scheduler().events_dispatched();
  result.sim_time_ms = world.now().ms();
  if (options.keep_trace_events) result.trace_events = world.trace().take_events();
  set_assert_context("");
  return result;
}

}  // namespace kraftsim::runner

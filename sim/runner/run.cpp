// The run loop for a scenario: world construction, fault injection, checks.
#include "sim/runner/run.h"

#include <fmt/format.h>

#include <array>
#include <map>

#include "base/assert.h"
#include "broker/coordinator/group_hash.h"
#include "broker/demo/pinger.h"
#include "broker/node/kafka_node.h"
#include "sim/check/event_router.h"
#include "sim/check/raft_checkers.h"
#include "sim/check/group_checkers.h"
#include "sim/check/liveness_after_heal.h"
#include "sim/check/end_of_run.h"
#include "sim/check/partition_checkers.h"
#include "sim/check/replication_checkers.h"
#include "sim/check/topic_checkers.h"
#include "sim/check/raft_liveness.h"
#include "sim/runner/demo_checks.h"
#include "sim/runner/kafka_cluster.h"
#include "sim/runner/run_trace.h"
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

std::vector<NodeId> resolve(const Target& target, const Scenario& scenario, sim::World& world) {
  if (const auto* id = std::get_if<NodeId>(&target.value)) return {*id};
  const auto& name = std::get<std::string>(target.value);
  std::vector<NodeId> out;
  // Clients by name (the loader turns them into node ids; scenarios built in code may keep them).
  if (name.rfind("producer:", 0) == 0) return {producer_node_id(scenario, std::stoul(name.substr(9)))};
  if (name.rfind("consumer:", 0) == 0) return {consumer_node_id(scenario, std::stoul(name.substr(9)))};
  if (name.rfind("coordinator-of:", 0) == 0) {
    // The broker leading the group's __consumer_offsets partition now.
    const auto it = scenario.config.find("offsets.topic.num.partitions");
    const std::int32_t partitions = it == scenario.config.end() ? 50 : std::stoi(it->second);
    const std::int32_t partition = coordinator::partition_for_group(name.substr(15), partitions);
    return resolve(Target{fmt::format("leader-of:{}-{}", coordinator::offsets_topic, partition)}, scenario, world);
  } else if (name == "crashed") {
    for (NodeId id : world.node_ids()) {
      if (!world.node(id).is_up()) out.push_back(id);
    }
  } else if (name == "active-controller") {
    // The Raft leader of the highest epoch among running nodes (resolved when the fault fires).
    NodeId best = no_node;
    std::int32_t best_epoch = -1;
    for (NodeId id : world.node_ids()) {
      const auto* kafka = dynamic_cast<const node::KafkaNode*>(world.node(id).program());
      if (kafka == nullptr || !kafka->raft_started() || kafka->quorum().role() != raft::Role::leader) continue;
      if (kafka->quorum().epoch() > best_epoch) {
        best_epoch = kafka->quorum().epoch();
        best = id;
      }
    }
    if (best != no_node) out.push_back(best);
  } else if (name == "all-brokers" || name == "random-broker") {
    for (NodeId id : world.node_ids()) {
      const auto* kafka = dynamic_cast<const node::KafkaNode*>(world.node(id).program());
      if (kafka != nullptr && kafka->config().broker) out.push_back(id);
    }
    if (name == "random-broker" && !out.empty()) {
      out = {out[world.fault_rng().below(out.size())]};
    }
  } else if (name.rfind("leader-of:", 0) == 0 || name.rfind("follower-of:", 0) == 0) {
    // leader-of:T-P: the running broker leading T-P in the highest leader epoch;
    // follower-of:T-P: the lowest-id running broker following it.
    const bool leader = name.rfind("leader-of:", 0) == 0;
    const std::string tp = name.substr(name.find(':') + 1);
    const auto dash = tp.rfind('-');
    const std::string topic = tp.substr(0, dash);
    const std::int32_t index = static_cast<std::int32_t>(std::stoi(tp.substr(dash + 1)));
    NodeId best = no_node;
    std::int32_t best_epoch = -1;
    for (NodeId id : world.node_ids()) {
      const auto* kafka = dynamic_cast<const node::KafkaNode*>(world.node(id).program());
      if (kafka == nullptr || kafka->replica_manager() == nullptr) continue;
      const auto* p = kafka->replica_manager()->partition(topic, index);
      if (p == nullptr) continue;
      const auto role = p->replica->role();
      if (leader && role == replication::Role::leader && p->replica->leader_epoch() > best_epoch) {
        best_epoch = p->replica->leader_epoch();
        best = id;
      } else if (!leader && role == replication::Role::follower && best == no_node) {
        best = id;
      }
    }
    if (best != no_node) out.push_back(best);
  }
  return out;
}

// Applies one fault when it fires. A fault that does not apply to the current state (restart of
// a running node, resume of a node that is not paused) is traced as skipped rather than ignored.
void apply_fault(const FaultSpec& f, const Scenario& scenario, sim::World& world, DemoObserver& observer) {
  auto skipped = [&](NodeId id, const char* why) {
    world.trace().append(world.now().us(), trace::world_node, trace::Kind::fault, "skipped",
                         {{"fault", to_string(f.kind)}, {"target", id}, {"why", why}});
  };
  // Resolved once: a random-broker target draws from the fault stream.
  const std::vector<NodeId> targets = resolve(f.target, scenario, world);
  if (f.target.value.index() == 1 && targets.empty() && f.kind != FaultKind::heal &&
      f.kind != FaultKind::partition && f.kind != FaultKind::one_way_partition && f.kind != FaultKind::clog) {
    skipped(no_node, "no node matches the target now");
    return;
  }
  switch (f.kind) {
    case FaultKind::crash:
    case FaultKind::power_loss:
      for (NodeId id : targets) {
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
      for (NodeId id : targets) {
        if (world.node(id).is_up()) skipped(id, "node is up");
        else world.restart(id);
      }
      break;
    case FaultKind::pause:
      for (NodeId id : targets) {
        if (world.node(id).state() != sim::ProcessState::running) skipped(id, "node is not running");
        else world.pause(id);
      }
      break;
    case FaultKind::resume:
      for (NodeId id : targets) {
        if (world.node(id).state() != sim::ProcessState::paused) skipped(id, "node is not paused");
        else world.resume(id);
      }
      break;
    case FaultKind::isolate:
      for (NodeId id : targets) world.isolate(id);
      break;
    case FaultKind::partition: world.partition(f.groups); break;
    case FaultKind::one_way_partition: world.block_one_way(f.from, f.to); break;
    case FaultKind::clog: world.clog(f.from, f.to, f.extra_delay); break;
    case FaultKind::heal: world.heal(); break;
    case FaultKind::disk_corrupt:
      for (NodeId id : targets) world.corrupt_disk(id, f.path, f.offset, f.length);
      break;
    case FaultKind::disk_read_error:
      for (NodeId id : targets) world.add_read_error(id, f.path, f.offset, f.length);
      break;
    case FaultKind::disk_full:
      for (NodeId id : targets) world.set_disk_capacity(id, f.capacity_bytes);
      break;
    case FaultKind::disk_slow:
      for (NodeId id : targets) world.set_disk_slow(id, f.slow_factor);
      break;
    case FaultKind::drop_caches:
      for (NodeId id : targets) world.drop_caches(id);
      break;
    case FaultKind::shutdown:
      for (NodeId id : targets) {
        if (world.node(id).state() != sim::ProcessState::running) skipped(id, "node is not running");
        else world.shutdown(id);
      }
      break;
    case FaultKind::disk_lost:
      for (NodeId id : targets) {
        world.lose_disk(id);
        // The operator formats the new disk with the same cluster and node id, and restarts.
        Rng rng(world.seed(), fmt::format("reformat-{}-{}", id, world.now().us()));
        format_storage(world.node(id).disk(), scenario.cluster_id, id, rng);
        world.restart(id);
      }
      break;
  }
}

// The start of the quiet phase (Scenario::quiet_phase): every fault is healed, as a Jepsen
// nemesis does before the final reads, so that liveness-after-heal can judge recovery. Nodes that
// died (crashed, lost power, shut down) are restarted; paused ones resumed; disks return to the
// scenario's model.
void start_quiet_phase(const Scenario& scenario, sim::World& world) {
  world.trace().append(world.now().us(), trace::world_node, trace::Kind::fault, "quiet-phase",
                       {{"quiet_phase_ms", scenario.quiet_phase.ms()}});
  world.heal();
  for (NodeId id : world.node_ids()) {
    sim::NodeHost& node = world.node(id);
    switch (node.state()) {
      case sim::ProcessState::paused: world.resume(id); break;
      case sim::ProcessState::crashed:
      case sim::ProcessState::power_lost:
      case sim::ProcessState::exited: world.restart(id); break;
      case sim::ProcessState::running:
      case sim::ProcessState::never_started: break;
    }
    // Silently: the quiet-phase event above says the disks are back to normal.
    node.disk().set_slow_factor(1.0);
    node.disk().set_capacity_bytes(scenario.disk.capacity_bytes);
  }
}

}  // namespace

namespace {

void add_pinger_nodes(const Scenario& scenario, sim::World& world) {
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
}

std::vector<NodeId> voter_ids(const Scenario& scenario) {
  std::vector<NodeId> out;
  for (const NodeSpec& n : scenario.nodes) {
    if (n.roles.find("controller") != std::string::npos) out.push_back(n.id);
  }
  return out;
}

CheckResult to_result(const check::Checker& c) {
  CheckResult r;
  r.id = std::string(c.id());
  if (c.violation()) {
    r.status = CheckStatus::violated;
    r.violation_t_us = c.violation()->t_us;
    r.detail = fmt::format("{} ({} violation{}; first at {} ms: {})", c.meaning(), c.violations(),
                           c.violations() == 1 ? "" : "s", c.violation()->t_us / 1000, c.violation()->detail);
  } else if (c.observations() == 0) {
    r.status = CheckStatus::not_applicable;
    r.detail = fmt::format("{} (never exercised in this run)", c.meaning());
  } else {
    r.status = CheckStatus::held;
    r.detail = fmt::format("{} ({} observations)", c.meaning(), c.observations());
  }
  return r;
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
  config.share_disk_bytes = options.share_disk_bytes;
  sim::World world(config);
  DemoObserver observer;
  WorldClusterView view(world, voter_ids(scenario));
  check::ProducedBatches produced;
  if (options.recognise_acked_batches) view.recognise_batches(&produced);
  std::vector<std::unique_ptr<check::Checker>> checkers;
  if (scenario.program == "kafka") {
    checkers = check::make_raft_checkers(view);
    // The log must move after the faults whenever something writes to it: the controller's
    // NoOpRecords (unless metadata.max.idle.interval.ms is 0) or the scenario's extra load.
    const auto idle = scenario.config.find("metadata.max.idle.interval.ms");
    const bool noops = idle == scenario.config.end() || idle->second != "0";
    checkers.push_back(check::make_quorum_liveness_checker(view, noops || scenario.metadata_writes_per_s > 0));
    checkers.push_back(check::make_liveness_after_heal_checker(
        view, scenario.quiet_phase > Duration{} ? scenario.quiet_phase_start().us() : -1));
    if (!scenario.topics.empty()) {
      checkers.push_back(check::make_acked_write_durable_checker());
      checkers.push_back(check::make_replicas_consistent_checker());
      checkers.push_back(check::make_consumer_read_stable_checker());
      checkers.push_back(check::make_producer_order_checker());
      checkers.push_back(check::make_no_duplicates_checker());
      checkers.push_back(check::make_group_single_owner_checker(view));
      checkers.push_back(check::make_topics_created_checker(scenario.expect_create_topics));
      checkers.push_back(check::make_single_partition_leader_checker());
      checkers.push_back(check::make_partition_hw_monotonic_checker());
      checkers.push_back(check::make_committed_offset_monotonic_checker());
    }
  }
  // Each event goes to the checkers that read it (by kind, and state events by name); the trace
  // does not call the observer at all for kinds nobody reads.
  const bool demo = scenario.program == "pinger";
  std::vector<check::Checker*> checker_list;
  for (auto& c : checkers) checker_list.push_back(c.get());
  check::EventRouter router(checker_list, options.route_state_events_by_name);
  StatsCollector stats;
  const trace::KindSet observed = (demo ? DemoObserver::kinds() : StatsCollector::kinds()) | router.kinds();
  world.trace().set_observer(
      [&observer, &router, &stats, &produced, demo](const trace::EventRef& e) {
        if (demo) {
          observer.on_event(e);
        } else if (e.kind == trace::Kind::state) {
          stats.on_event(e);
          produced.on_event(e);
        }
        router.on_event(e);
      },
      observed);

  trace_run_started(world.trace(), scenario, seed);

  if (scenario.program == "pinger") {
    add_pinger_nodes(scenario, world);
  } else {
    auto built = build_kafka_cluster(scenario, world);
    KS_ASSERT_MSG(built.ok(), "the scenario was validated before the run");
  }
  for (NodeId id : world.node_ids()) world.start(id);

  for (const FaultSpec& f : scenario.faults) {
    if (f.at > Time::zero() + scenario.duration) continue;
    world.scheduler().schedule_at(f.at, [&f, &scenario, &world, &observer] { apply_fault(f, scenario, world, observer); });
  }

  if (scenario.quiet_phase > Duration{}) {
    world.scheduler().schedule_at(scenario.quiet_phase_start(), [&scenario, &world] { start_quiet_phase(scenario, world); });
  }

  // Capturing files reads the disks without side effects, so exporting never changes the run.
  auto capture = [&world, &result] {
    result.exported_files.clear();
    for (NodeId id : world.node_ids()) {
      NodeFiles nf;
      nf.node = id;
      const sim::Disk& disk = world.node(id).disk();
      for (const std::string& path : disk.all_paths()) {
        auto bytes = disk.current_content(path);
        if (bytes.ok()) nf.files.emplace_back(path, std::move(bytes.value()));
      }
      result.exported_files.push_back(std::move(nf));
    }
  };
  if (options.export_files && options.export_at) world.scheduler().schedule_at(*options.export_at, capture);

  const Time end = Time::zero() + scenario.duration;
  const sim::StopReason stop = world.scheduler().run_until(end, scenario.max_events);
  result.stop_reason = sim::to_string(stop);
  if (options.export_files && result.exported_files.empty()) capture();  // at the end (or export_at past it)

  if (scenario.program == "pinger") {
    result.checks = observer.finish(world, scenario);
  } else {
    check::finish_run(checker_list, view, world.now().us());
    for (auto& c : checkers) {
      result.checks.push_back(to_result(*c));
      if (c->id() == "acked-write-durable") stats.stats().records_lost = c->records_affected();
      if (c->id() == "idempotent-no-duplicates") stats.stats().records_duplicated = c->records_affected();
    }
  }
  stats.stats().bytes_on_wire = static_cast<std::int64_t>(world.network().counters().bytes_sent);
  for (NodeId id : world.node_ids()) {
    const sim::DiskCounters& disk = world.node(id).disk().counters();
    stats.stats().bytes_written_to_disk += static_cast<std::int64_t>(disk.bytes_written);
    stats.stats().fsyncs += static_cast<std::int64_t>(disk.fsync_count);
    add_node_counters(stats.stats(), world.node(id).counters());
  }
  result.stats = stats.stats();
  if (stop == sim::StopReason::budget_exhausted) {
    result.checks.push_back(CheckResult{"event-budget", CheckStatus::violated,
                                        fmt::format("the run used its budget of {} events before {} ms",
                                                    scenario.max_events, scenario.duration.ms()),
                                        world.now().us()});
  }
  // Teaching scenarios name the violations they exist to show (Scenario::expect_violated).
  auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (auto& c : result.checks) {
    const bool must = listed(scenario.expect_violated, c.id);
    if (c.status == CheckStatus::violated && (must || listed(scenario.expect_may_violate, c.id))) {
      c.status = CheckStatus::expected_violation;
    } else if (must && c.status != CheckStatus::violated) {
      c.status = CheckStatus::missing_expected_violation;
      c.detail = "the scenario expects this check to be violated, and it was not: " + c.detail;
    }
  }
  result.passed = true;
  for (const auto& c : result.checks) {
    if (c.status == CheckStatus::violated || c.status == CheckStatus::missing_expected_violation) result.passed = false;
  }
  world.trace().set_observer(nullptr);
  trace_run_verdicts(world.trace(), world.now().us(), result);
  world.trace().append(world.now().us(), trace::world_node, trace::Kind::run, "run-ended",
                       {{"passed", result.passed}, {"stop", result.stop_reason}});

  result.fingerprint = world.trace().fingerprint();
  result.events = world.trace().size();
  result.events_dispatched = world.scheduler().events_dispatched();
  result.disk_bytes_shared = world.recent_reads().shared_bytes();
  result.end_batches_decoded = view.batches_decoded();
  result.end_batches_recognised = view.batches_recognised();
  result.sim_time_ms = world.now().ms();
  if (options.keep_trace_events) result.trace_events = world.trace().take_events();
  set_assert_context("");
  return result;
}

}  // namespace kraftsim::runner

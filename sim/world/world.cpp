// World: wiring of scheduler, trace, network and nodes; traced fault operations.
#include "sim/world/world.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace kraftsim::sim {

World::World(WorldConfig config)
    : config_(config),
      trace_(config.keep_trace_events),
      network_(scheduler_, trace_, Rng(config.seed, "network"), config.network),
      fault_rng_(config.seed, "faults") {
  network_.set_deliver([this](protocol::Message&& m) {
    NodeHost& destination = node(m.to);
    if (!destination.is_up() && m.from != m.to) network_.notify_refused(m.from, m.to);
    destination.on_delivery(std::move(m));
  });
  network_.set_connection_lost([this](NodeId who, NodeId peer) { node(who).on_connection_lost(peer); });
  network_.set_connection_refused([this](NodeId who, NodeId peer) { node(who).on_connection_refused(peer); });
}

NodeHost& World::add_node(NodeId id, std::string name, ProgramFactory factory) {
  KS_ASSERT_MSG(!nodes_.contains(id), "node id added twice");
  network_.add_node(id, name);
  auto host = std::make_unique<NodeHost>(scheduler_, trace_, network_, id, std::move(name), config_.seed,
                                         config_.disk, std::move(factory));
  NodeHost& ref = *host;
  // The replicas of a partition keep one copy of the bytes they replicate (recent_reads.h).
  if (config_.share_disk_bytes) ref.disk().share_reads(&recent_reads_);
  nodes_.emplace(id, std::move(host));
  return ref;
}

NodeHost& World::node(NodeId id) {
  auto it = nodes_.find(id);
  KS_ASSERT_MSG(it != nodes_.end(), "unknown node id");
  return *it->second;
}

const NodeHost& World::node(NodeId id) const {
  auto it = nodes_.find(id);
  KS_ASSERT_MSG(it != nodes_.end(), "unknown node id");
  return *it->second;
}

std::vector<NodeId> World::node_ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, host] : nodes_) out.push_back(id);
  return out;
}

void World::trace_fault(const char* name, trace::FieldSpan fields) {
  trace_.append(now().us(), trace::world_node, trace::Kind::fault, name, fields);
}

void World::trace_components() {
  // After a topology change, record who can talk to whom (for reports and checkers).
  std::string text;
  for (const auto& component : network_.components()) {
    if (!text.empty()) text += " | ";
    for (std::size_t i = 0; i < component.size(); ++i) text += (i ? "," : "") + std::to_string(component[i]);
  }
  trace_.append(now().us(), trace::world_node, trace::Kind::fault, "components", {{"groups", text}});
}

void World::start(NodeId id) { node(id).start(); }

void World::crash(NodeId id) {
  trace_fault("crash", {{"target", id}});
  node(id).crash();
}

void World::power_loss(NodeId id) {
  trace_fault("power-loss", {{"target", id}});
  node(id).power_loss();
}

void World::restart(NodeId id) {
  trace_fault("restart", {{"target", id}});
  node(id).start();
}

void World::shutdown(NodeId id) {
  trace_fault("shutdown", {{"target", id}});
  node(id).request_shutdown();
}

void World::lose_disk(NodeId id) {
  trace_fault("disk-lost", {{"target", id}});
  if (node(id).is_up()) node(id).power_loss();
  node(id).replace_disk();
}

void World::pause(NodeId id) {
  trace_fault("pause", {{"target", id}});
  node(id).pause();
}

void World::resume(NodeId id) {
  trace_fault("resume", {{"target", id}});
  node(id).resume();
}

void World::partition(const std::vector<std::vector<NodeId>>& groups) {
  std::string text;
  for (const auto& g : groups) {
    if (!text.empty()) text += " | ";
    for (std::size_t i = 0; i < g.size(); ++i) text += (i ? "," : "") + std::to_string(g[i]);
  }
  trace_fault("partition", {{"groups", text}});
  network_.partition(groups);
  trace_components();
}

void World::block_one_way(NodeId from, NodeId to) {
  trace_fault("one-way-partition", {{"from", from}, {"to", to}});
  network_.block_one_way(from, to);
  trace_components();
}

void World::isolate(NodeId id) {
  trace_fault("isolate", {{"target", id}});
  network_.isolate(id);
  trace_components();
}

void World::clog(NodeId a, NodeId b, Duration extra_delay) {
  trace_fault("clog", {{"a", a}, {"b", b}, {"extra_delay_us", extra_delay.us()}});
  network_.clog(a, b, extra_delay);
}

void World::heal() {
  trace_fault("heal", {});
  network_.heal_all();
  trace_components();
}

void World::corrupt_disk(NodeId id, const std::string& path, std::uint64_t offset, std::uint64_t length) {
  trace_fault("disk-corrupt", {{"target", id}, {"path", path}, {"offset", static_cast<std::int64_t>(offset)},
                               {"length", static_cast<std::int64_t>(length)}});
  (void)node(id).disk().corrupt(path, offset, length, fault_rng_);
}

void World::add_read_error(NodeId id, const std::string& path, std::uint64_t offset, std::uint64_t length) {
  trace_fault("disk-read-error", {{"target", id}, {"path", path}, {"offset", static_cast<std::int64_t>(offset)},
                                  {"length", static_cast<std::int64_t>(length)}});
  (void)node(id).disk().add_read_error(path, offset, length);
}

void World::set_disk_capacity(NodeId id, std::uint64_t capacity_bytes) {
  trace_fault("disk-full", {{"target", id}, {"capacity_bytes", static_cast<std::int64_t>(capacity_bytes)}});
  node(id).disk().set_capacity_bytes(capacity_bytes);
}

void World::set_disk_slow(NodeId id, std::int64_t slow_factor) {
  trace_fault("disk-slow", {{"target", id}, {"factor", slow_factor}});
  node(id).disk().set_slow_factor(static_cast<double>(slow_factor));
}

void World::drop_caches(NodeId id) {
  trace_fault("drop-caches", {{"target", id}});
  node(id).disk().drop_caches();
}

}  // namespace kraftsim::sim

// The simulated world of one run: the scheduler, the trace, the network and the nodes, all
// derived from one seed. Fault operations live here so that every fault, whoever injects it,
// is traced the same way. One World per run; parallel runs use one World each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/scheduler.h"
#include "sim/world/disk.h"
#include "sim/world/network.h"
#include "sim/world/node_host.h"
#include "sim/world/recent_reads.h"
#include "trace/trace.h"

namespace kraftsim::sim {

struct WorldConfig {
  std::uint64_t seed = 1;
  NetworkConfig network;
  DiskConfig disk;
  bool keep_trace_events = true;  // false: fingerprint only (sweeps)
  // The disks keep one copy of bytes one reads and another appends (recent_reads.h). Off only to
  // measure what it saves: results are the same either way.
  bool share_disk_bytes = true;
};

class World {
 public:
  explicit World(WorldConfig config);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  NodeHost& add_node(NodeId id, std::string name, ProgramFactory factory);
  NodeHost& node(NodeId id);
  const NodeHost& node(NodeId id) const;
  bool has_node(NodeId id) const { return nodes_.contains(id); }
  std::vector<NodeId> node_ids() const;  // ascending

  Scheduler& scheduler() { return scheduler_; }
  trace::Trace& trace() { return trace_; }
  const trace::Trace& trace() const { return trace_; }
  Network& network() { return network_; }
  const Network& network() const { return network_; }
  Time now() const { return scheduler_.now(); }
  std::uint64_t seed() const { return config_.seed; }

  // Faults and process control, each traced as a fault event first.
  void start(NodeId id);
  void crash(NodeId id);
  void power_loss(NodeId id);
  void restart(NodeId id);  // start after a crash or power loss
  void shutdown(NodeId id);
  // Power loss, then an empty disk in place of the old one; the runner formats it again.
  void lose_disk(NodeId id);
  void pause(NodeId id);
  void resume(NodeId id);
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void block_one_way(NodeId from, NodeId to);
  void isolate(NodeId id);
  void clog(NodeId a, NodeId b, Duration extra_delay);
  void heal();
  void corrupt_disk(NodeId id, const std::string& path, std::uint64_t offset, std::uint64_t length);
  void add_read_error(NodeId id, const std::string& path, std::uint64_t offset, std::uint64_t length);
  void set_disk_capacity(NodeId id, std::uint64_t capacity_bytes);
  void set_disk_slow(NodeId id, std::int64_t slow_factor);
  void drop_caches(NodeId id);
  // The random stream of fault decisions (corruption bytes, random-broker targets), derived from
  // the run seed, so a fault schedule resolves the same way in every replay.
  Rng& fault_rng() { return fault_rng_; }
  // How much the disks shared instead of copying (recent_reads.h).
  const RecentReads& recent_reads() const { return recent_reads_; }

 private:
  void trace_fault(const char* name, trace::FieldSpan fields);
  void trace_components();

  WorldConfig config_;
  Scheduler scheduler_;
  trace::Trace trace_;
  Network network_;
  Rng fault_rng_;
  // Before the nodes: their disks use it (and it is destroyed after them).
  RecentReads recent_reads_;
  std::map<NodeId, std::unique_ptr<NodeHost>> nodes_;
};

}  // namespace kraftsim::sim

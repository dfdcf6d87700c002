// The checker interface: an invariant with a stable id, a one-line meaning, and evidence when
// it breaks. Checkers read the trace event by event (they run after every event of the kinds
// they declare, as Kafka's RaftEventSimulationTest does) and may inspect node state through
// read-only accessors (ClusterView), never through private members.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/env/node_id.h"
#include "sim/check/offset_values.h"
#include "trace/event.h"

namespace kraftsim::raft {
class QuorumCore;
}

namespace kraftsim::check {

struct Violation {
  std::int64_t t_us = 0;
  std::string detail;  // the evidence: times, nodes, epochs, offsets
};

// One running broker's replica of a partition, as the end-of-run checkers see it: its role and
// offsets from the replication core, and the records of its log decoded from the bytes on its
// disk (the page cache included), offset -> value (a view that lives as long as the view).
struct PartitionReplicaView {
  NodeId node = no_node;
  bool leader = false;
  std::int32_t leader_epoch = -1;
  std::int64_t high_watermark = 0;
  std::int64_t log_start_offset = 0;  // below it, retention deleted the records (not a loss)
  std::int64_t log_end_offset = 0;
  OffsetValues values;
};

// A topic-partition, as the end-of-run pass names it.
using PartitionKey = std::pair<std::string, std::int32_t>;

// Read-only access to node state for checkers. A node that is down has no quorum (nullptr).
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  virtual std::vector<NodeId> voters() const = 0;
  virtual std::vector<NodeId> nodes() const = 0;
  virtual const raft::QuorumCore* quorum(NodeId node) const = 0;
  // Whether messages from `from` currently reach `to` (the network's view).
  virtual bool link_up(NodeId from, NodeId to) const = 0;
  // Every running broker's replica of topic-partition (empty when none hosts it). The reference
  // stays valid until the next call for another partition or the world moves on. Checkers get
  // these through on_end_partition (end_of_run.h), one partition at a time.
  virtual const std::vector<PartitionReplicaView>& partition_replicas(const std::string& /*topic*/,
                                                                      std::int32_t /*partition*/) const {
    static const std::vector<PartitionReplicaView> none;
    return none;
  }
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual std::string_view id() const = 0;
  virtual std::string_view meaning() const = 0;
  // The kinds of event on_event must see; the runner does not call it for others (most of a
  // run's events are sends and deliveries, which the Raft checkers never read).
  virtual trace::KindSet kinds() const = 0;
  // The names of the state events on_event reads; the runner shows it no other state event.
  // Empty: every state event. Most of a long run's state events are the clients' per-record
  // `history`, which few checkers read, and offering each to every checker cost about a tenth of
  // s1's run (docs/PERFORMANCE.md). A test runs the scenarios with and without this routing and
  // requires the same verdicts, so a name missing here shows.
  virtual std::span<const std::string_view> state_names() const { return {}; }
  virtual void on_event(const trace::EventRef& event) = 0;
  // The partitions whose final replicas this checker judges at the end of the run. The end of a
  // run (check::finish_run) decodes one partition's replicas at a time, from their disks, and
  // shows them to every checker that named the partition, in (topic, partition) order, before
  // any on_end: a long run's millions of records are then in memory one partition at a time,
  // not all at once (docs/PERFORMANCE.md).
  virtual std::vector<PartitionKey> end_partitions() const { return {}; }
  virtual void on_end_partition(std::int64_t /*t_us*/, const PartitionKey& /*partition*/,
                                const std::vector<PartitionReplicaView>& /*replicas*/) {}
  virtual void on_end(std::int64_t /*t_us*/) {}

  const std::optional<Violation>& violation() const { return first_violation_; }
  std::uint64_t violations() const { return violation_count_; }
  // How many times the invariant was actually exercised: 0 means "not applicable" to the run.
  std::uint64_t observations() const { return observations_; }
  // Records the violations concern (lost, duplicated), for the run's stats; 0 when not counted.
  std::int64_t records_affected() const { return records_affected_; }

 protected:
  void violate(std::int64_t t_us, std::string detail) {
    ++violation_count_;
    if (!first_violation_) first_violation_ = Violation{t_us, std::move(detail)};
  }
  void observed() { ++observations_; }
  void observed(std::int64_t n) { observations_ += n; }
  void add_records_affected(std::int64_t n) { records_affected_ += n; }

 private:
  std::optional<Violation> first_violation_;
  std::uint64_t violation_count_ = 0;
  std::uint64_t observations_ = 0;
  std::int64_t records_affected_ = 0;
};

}  // namespace kraftsim::check

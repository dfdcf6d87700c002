// The simulated network: connection-oriented FIFO links between named nodes, like TCP.
//
// What it promises (the environment contract node code may rely on, as in ScyllaDB's
// raft/README.md): on a link that stays up, messages from A to B arrive in the order sent,
// exactly once, after a latency drawn from the latency model plus the time to push their bytes
// through the link's bandwidth. When a link is cut (partition, isolation, a dead endpoint) every
// message in flight on it is dropped and both ends are told the connection broke after a
// detection delay; until it is told, what a sender writes to that peer is dropped too (a dead
// socket), so no message crosses from a broken connection to a restarted peer or a healed link.
// A message that arrives on a connection its sender opened after hearing of a break (or after
// its process restarted) proves the peer is on a new connection: if the receiver has not been
// told of the old one's loss yet, it is told now, before the message, and its replies go back
// on the new connection (in TCP they would travel on the socket the request came in on).
// Loss, duplication and reordering are optional knobs beyond TCP, off by default.
//
// Reachability: direct links are a directed graph (an edge A->B when A's messages reach B);
// transitive reachability and the partition's components are computed with Boost.Graph.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/time.h"
#include "broker/protocol/message.h"
#include "sim/core/scheduler.h"
#include "trace/trace.h"

namespace kraftsim::sim {

enum class LatencyDistribution { uniform, exponential, pareto };

struct NetworkConfig {
  Duration latency_min = microseconds(500);
  Duration latency_max = milliseconds(5);
  // uniform: flat in [min, max]; exponential and pareto: most messages near min, a long tail
  // up to max (the draw is capped at max).
  LatencyDistribution distribution = LatencyDistribution::exponential;
  std::int64_t bandwidth_bytes_per_s = 125'000'000;  // 1 Gbit/s per link; 0 = unlimited
  Duration disconnect_detection_delay = milliseconds(100);
  // Beyond TCP, for experiments only (all 0 by default).
  double loss_probability = 0;
  double duplicate_probability = 0;
  double reorder_probability = 0;
};

// Called when a message reaches its destination (the world routes it to the node's process).
using DeliverFn = std::function<void(protocol::Message&&)>;
// Called, after the detection delay, to tell `node` that its connection to `peer` broke.
using ConnectionLostFn = std::function<void(NodeId node, NodeId peer)>;
// Called, one network delay after `peer` refused it (Env::refuse), to tell `node`.
using ConnectionRefusedFn = std::function<void(NodeId node, NodeId peer)>;

struct NetworkCounters {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_delivered = 0;
};

class Network {
 public:
  static constexpr std::size_t nodes_max = 256;
  static constexpr std::size_t in_flight_per_link_max = 1u << 20;

  Network(Scheduler& scheduler, trace::Trace& trace, Rng rng, NetworkConfig config);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  void set_deliver(DeliverFn deliver) { deliver_ = std::move(deliver); }
  void set_connection_lost(ConnectionLostFn lost) { connection_lost_ = std::move(lost); }
  void set_connection_refused(ConnectionRefusedFn refused) { connection_refused_ = std::move(refused); }

  void add_node(NodeId id, std::string name);
  bool has_node(NodeId id) const { return index_.contains(id); }
  const std::string& name_of(NodeId id) const;
  std::vector<NodeId> node_ids() const;  // ascending

  // Sends now. The message is dropped (and traced) if the link is down.
  void send(protocol::Message message);

  // Faults. Each cut link drops its in-flight messages and notifies both ends after the delay.
  // partition: nodes in different groups cannot talk; nodes in no group form one more group.
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void block_one_way(NodeId from, NodeId to);  // from's messages no longer reach to
  void isolate(NodeId node);                   // cut every link to and from node
  void clog(NodeId a, NodeId b, Duration extra_delay);  // both directions get extra delay
  void heal_all();                             // every link up, no clogs
  // A process died: its connections break; in-flight messages to and from it are dropped.
  void reset_connections(NodeId node, const char* reason);

  // A message from `from` reached a process that is down: like a connection refused, the
  // sender learns that its connection to `to` broke, after the detection delay.
  void notify_refused(NodeId from, NodeId to);
  // `refuser`'s process refused a connection from `peer` to a listener it has not opened: the
  // reset reaches `peer` after latency_min, unless the link back is cut or `peer`'s connection
  // to `refuser` changed meanwhile (a restart, a break). Links and their messages are untouched.
  void refuse(NodeId refuser, NodeId peer);

  bool link_up(NodeId from, NodeId to) const;
  // Transitively reachable over up links (Boost.Graph breadth-first search).
  bool reachable(NodeId from, NodeId to) const;
  // Strongly connected components of the up-link graph, each sorted, in order of first member.
  std::vector<std::vector<NodeId>> components() const;

  const NetworkConfig& config() const { return config_; }
  const NetworkCounters& counters() const { return counters_; }

 private:
  struct InFlight {
    std::uint64_t message_id;   // as traced; a duplicated message has two deliveries
    std::uint64_t delivery_id;  // unique per scheduled delivery
    std::uint64_t epoch;        // the sender's connection epoch when it was sent
    EventId event;
    protocol::Message message;
  };
  struct Link {
    bool up = true;
    Duration clog_delay{};
    Time transmit_free_at{};  // when the link's sender side finishes pushing earlier bytes
    Time last_arrival_at{};   // FIFO: nothing arrives before the previous message
    // The sender's connection broke and it has not been told yet (a notification is pending):
    // what it writes on the dead connection goes nowhere, as on a TCP socket after a reset, even
    // if the link or the peer is back meanwhile. The next connection starts after the news.
    int broken_notifications_pending = 0;
    // Notifications of any kind scheduled for the sender about this peer, and their generation:
    // telling the sender early (a newer connection arrived) voids those already scheduled.
    int notifications_pending = 0;
    std::uint64_t notify_generation = 0;
    // The sender's connection epoch: it grows each time the sender is told its connection to
    // the peer broke, and when the sender's process dies (a new process opens new connections).
    std::uint64_t epoch = 0;
    // The highest epoch among messages delivered on this link: a higher one is a new connection.
    std::uint64_t epoch_delivered = 0;
    std::deque<InFlight> in_flight;  // oldest first
  };

  std::size_t index_of(NodeId id) const;
  Link& link(std::size_t from, std::size_t to) { return links_[from * capacity_ + to]; }
  const Link& link(std::size_t from, std::size_t to) const { return links_[from * capacity_ + to]; }
  Duration draw_latency();
  void set_link(std::size_t from, std::size_t to, bool up, const char* reason);
  void drop_in_flight(std::size_t from, std::size_t to, const char* reason);
  void notify_broken(std::size_t a, std::size_t b);
  // Tells `who` (after the detection delay) that its connection to `peer` broke; writes_lost:
  // what `who` writes to `peer` until then goes nowhere.
  void schedule_connection_lost(std::size_t who, std::size_t peer, bool writes_lost);
  // The sender's next write opens a new connection: the notices scheduled about the old one are
  // void, its writes are no longer lost, and its epoch grows.
  void start_new_connection(Link& l);
  // Tells `who` now that its old connection to `peer` broke and voids the notifications already
  // scheduled: `peer` reached it on a newer connection.
  void tell_connection_lost_now(std::size_t who, std::size_t peer);
  void trace_drop(std::uint64_t message_id, NodeId from, NodeId to, const char* reason);
  void schedule_delivery(std::size_t from, std::size_t to, std::uint64_t message_id, Time arrival,
                         protocol::Message message);
  void deliver(std::size_t from, std::size_t to, std::uint64_t delivery_id);

  Scheduler& scheduler_;
  trace::Trace& trace_;
  Rng rng_;
  NetworkConfig config_;
  DeliverFn deliver_;
  ConnectionLostFn connection_lost_;
  ConnectionRefusedFn connection_refused_;
  NetworkCounters counters_;
  std::uint64_t next_message_id_ = 1;
  std::uint64_t next_delivery_id_ = 1;

  std::map<NodeId, std::size_t> index_;
  std::vector<NodeId> ids_;          // by index
  std::vector<std::string> names_;   // by index
  std::size_t capacity_ = 0;         // links_ is capacity_ x capacity_
  std::vector<Link> links_;
};

}  // namespace kraftsim::sim

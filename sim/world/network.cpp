// Network implementation: per-link FIFO queues with latency and bandwidth, link faults, and
// Boost.Graph reachability.
#include "sim/world/network.h"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/strong_components.hpp>

#include "base/assert.h"

namespace kraftsim::sim {

namespace {
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
}  // namespace

Network::Network(Scheduler& scheduler, trace::Trace& trace, Rng rng, NetworkConfig config)
    : scheduler_(scheduler), trace_(trace), rng_(rng), config_(config) {
  KS_ASSERT(config_.latency_min.us() >= 0);
  KS_ASSERT(config_.latency_min <= config_.latency_max);
  KS_ASSERT(config_.bandwidth_bytes_per_s >= 0);
}

void Network::add_node(NodeId id, std::string name) {
  KS_ASSERT_MSG(!index_.contains(id), "node added twice");
  KS_ASSERT(ids_.size() < nodes_max);
  const std::size_t old_capacity = capacity_;
  if (ids_.size() == capacity_) {
    // Grow the link matrix; nodes are added before the run, so this is not on a hot path.
    const std::size_t new_capacity = std::max<std::size_t>(8, capacity_ * 2);
    std::vector<Link> grown(new_capacity * new_capacity);
    for (std::size_t a = 0; a < old_capacity; ++a) {
      for (std::size_t b = 0; b < old_capacity; ++b) grown[a * new_capacity + b] = std::move(link(a, b));
    }
    links_ = std::move(grown);
    capacity_ = new_capacity;
  }
  index_.emplace(id, ids_.size());
  ids_.push_back(id);
  names_.push_back(std::move(name));
}

std::size_t Network::index_of(NodeId id) const {
  auto it = index_.find(id);
  KS_ASSERT_MSG(it != index_.end(), "unknown node id");
  return it->second;
}

const std::string& Network::name_of(NodeId id) const { return names_[index_of(id)]; }

std::vector<NodeId> Network::node_ids() const {
  std::vector<NodeId> out;
  out.reserve(index_.size());
  for (const auto& [id, index] : index_) out.push_back(id);
  return out;
}

Duration Network::draw_latency() {
  const std::int64_t lo = config_.latency_min.us();
  const std::int64_t hi = config_.latency_max.us();
  if (lo == hi) return config_.latency_min;
  double extra_us = 0;
  switch (config_.distribution) {
    case LatencyDistribution::uniform:
      return microseconds(rng_.uniform_int(lo, hi));
    case LatencyDistribution::exponential:
      // Mean a tenth of the span: most messages are fast, a few take up to max.
      extra_us = rng_.exponential(static_cast<double>(hi - lo) / 10.0);
      break;
    case LatencyDistribution::pareto:
      // Shape 1.5: a heavy tail (finite mean, infinite variance) starting at min.
      extra_us = rng_.pareto(static_cast<double>(std::max<std::int64_t>(lo, 1)), 1.5) -
                 static_cast<double>(std::max<std::int64_t>(lo, 1));
      break;
  }
  const auto capped = std::min<double>(extra_us, static_cast<double>(hi - lo));
  return microseconds(lo + static_cast<std::int64_t>(capped));
}

void Network::trace_drop(std::uint64_t message_id, NodeId from, NodeId to, const char* reason) {
  counters_.messages_dropped++;
  trace_.append(scheduler_.now().us(), to, trace::Kind::drop, "drop",
                {{"msg", static_cast<std::int64_t>(message_id)}, {"from", from}, {"to", to}, {"reason", reason}});
}

void Network::send(protocol::Message message) {
  const std::size_t from = index_of(message.from);
  const std::size_t to = index_of(message.to);
  const std::int64_t size_bytes = protocol::wire_size_bytes(message.body);
  KS_ASSERT(size_bytes > 0);
  const std::uint64_t message_id = next_message_id_++;
  counters_.messages_sent++;
  counters_.bytes_sent += static_cast<std::uint64_t>(size_bytes);

  trace::Fields fields{{"msg", static_cast<std::int64_t>(message_id)},
                       {"to", message.to},
                       {"bytes", size_bytes}};
  protocol::describe(message.body, fields);
  trace_.append(scheduler_.now().us(), message.from, trace::Kind::send, protocol::name_of(message.body), fields);

  Link& l = link(from, to);
  if (from == to) {
    // Loopback (a combined broker,controller node talking to its own controller): no wire, no
    // faults, next in line at the same instant.
    schedule_delivery(from, to, message_id, scheduler_.now(), std::move(message));
    return;
  }
  if (!l.up) {
    trace_drop(message_id, message.from, message.to, "link-down");
    // Like a connection attempt to an unreachable host: it fails, and the sender hears of it
    // after the detection delay (Kafka's socket.connection.setup.timeout.ms in reality). A
    // client that heard nothing would think its request on the way and wait for its timeout,
    // while later requests overtake it once the link heals.
    if (l.broken_notifications_pending == 0) schedule_connection_lost(from, to, true);
    return;
  }
  if (l.broken_notifications_pending > 0) {
    trace_drop(message_id, message.from, message.to, "connection-broken");
    return;
  }
  if (config_.loss_probability > 0 && rng_.bernoulli(config_.loss_probability)) {
    trace_drop(message_id, message.from, message.to, "loss");
    return;
  }

  // Bandwidth: the link pushes bytes one message at a time; a big message delays the next.
  const Time now = scheduler_.now();
  const Time transmit_start = std::max(now, l.transmit_free_at);
  const std::int64_t transmit_us =
      config_.bandwidth_bytes_per_s == 0 ? 0 : (size_bytes * 1'000'000 + config_.bandwidth_bytes_per_s - 1) /
                                                   config_.bandwidth_bytes_per_s;
  l.transmit_free_at = transmit_start + microseconds(transmit_us);
  Time arrival = l.transmit_free_at + draw_latency() + l.clog_delay;

  const bool reorder = config_.reorder_probability > 0 && rng_.bernoulli(config_.reorder_probability);
  if (reorder) {
    arrival = arrival + microseconds(rng_.uniform_int(0, config_.latency_max.us()));
  } else {
    arrival = std::max(arrival, l.last_arrival_at);  // FIFO, like one TCP stream
    l.last_arrival_at = arrival;
  }
  KS_ASSERT(l.in_flight.size() < in_flight_per_link_max);

  const bool duplicate = config_.duplicate_probability > 0 && rng_.bernoulli(config_.duplicate_probability);
  if (duplicate) {
    const Time copy_arrival = arrival + microseconds(rng_.uniform_int(0, config_.latency_max.us()));
    schedule_delivery(from, to, message_id, copy_arrival, protocol::Message(message));
  }
  schedule_delivery(from, to, message_id, arrival, std::move(message));
}

void Network::schedule_delivery(std::size_t from, std::size_t to, std::uint64_t message_id, Time arrival,
                                protocol::Message message) {
  Link& l = link(from, to);
  const std::uint64_t delivery_id = next_delivery_id_++;
  const EventId event = scheduler_.schedule_at(arrival, [this, from, to, delivery_id] { deliver(from, to, delivery_id); });
  l.in_flight.push_back(InFlight{message_id, delivery_id, l.epoch, event, std::move(message)});
}

void Network::deliver(std::size_t from, std::size_t to, std::uint64_t delivery_id) {
  Link& l = link(from, to);
  KS_ASSERT(l.up);  // cutting a link cancels its deliveries
  // The front, unless reordering or duplication is on.
  auto it = std::find_if(l.in_flight.begin(), l.in_flight.end(),
                         [&](const InFlight& f) { return f.delivery_id == delivery_id; });
  KS_ASSERT(it != l.in_flight.end());
  protocol::Message message = std::move(it->message);
  const std::uint64_t message_id = it->message_id;
  const std::uint64_t epoch = it->epoch;
  l.in_flight.erase(it);
  if (epoch > l.epoch_delivered) {
    l.epoch_delivered = epoch;
    // The sender opened a new connection since its last message here: whatever the receiver
    // has yet to hear about the old one, it hears now, and its replies use the new one.
    if (from != to && link(to, from).notifications_pending > 0) tell_connection_lost_now(to, from);
  }

  const std::int64_t size_bytes = protocol::wire_size_bytes(message.body);
  counters_.messages_delivered++;
  counters_.bytes_delivered += static_cast<std::uint64_t>(size_bytes);
  trace_.append(scheduler_.now().us(), message.to, trace::Kind::deliver, protocol::name_of(message.body),
                {{"msg", static_cast<std::int64_t>(message_id)}, {"from", message.from}});
  KS_ASSERT(deliver_);
  deliver_(std::move(message));
}

void Network::drop_in_flight(std::size_t from, std::size_t to, const char* reason) {
  Link& l = link(from, to);
  while (!l.in_flight.empty()) {
    InFlight f = std::move(l.in_flight.front());
    l.in_flight.pop_front();
    const bool cancelled = scheduler_.cancel(f.event);
    KS_ASSERT(cancelled);
    trace_drop(f.message_id, ids_[from], ids_[to], reason);
  }
  // A new connection starts with an empty pipe.
  l.transmit_free_at = scheduler_.now();
  l.last_arrival_at = scheduler_.now();
}

void Network::notify_broken(std::size_t a, std::size_t b) {
  // Both ends notice after the detection delay (TCP keepalive / request timeouts in reality).
  // Only a's writes to b were cut: b's to a still arrive (a one-way partition stays one-way).
  schedule_connection_lost(a, b, true);
  schedule_connection_lost(b, a, false);
}

void Network::schedule_connection_lost(std::size_t who, std::size_t peer, bool writes_lost) {
  KS_ASSERT(who != peer);
  Link& l = link(who, peer);
  if (writes_lost) ++l.broken_notifications_pending;
  ++l.notifications_pending;
  const std::uint64_t generation = l.notify_generation;
  scheduler_.schedule_after(config_.disconnect_detection_delay, [this, who, peer, writes_lost, generation] {
    Link& told = link(who, peer);
    if (generation != told.notify_generation) return;  // voided: `who` was told early
    if (writes_lost) {
      KS_ASSERT(told.broken_notifications_pending > 0);
      --told.broken_notifications_pending;
    }
    KS_ASSERT(told.notifications_pending > 0);
    --told.notifications_pending;
    ++told.epoch;
    if (connection_lost_) connection_lost_(ids_[who], ids_[peer]);
  });
}

void Network::start_new_connection(Link& l) {
  ++l.notify_generation;
  l.notifications_pending = 0;
  l.broken_notifications_pending = 0;
  ++l.epoch;
}

void Network::tell_connection_lost_now(std::size_t who, std::size_t peer) {
  KS_ASSERT(who != peer);
  Link& l = link(who, peer);
  KS_ASSERT(l.notifications_pending > 0);
  start_new_connection(l);
  if (connection_lost_) connection_lost_(ids_[who], ids_[peer]);
}

void Network::set_link(std::size_t from, std::size_t to, bool up, const char* reason) {
  Link& l = link(from, to);
  if (l.up == up) return;
  l.up = up;
  if (!up) {
    drop_in_flight(from, to, reason);
    notify_broken(from, to);
  }
}

void Network::partition(const std::vector<std::vector<NodeId>>& groups) {
  constexpr std::size_t no_group = SIZE_MAX;
  std::vector<std::size_t> group_of(ids_.size(), no_group);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (NodeId id : groups[g]) {
      const std::size_t i = index_of(id);
      KS_ASSERT_MSG(group_of[i] == no_group, "a node is in two partition groups");
      group_of[i] = g;
    }
  }
  for (std::size_t a = 0; a < ids_.size(); ++a) {
    for (std::size_t b = 0; b < ids_.size(); ++b) {
      if (a == b) continue;
      set_link(a, b, group_of[a] == group_of[b], "partition");
    }
  }
}

void Network::block_one_way(NodeId from, NodeId to) {
  KS_ASSERT(from != to);
  set_link(index_of(from), index_of(to), false, "one-way-partition");
}

void Network::isolate(NodeId node) {
  const std::size_t n = index_of(node);
  for (std::size_t other = 0; other < ids_.size(); ++other) {
    if (other == n) continue;
    set_link(n, other, false, "isolate");
    set_link(other, n, false, "isolate");
  }
}

void Network::clog(NodeId a, NodeId b, Duration extra_delay) {
  KS_ASSERT(extra_delay.us() >= 0);
  link(index_of(a), index_of(b)).clog_delay = extra_delay;
  link(index_of(b), index_of(a)).clog_delay = extra_delay;
}

void Network::heal_all() {
  for (std::size_t a = 0; a < ids_.size(); ++a) {
    for (std::size_t b = 0; b < ids_.size(); ++b) {
      if (a == b) continue;
      Link& l = link(a, b);
      l.clog_delay = Duration{};
      set_link(a, b, true, "heal");
    }
  }
}

void Network::reset_connections(NodeId node, const char* reason) {
  const std::size_t n = index_of(node);
  drop_in_flight(n, n, reason);  // loopback messages die with the process
  for (std::size_t other = 0; other < ids_.size(); ++other) {
    if (other == n) continue;
    drop_in_flight(n, other, reason);
    drop_in_flight(other, n, reason);
    // The dead process's connections die with it: a restarted one opens new connections, and
    // what the old one was about to hear is void.
    start_new_connection(link(n, other));
    // The peer learns of the broken connection after the delay; the dead node learns nothing.
    schedule_connection_lost(other, n, true);
  }
}

void Network::notify_refused(NodeId from, NodeId to) {
  KS_ASSERT(from != to);
  schedule_connection_lost(index_of(from), index_of(to), true);
}

void Network::refuse(NodeId refuser, NodeId peer) {
  KS_ASSERT(refuser != peer);
  const std::size_t r = index_of(refuser), p = index_of(peer);
  if (!link(r, p).up) return;  // the reset is lost with the link; the peer's request times out
  const std::uint64_t epoch = link(p, r).epoch;
  scheduler_.schedule_after(config_.latency_min, [this, r, p, epoch] {
    if (link(p, r).epoch != epoch) return;  // that connection is gone already
    if (connection_refused_) connection_refused_(ids_[p], ids_[r]);
  });
}

bool Network::link_up(NodeId from, NodeId to) const { return link(index_of(from), index_of(to)).up; }

bool Network::reachable(NodeId from, NodeId to) const {
  const std::size_t n = ids_.size();
  Graph g(n);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < n; ++b) {
      if (a != b && link(a, b).up) boost::add_edge(a, b, g);
    }
  }
  std::vector<boost::default_color_type> color(n, boost::white_color);
  const std::size_t source = index_of(from);
  boost::breadth_first_search(g, boost::vertex(source, g),
                              boost::color_map(boost::make_iterator_property_map(
                                  color.begin(), boost::get(boost::vertex_index, g))));
  return color[index_of(to)] != boost::white_color;
}

std::vector<std::vector<NodeId>> Network::components() const {
  const std::size_t n = ids_.size();
  Graph g(n);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < n; ++b) {
      if (a != b && link(a, b).up) boost::add_edge(a, b, g);
    }
  }
  std::vector<int> component(n, 0);
  const int count = boost::strong_components(
      g, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, g)));
  // Order components by their smallest node id, members ascending: independent of Boost's
  // numbering.
  std::vector<std::vector<NodeId>> out(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < n; ++i) out[static_cast<std::size_t>(component[i])].push_back(ids_[i]);
  for (auto& c : out) std::sort(c.begin(), c.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kraftsim::sim

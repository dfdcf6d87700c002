// RequestTracker (request_tracker.h): one in-flight request per destination, expiry, backoff.
#include "broker/raft/request_tracker.h"

#include <algorithm>

#include "base/assert.h"
#include "broker/raft/config.h"

namespace kraftsim::raft {
namespace {
// A core talks to the voters (and the leader); one connection slot per voter is enough.
constexpr std::size_t connections_max = voters_max + 1;
}  // namespace

const RequestTracker::Connection* RequestTracker::find(NodeId node) const {
  const auto it = std::lower_bound(connections_.begin(), connections_.end(), node,
                                   [](const Connection& c, NodeId n) { return c.node < n; });
  return it != connections_.end() && it->node == node ? &*it : nullptr;
}

RequestTracker::Connection& RequestTracker::get(NodeId node) {
  const auto it = std::lower_bound(connections_.begin(), connections_.end(), node,
                                   [](const Connection& c, NodeId n) { return c.node < n; });
  if (it != connections_.end() && it->node == node) return *it;
  KS_ASSERT(connections_.size() < connections_max);
  Connection fresh;
  fresh.node = node;
  return *connections_.insert(it, fresh);
}

bool RequestTracker::is_ready(NodeId node, Time now) const {
  const Connection* c = find(node);
  if (c == nullptr) return true;
  return !c->in_flight && (!c->backoff_until || *c->backoff_until <= now);
}

bool RequestTracker::has_in_flight(NodeId node) const {
  const Connection* c = find(node);
  return c != nullptr && c->in_flight.has_value();
}

bool RequestTracker::any_in_flight() const {
  return std::any_of(connections_.begin(), connections_.end(), [](const Connection& c) { return c.in_flight.has_value(); });
}

void RequestTracker::on_request_sent(NodeId node, std::uint64_t correlation_id, Time deadline) {
  Connection& c = get(node);
  KS_ASSERT_MSG(!c.in_flight, "one request in flight per destination");
  c.in_flight = correlation_id;
  c.in_flight_deadline = deadline;
  c.backoff_until.reset();
}

bool RequestTracker::on_response(NodeId node, std::uint64_t correlation_id) {
  const Connection* found = find(node);
  if (found == nullptr || found->in_flight != correlation_id) return false;
  Connection& c = get(node);
  c.in_flight.reset();
  KS_ASSERT(!c.in_flight);
  return true;
}

void RequestTracker::back_off(NodeId node, Time until) {
  Connection& c = get(node);
  KS_ASSERT(!c.in_flight);
  c.backoff_until = until;
}

void RequestTracker::fail(NodeId node, Time until) {
  if (find(node) == nullptr) return;
  Connection& c = get(node);
  c.in_flight.reset();
  c.backoff_until = until;
}

void RequestTracker::expire(Time now) {
  for (Connection& c : connections_) {
    if (c.in_flight && c.in_flight_deadline <= now) c.in_flight.reset();
    if (c.backoff_until && *c.backoff_until <= now) c.backoff_until.reset();
  }
}

Time RequestTracker::next_deadline() const {
  Time next = Time::max();
  for (const Connection& c : connections_) {
    if (c.in_flight) next = std::min(next, c.in_flight_deadline);
    if (c.backoff_until) next = std::min(next, *c.backoff_until);
  }
  return next;
}

}  // namespace kraftsim::raft

// RequestTracker: which request the core waits for from each peer, Kafka's RequestManager.
// At most one request is in flight per destination; an unanswered one expires after the
// request timeout; an error answer backs the destination off for the retry backoff. A response
// the tracker does not expect (wrong peer, wrong correlation id, sent before the last role
// change) is ignored by the core.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/time.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

class RequestTracker {
 public:
  // Nothing in flight to `node` and not backing off.
  bool is_ready(NodeId node, Time now) const;
  bool has_in_flight(NodeId node) const;
  bool any_in_flight() const;

  void on_request_sent(NodeId node, std::uint64_t correlation_id, Time deadline);
  // True (and the request is no longer in flight) iff this is the response being waited for.
  bool on_response(NodeId node, std::uint64_t correlation_id);
  void back_off(NodeId node, Time until);
  // The connection broke: the request in flight (if any) failed; back off until `until`.
  void fail(NodeId node, Time until);
  // Requests past their deadline stop being in flight; finished backoffs are forgotten.
  void expire(Time now);
  // The earliest in-flight deadline or backoff end, Time::max() if none.
  Time next_deadline() const;
  // A role or epoch change: every outstanding request is forgotten (Kafka resetConnections).
  void reset_all() { connections_.clear(); }

 private:
  struct Connection {
    NodeId node = no_node;
    std::optional<std::uint64_t> in_flight;  // correlation id
    Time in_flight_deadline;
    std::optional<Time> backoff_until;
  };
  const Connection* find(NodeId node) const;
  Connection& get(NodeId node);

  std::vector<Connection> connections_;  // sorted by node id
};

}  // namespace kraftsim::raft

// Every message a node can send: a closed std::variant over the protocol's request and
// response types, so a receiver dispatches with std::visit and the compiler checks coverage.
// Each type provides `static constexpr const char* name` (the RPC name shown in traces and
// reports), `wire_size_bytes()` (its size on the wire, from Kafka's schemas, so bandwidth and
// batching show their effect) and `describe(trace::Fields&)` (the fields worth tracing).
#pragma once

#include <cstdint>
#include <variant>

#include "broker/demo/ping.h"
#include "broker/env/node_id.h"
#include "trace/event.h"

namespace kraftsim::protocol {

using Body = std::variant<demo::Ping, demo::Pong>;

struct Message {
  NodeId from = no_node;
  NodeId to = no_node;
  Body body;
};

inline const char* name_of(const Body& body) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::name; }, body);
}

inline std::int64_t wire_size_bytes(const Body& body) {
  return std::visit([](const auto& m) { return m.wire_size_bytes(); }, body);
}

inline void describe(const Body& body, trace::Fields& out) {
  std::visit([&out](const auto& m) { m.describe(out); }, body);
}

}  // namespace kraftsim::protocol

// Every message a node can send: a closed std::variant over the protocol families, so a
// receiver dispatches with std::visit and the compiler checks coverage. Each alternative
// provides `rpc_name()` (the RPC name shown in traces and reports: "Vote", "Fetch", ...),
// `wire_size_bytes()` (its size on the wire, from Kafka's schemas, so bandwidth and batching
// show their effect) and `describe(trace::Fields&)` (the fields worth tracing).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "broker/controller/requests.h"
#include "broker/demo/ping.h"
#include "broker/env/node_id.h"
#include "broker/protocol/kafka_rpc.h"
#include "broker/raft/messages.h"
#include "trace/event.h"

namespace kraftsim::protocol {

// A KRaft quorum RPC (KIP-595): Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot,
// DescribeQuorum and their responses.
struct RaftRpc {
  raft::Message message;
  std::string_view rpc_name() const { return raft::api_name(message.body); }
  std::int64_t wire_size_bytes() const { return static_cast<std::int64_t>(raft::wire_size_bytes(message)); }
  void describe(trace::Fields& out) const;
};

// A request to the active controller (BrokerRegistration, BrokerHeartbeat, CreateTopics,
// AlterPartition) or its response. correlation_id pairs a response with its request.
struct ControllerRpc {
  std::uint64_t correlation_id = 0;
  std::variant<controller::ControllerRequest, controller::ControllerResponse> body;
  std::string_view rpc_name() const;
  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

using Body = std::variant<demo::Ping, demo::Pong, RaftRpc, ControllerRpc, KafkaRpc>;

struct Message {
  NodeId from = no_node;
  NodeId to = no_node;
  Body body;
};

inline std::string_view name_of(const Body& body) {
  return std::visit([](const auto& m) -> std::string_view { return m.rpc_name(); }, body);
}

inline std::int64_t wire_size_bytes(const Body& body) {
  return std::visit([](const auto& m) { return m.wire_size_bytes(); }, body);
}

inline void describe(const Body& body, trace::Fields& out) {
  std::visit([&out](const auto& m) { m.describe(out); }, body);
}

}  // namespace kraftsim::protocol

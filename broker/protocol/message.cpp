// Trace descriptions of protocol messages: the fields a reader of the timeline needs.
#include "broker/protocol/message.h"

namespace kraftsim::protocol {

void RaftRpc::describe(trace::Fields& out) const {
  out.add("correlation", static_cast<std::int64_t>(message.correlation_id));
  out.add("response", raft::is_response(message.body));
  std::visit(
      [&out](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, raft::VoteRequest>) {
          out.add("epoch", m.candidate_epoch);
          out.add("pre_vote", m.pre_vote);
          out.add("last_epoch", m.last_epoch);
          out.add("last_offset", m.last_epoch_end_offset);
        } else if constexpr (std::is_same_v<T, raft::VoteResponse>) {
          out.add("epoch", m.leader_epoch);
          out.add("granted", m.vote_granted);
          out.add("error", raft::to_string(m.error));
        } else if constexpr (std::is_same_v<T, raft::FetchRequest>) {
          out.add("epoch", m.current_leader_epoch);
          out.add("fetch_offset", m.fetch_offset);
          out.add("last_fetched_epoch", m.last_fetched_epoch);
        } else if constexpr (std::is_same_v<T, raft::FetchResponse>) {
          out.add("epoch", m.leader_epoch);
          out.add("records", static_cast<std::int64_t>(m.records.size()));
          out.add("high_watermark", m.high_watermark.value_or(-1));
          if (m.diverging_epoch) {
            out.add("diverging_epoch", m.diverging_epoch->epoch);
            out.add("diverging_end_offset", m.diverging_epoch->offset);
          }
          out.add("error", raft::to_string(m.error));
        } else if constexpr (requires { m.leader_epoch; }) {
          out.add("epoch", m.leader_epoch);
        }
      },
      message.body);
}

namespace {
template <typename F>
auto visit_controller(const ControllerRpc& rpc, F&& f) {
  return std::visit([&f](const auto& family) { return std::visit(f, family); }, rpc.body);
}
}  // namespace

std::string_view ControllerRpc::rpc_name() const {
  return visit_controller(*this, [](const auto& m) -> std::string_view { return std::decay_t<decltype(m)>::name; });
}

std::int64_t ControllerRpc::wire_size_bytes() const {
  return visit_controller(*this, [](const auto& m) { return m.wire_size_bytes(); });
}

void ControllerRpc::describe(trace::Fields& out) const {
  out.add("correlation", static_cast<std::int64_t>(correlation_id));
  visit_controller(*this, [&out](const auto& m) { m.describe(out); });
}

}  // namespace kraftsim::protocol

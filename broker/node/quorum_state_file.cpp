// quorum-state JSON (see quorum_state_file.h).
#include "broker/node/quorum_state_file.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace kraftsim::node {

std::string encode_quorum_state(const raft::QuorumStateRecord& state, const std::vector<NodeId>& voters) {
  nlohmann::ordered_json j;
  j["clusterId"] = "";  // Kafka writes an empty string here; the cluster id lives in meta.properties
  j["leaderId"] = state.leader_id.value_or(-1);
  j["leaderEpoch"] = state.epoch;
  j["votedId"] = state.voted_id.value_or(-1);
  j["appliedOffset"] = 0;
  auto list = nlohmann::ordered_json::array();
  for (NodeId v : voters) list.push_back({{"voterId", v}});
  j["currentVoters"] = list;
  j["data_version"] = 0;
  return j.dump();
}

Result<raft::QuorumStateRecord, std::string> decode_quorum_state(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return unexpected(std::string("quorum-state is not a JSON object"));
  for (const char* key : {"leaderId", "leaderEpoch", "votedId"}) {
    if (!j.contains(key) || !j[key].is_number_integer()) {
      return unexpected(fmt::format("quorum-state field \"{}\" is missing or not an integer", key));
    }
  }
  raft::QuorumStateRecord state;
  const auto epoch = j["leaderEpoch"].get<std::int64_t>();
  const auto leader = j["leaderId"].get<std::int64_t>();
  const auto voted = j["votedId"].get<std::int64_t>();
  if (epoch < 0 || epoch > INT32_MAX) return unexpected(fmt::format("quorum-state leaderEpoch {} out of range", epoch));
  if (leader < -1 || leader > INT32_MAX || voted < -1 || voted > INT32_MAX) {
    return unexpected(std::string("quorum-state leaderId or votedId out of range"));
  }
  state.epoch = static_cast<raft::Epoch>(epoch);
  if (leader >= 0) state.leader_id = static_cast<NodeId>(leader);
  if (voted >= 0) state.voted_id = static_cast<NodeId>(voted);
  return state;
}

}  // namespace kraftsim::node

// The `quorum-state` file of the metadata log directory (Kafka's FileQuorumStateStore): the
// epoch, the vote and the known leader, as Kafka's QuorumStateData JSON (data_version 0):
//   {"clusterId":"","leaderId":1,"leaderEpoch":5,"votedId":-1,"appliedOffset":0,
//    "currentVoters":[{"voterId":1},{"voterId":2},{"voterId":3}],"data_version":0}
// It must be durable before a vote is granted or an epoch acknowledged (KIP-595).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "broker/raft/types.h"

namespace kraftsim::node {

inline constexpr const char* metadata_log_dir = "__cluster_metadata-0";
inline constexpr const char* quorum_state_path = "__cluster_metadata-0/quorum-state";
inline constexpr const char* quorum_state_tmp_path = "__cluster_metadata-0/quorum-state.tmp";

std::string encode_quorum_state(const raft::QuorumStateRecord& state, const std::vector<NodeId>& voters);
// The error names what is wrong with the file (Kafka fails to start on an unreadable file).
Result<raft::QuorumStateRecord, std::string> decode_quorum_state(const std::string& text);

}  // namespace kraftsim::node

// Validation of QuorumConfig: user errors become messages that name the Kafka key at fault.
#include "broker/raft/config.h"

#include <algorithm>

namespace kraftsim::raft {

bool QuorumConfig::is_voter() const {
  return std::find(voter_ids.begin(), voter_ids.end(), node_id) != voter_ids.end();
}

std::optional<std::string> validate_config(const QuorumConfig& config) {
  if (config.node_id < 0) return "node.id must be >= 0, got " + std::to_string(config.node_id);
  if (config.voter_ids.empty()) return std::string("controller.quorum.voters must name at least one voter");
  if (config.voter_ids.size() > voters_max) {
    return "controller.quorum.voters has " + std::to_string(config.voter_ids.size()) +
           " voters; kraftsim supports at most " + std::to_string(voters_max);
  }
  if (!std::is_sorted(config.voter_ids.begin(), config.voter_ids.end()) ||
      std::adjacent_find(config.voter_ids.begin(), config.voter_ids.end()) != config.voter_ids.end()) {
    return std::string("controller.quorum.voters must be sorted and without duplicates");
  }
  if (config.voter_ids.front() < 0) return std::string("controller.quorum.voters ids must be >= 0");
  if (config.cluster_id.empty() || config.cluster_id.size() > cluster_id_bytes_max) {
    return std::string("cluster.id must be 1 to ") + std::to_string(cluster_id_bytes_max) + " characters";
  }
  if (config.election_timeout <= Duration()) return std::string("controller.quorum.election.timeout.ms must be > 0");
  if (config.fetch_timeout <= Duration()) return std::string("controller.quorum.fetch.timeout.ms must be > 0");
  if (config.request_timeout <= Duration()) return std::string("controller.quorum.request.timeout.ms must be > 0");
  if (config.election_backoff_max <= Duration()) {
    return std::string("controller.quorum.election.backoff.max.ms must be > 0");
  }
  if (config.retry_backoff < Duration()) return std::string("controller.quorum.retry.backoff.ms must be >= 0");
  if (config.fetch_max_wait < Duration() || config.fetch_max_wait >= config.request_timeout) {
    return std::string("the fetch max wait must be >= 0 and below controller.quorum.request.timeout.ms");
  }
  if (config.election_backoff_base <= Duration()) return std::string("the election backoff base must be > 0");
  if (config.fetch_entries_max == 0 || config.fetch_bytes_max == 0 || config.snapshot_chunk_bytes_max == 0 ||
      config.append_bytes_max == 0) {
    return std::string("fetch, snapshot chunk and append size limits must be > 0");
  }
  return std::nullopt;
}

}  // namespace kraftsim::raft

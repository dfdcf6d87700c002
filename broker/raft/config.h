// Configuration of one KRaft quorum member (Kafka's QuorumConfig / `controller.quorum.*`
// keys), the hard limits of the core, and the test-only mutation switches.
//
// Defaults are Kafka's; scenarios may shrink the timeouts to keep runs short. A bad config is a
// user error: validate_config() returns a message, the core then asserts it got a valid one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

// Limits on everything (TigerBeetle style): the core asserts them, validation reports them.
inline constexpr std::size_t voters_max = 16;            // controller.quorum.voters entries
inline constexpr std::size_t observers_tracked_max = 256;  // leader-side observer bookkeeping
inline constexpr std::size_t cluster_id_bytes_max = 64;
inline constexpr std::size_t snapshot_bytes_max = 64 * 1024 * 1024;

struct QuorumConfig {
  NodeId node_id = no_node;           // node.id
  std::vector<NodeId> voter_ids;      // controller.quorum.voters (ids only); a node not in it is an observer
  std::string cluster_id;             // cluster.id; requests with another id get INCONSISTENT_CLUSTER_ID

  // controller.quorum.election.timeout.ms: the real timeout is T + random[0, T).
  Duration election_timeout = milliseconds(1000);
  // controller.quorum.fetch.timeout.ms: a voter that has not heard from its leader this long
  // becomes Prospective; the leader resigns if a majority did not fetch within 1.5x this.
  Duration fetch_timeout = milliseconds(2000);
  // controller.quorum.election.backoff.max.ms: cap of the binary exponential election backoff.
  Duration election_backoff_max = milliseconds(1000);
  // controller.quorum.request.timeout.ms: an unanswered request is retried after this.
  Duration request_timeout = milliseconds(2000);
  // controller.quorum.retry.backoff.ms: the pause after an error response before retrying.
  Duration retry_backoff = milliseconds(20);
  // KafkaRaftClient.MAX_FETCH_WAIT_MS: how long the leader parks a Fetch that has nothing new.
  Duration fetch_max_wait = milliseconds(500);
  // KafkaRaftClient.RETRY_BACKOFF_BASE_MS: unit of the binary exponential election backoff.
  Duration election_backoff_base = milliseconds(100);

  // Fetch response limits: at most this many entries and (after the first entry) bytes.
  std::size_t fetch_entries_max = 512;
  std::size_t fetch_bytes_max = 8 * 1024 * 1024;  // KafkaRaftClient.MAX_FETCH_SIZE_BYTES
  // FetchSnapshot response chunk size.
  std::size_t snapshot_chunk_bytes_max = 1024 * 1024;
  // Largest payload append() accepts (KafkaRaftClient.MAX_BATCH_SIZE_BYTES).
  std::size_t append_bytes_max = 8 * 1024 * 1024;

  // --- Test-only mutation switches. Default off; NEVER set them outside tests. ---
  // They break one safety rule each, so that the invariant checkers (and the tests of the
  // checkers) can be shown to catch the resulting violations. While either is on, the core's
  // own assertions of the invariants these rules protect are relaxed (see QuorumCore::
  // invariant), so that the violation reaches the checker instead of aborting the run.
  //
  // Grant pre-votes and votes without comparing the candidate's log with ours (Raft 5.4.1,
  // KIP-595 "isLogUpToDate"): a candidate missing committed entries can win, so committed data
  // is lost and the high watermark goes backwards.
  bool test_only_grant_vote_without_log_check = false;
  // Let a new leader advance the high watermark before the first record of its own epoch (the
  // LeaderChange record at the epoch start offset) is committed (Raft 5.4.2; Kafka's
  // LeaderState only advances past epochStartOffset): the high watermark the leader publishes
  // can go below one already published, and entries of older epochs can be reported committed
  // and later overwritten (Raft paper, figure 8).
  bool test_only_advance_hw_without_own_epoch_commit = false;

  bool is_voter() const;
  bool any_test_only_mutation() const {
    return test_only_grant_vote_without_log_check || test_only_advance_hw_without_own_epoch_commit;
  }
  // Votes needed to win among the voters (a strict majority).
  std::size_t majority() const { return voter_ids.size() / 2 + 1; }
};

// Returns a message naming the bad setting, or nullopt when the config is usable.
std::optional<std::string> validate_config(const QuorumConfig& config);

}  // namespace kraftsim::raft

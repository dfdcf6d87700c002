// ConsumerCoordinator: a consumer's side of the classic group protocol (Kafka's
// ConsumerCoordinator + AbstractCoordinator and its heartbeat thread), for one subscribed topic.
//   FindCoordinator (to a bootstrap broker, rotating on failure) -> JoinGroup -> the leader runs
//   the assignor (broker/client/assignor.h) on the members' subscriptions -> SyncGroup ->
//   OffsetFetch for the assigned partitions -> heartbeats every heartbeat.interval.ms.
// The consumer's poll loop calls poll(): that is where a rebalance the heartbeat learned about
// (REBALANCE_IN_PROGRESS) is acted on, and where auto-commit runs every auto.commit.interval.ms.
// Before rejoining, the consumer commits its processed positions when auto-commit is on and,
// with an eager assignor, revokes every partition (onJoinPrepare / onPartitionsRevoked); with
// cooperative-sticky (KIP-429) it keeps consuming and revokes only what the new assignment moves
// away, then rejoins once more. After
// UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION the partitions are lost without a commit
// (onPartitionsLost). NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a broken connection send it
// back to FindCoordinator. A poll loop silent for max.poll.interval.ms leaves the group
// (LeaveGroup), as the heartbeat thread does.
//
// Trace: group-joined {group, member, generation, partitions, topic_partitions}, group-revoked
// {group, member, generation, partitions, lost}, consumer-commit-failed {group, error},
// consumer-poll-timeout {group, member}, consumer-request-timeout {group, correlation}.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/client/assignor.h"
#include "broker/env/env.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

// Group requests one consumer has in flight at once (a handful in practice).
inline constexpr std::size_t group_requests_in_flight_max = 1024;

struct GroupConfig {
  std::string group_id;
  std::string client_id;
  AssignmentStrategy strategy = AssignmentStrategy::range;  // partition.assignment.strategy
  Duration session_timeout = milliseconds(45000);           // session.timeout.ms (KIP-735)
  Duration heartbeat_interval = milliseconds(3000);         // heartbeat.interval.ms
  Duration max_poll_interval = milliseconds(300000);        // max.poll.interval.ms
  bool enable_auto_commit = true;                           // enable.auto.commit
  Duration auto_commit_interval = milliseconds(5000);       // auto.commit.interval.ms
  Duration retry_backoff = milliseconds(100);               // retry.backoff.ms
  Duration request_timeout = milliseconds(30000);           // request.timeout.ms
  // Test-only: on a rebalance keep consuming the partitions owned before (no revocation), so two
  // members own a partition in one generation and group-single-owner must say so.
  bool test_only_ignore_revocation = false;
};

class ConsumerCoordinator {
 public:
  struct Hooks {
    std::function<std::int32_t()> partition_count;  // of the subscribed topic; 0 while unknown
    // The partitions now owned, with their committed offsets (nullopt: none, use auto.offset.reset).
    std::function<void(const std::map<std::int32_t, std::optional<std::int64_t>>& owned)> on_assigned;
    // Stop fetching these partitions and drop what is buffered (onPartitionsRevoked / Lost).
    std::function<void(const std::vector<std::int32_t>& partitions)> on_revoked;
    // The positions to commit: the next offset after the last processed record, per partition.
    std::function<std::map<std::int32_t, std::int64_t>()> committable;
  };

  ConsumerCoordinator(env::Env& env, std::vector<NodeId> bootstrap_servers, std::string topic, GroupConfig config,
                      std::uint64_t& next_correlation, Hooks hooks);

  void start();
  // The application's poll(): act on a pending rebalance and run auto-commit when due.
  void poll();
  // Commits these offsets now (commitAsync).
  void commit(const std::map<std::int32_t, std::int64_t>& offsets);
  // close(): commit (auto-commit) and LeaveGroup.
  void close();
  // True when the message was a group response (handled).
  bool on_response(NodeId from, const protocol::KafkaRpc& rpc);
  void on_connection_lost(NodeId peer);

  bool stable() const { return phase_ == Phase::stable && !rejoin_needed_; }
  // Whether poll may return records of the owned partitions: when stable, and for a cooperative
  // member also during a rebalance (KIP-429) while its generation is valid.
  bool may_consume() const { return stable() || (is_cooperative(config_.strategy) && generation_ >= 0); }
  std::int32_t generation() const { return generation_; }
  const std::string& member_id() const { return member_id_; }
  const std::vector<std::int32_t>& owned() const { return owned_; }

 private:
  enum class Phase { unjoined, joining, syncing, stable };
  enum class RequestKind { find_coordinator, join, sync, heartbeat, commit, offset_fetch, leave };

  void find_coordinator();
  void coordinator_unknown();
  void ensure_active_group();
  void send_join();
  void send_sync(const protocol::JoinGroupResponse& response);
  void send_offset_fetch();
  void schedule_heartbeat(Duration after);
  void on_heartbeat_timer();
  // onJoinPrepare: commits (auto-commit) and, eager, gives up the owned partitions: revoked or
  // lost (no commit: the generation is gone).
  void revoke(bool lost);
  void revoke_partitions(const std::vector<std::int32_t>& revoked, bool lost);
  void reset_generation(bool forget_member);
  std::uint64_t send(RequestKind kind, NodeId to, protocol::KafkaRpc::Body body);
  void on_request_timeout(std::uint64_t correlation_id);
  bool coordinator_error(replication::ErrorCode error);

  void on_find_coordinator_response(const protocol::FindCoordinatorResponse& r);
  void on_join_response(const protocol::JoinGroupResponse& r);
  void on_sync_response(const protocol::SyncGroupResponse& r);
  void on_heartbeat_response(const protocol::HeartbeatResponse& r);
  void record_commit_outcome(std::uint64_t correlation_id, std::string_view type, std::string_view error);
  void on_commit_response(std::uint64_t correlation_id, const protocol::OffsetCommitResponse& r);
  void on_offset_fetch_response(const protocol::OffsetFetchResponse& r);

  env::Env& env_;
  std::vector<NodeId> bootstrap_servers_;
  std::string topic_;
  GroupConfig config_;
  std::uint64_t& next_correlation_;
  Hooks hooks_;

  NodeId coordinator_ = no_node;
  std::size_t bootstrap_index_ = 0;
  Phase phase_ = Phase::unjoined;
  bool rejoin_needed_ = true;
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::vector<std::int32_t> owned_;
  std::vector<std::int32_t> assigned_;  // the last SyncGroup's assignment
  std::optional<protocol::JoinGroupResponse> pending_sync_;  // the leader waits for metadata
  bool join_after_commit_ = false;  // onJoinPrepare's commit is in flight
  std::uint64_t join_commit_ = 0;   // its correlation id
  bool join_prepared_ = false;      // onJoinPrepare ran for the next JoinGroup
  bool offsets_pending_ = false;    // OffsetFetch for the new assignment not answered yet
  std::map<std::uint64_t, std::pair<RequestKind, NodeId>> in_flight_;
  bool finding_ = false;
  env::TimerId heartbeat_timer_;
  Time heartbeat_sent_;
  bool heartbeat_in_flight_ = false;
  Time last_poll_;
  Time next_auto_commit_;
  bool closed_ = false;
};

}  // namespace kraftsim::client

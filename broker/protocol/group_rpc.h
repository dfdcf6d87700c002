// The consumer-group APIs a broker serves as a group coordinator, as plain structs with Kafka's
// field names (clients/src/main/resources/common/message/*Request.json): FindCoordinator (api
// key 10), JoinGroup (11), Heartbeat (12), LeaveGroup (13), SyncGroup (14), OffsetCommit (8) and
// OffsetFetch (9). This is Kafka's "classic" group protocol (the consumer computes the
// assignment, KIP-848's server-side assignment is not modelled).
//
// Kafka carries the consumer's subscription and assignment as opaque bytes
// (ConsumerProtocolSubscription / ConsumerProtocolAssignment); kraftsim keeps them as the typed
// lists those bytes encode. Kafka batches many groups or partitions per request; the lists here
// keep that shape where the coordinator needs it (OffsetCommit, OffsetFetch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/replication/errors.h"
#include "broker/replication/types.h"

namespace kraftsim::protocol {

// ---------------------------------------------------------------- FindCoordinator (10)

struct FindCoordinatorRequest {
  static constexpr const char* name = "FindCoordinator";
  std::string key;           // the group id
  std::int8_t key_type = 0;  // 0: a group (1 would be a transactional id)
};

struct FindCoordinatorResponse {
  static constexpr const char* name = "FindCoordinatorResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;  // COORDINATOR_NOT_AVAILABLE
  NodeId node_id = no_node;
};

// ---------------------------------------------------------------- JoinGroup (11)

// A member's subscription (ConsumerProtocolSubscription): the topics it wants, and the
// partitions it owned before this rebalance (used by sticky assignors; kept for the trace).
struct Subscription {
  std::vector<std::string> topics;
  std::vector<replication::TopicPartition> owned_partitions;
  bool operator==(const Subscription&) const = default;
};

struct JoinGroupRequest {
  static constexpr const char* name = "JoinGroup";
  std::string group_id;
  std::string client_id;                       // the request header's client.id (names new members)
  std::int32_t session_timeout_ms = 45000;     // session.timeout.ms (KIP-735 default)
  std::int32_t rebalance_timeout_ms = 300000;  // max.poll.interval.ms
  std::string member_id;                       // "" on the first join: the coordinator names it
  std::string protocol_type = "consumer";
  struct Protocol {
    std::string name;  // the assignor: "range", "roundrobin"
    Subscription metadata;
  };
  std::vector<Protocol> protocols;  // in the member's order of preference
};

struct JoinGroupResponse {
  static constexpr const char* name = "JoinGroupResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;
  std::int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  struct Member {
    std::string member_id;
    Subscription metadata;
  };
  std::vector<Member> members;  // only for the leader, which computes the assignment
};

// ---------------------------------------------------------------- SyncGroup (14)

struct SyncGroupRequest {
  static constexpr const char* name = "SyncGroup";
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
  struct Assignment {
    std::string member_id;
    std::vector<replication::TopicPartition> partitions;
  };
  std::vector<Assignment> assignments;  // from the leader only
};

struct SyncGroupResponse {
  static constexpr const char* name = "SyncGroupResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;
  std::vector<replication::TopicPartition> assignment;
};

// ---------------------------------------------------------------- Heartbeat (12)

struct HeartbeatRequest {
  static constexpr const char* name = "Heartbeat";
  std::string group_id;
  std::int32_t generation_id = -1;
  std::string member_id;
};

struct HeartbeatResponse {
  static constexpr const char* name = "HeartbeatResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;
};

// ---------------------------------------------------------------- LeaveGroup (13)

struct LeaveGroupRequest {
  static constexpr const char* name = "LeaveGroup";
  std::string group_id;
  std::string member_id;
};

struct LeaveGroupResponse {
  static constexpr const char* name = "LeaveGroupResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;
};

// ---------------------------------------------------------------- OffsetCommit (8)

struct OffsetCommitRequest {
  static constexpr const char* name = "OffsetCommit";
  std::string group_id;
  std::int32_t generation_id = -1;  // -1 with member "": a commit outside the group protocol
  std::string member_id;
  struct Partition {
    replication::TopicPartition topic_partition;
    std::int64_t committed_offset = -1;
    std::int32_t committed_leader_epoch = -1;  // KIP-320
    std::string committed_metadata;
  };
  std::vector<Partition> partitions;
};

struct OffsetCommitResponse {
  static constexpr const char* name = "OffsetCommitResponse";
  struct Partition {
    replication::TopicPartition topic_partition;
    replication::ErrorCode error_code = replication::ErrorCode::none;
  };
  std::vector<Partition> partitions;
};

// ---------------------------------------------------------------- OffsetFetch (9)

struct OffsetFetchRequest {
  static constexpr const char* name = "OffsetFetch";
  std::string group_id;
  std::vector<replication::TopicPartition> partitions;
};

struct OffsetFetchResponse {
  static constexpr const char* name = "OffsetFetchResponse";
  replication::ErrorCode error_code = replication::ErrorCode::none;  // group level
  struct Partition {
    replication::TopicPartition topic_partition;
    std::int64_t committed_offset = -1;  // -1: no committed offset
    std::int32_t committed_leader_epoch = -1;
    std::string metadata;
    replication::ErrorCode error_code = replication::ErrorCode::none;
  };
  std::vector<Partition> partitions;
};

}  // namespace kraftsim::protocol

// The client- and replica-facing Kafka APIs a broker serves, as plain structs: Metadata (api key
// 3), Produce (0), Fetch (1, from a follower or a consumer), ListOffsets (2),
// OffsetsForLeaderEpoch (23), InitProducerId (22), and the group coordinator's APIs (group_rpc.h).
//
// Kafka batches many partitions into one request; kraftsim sends one partition per request
// (a follower runs one fetch loop per partition, see broker/node/replica_manager.h). The fields
// are Kafka's; the per-partition parts reuse broker/replication's structs, which carry exactly
// what the replication logic reads. wire_size_bytes() follows Kafka's schemas closely enough for
// bandwidth to matter: headers plus the record bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/env/node_id.h"
#include "broker/protocol/group_rpc.h"
#include "broker/replication/errors.h"
#include "broker/replication/messages.h"
#include "trace/event.h"

namespace kraftsim::protocol {

using replication::ErrorCode;
using replication::TopicPartition;

// ---------------------------------------------------------------- Metadata (3)
// What clients ask a broker to learn partition leaders (answered from its metadata image).

struct MetadataRequest {
  static constexpr const char* name = "Metadata";
  std::vector<std::string> topics;  // empty: every topic
};

struct MetadataResponse {
  static constexpr const char* name = "MetadataResponse";
  struct Partition {
    std::int32_t partition_index = 0;
    ErrorCode error_code = ErrorCode::none;  // LEADER_NOT_AVAILABLE is signalled by leader_id = -1
    NodeId leader_id = no_node;
    std::int32_t leader_epoch = -1;
    std::vector<NodeId> replica_nodes;
    std::vector<NodeId> isr_nodes;
  };
  struct Topic {
    std::string name;
    ErrorCode error_code = ErrorCode::none;  // UNKNOWN_TOPIC_OR_PARTITION
    std::vector<Partition> partitions;
  };
  std::vector<NodeId> brokers;  // unfenced brokers, ascending
  std::vector<Topic> topics;
};

// ---------------------------------------------------------------- Produce (0)

struct ProduceRequest {
  static constexpr const char* name = "Produce";
  TopicPartition topic_partition;
  replication::ProduceRequest request;  // request_id is the broker's; clients leave it 0
};

struct ProduceResponse {
  static constexpr const char* name = "ProduceResponse";
  TopicPartition topic_partition;
  ErrorCode error_code = ErrorCode::none;
  std::int64_t base_offset = -1;
};

// ---------------------------------------------------------------- Fetch (1)
// replica_id >= 0: a follower (served by the replication core, may wait up to max_wait);
// replica_id == -1: a consumer, answered at once with batches below the high watermark.

struct FetchRequest {
  static constexpr const char* name = "Fetch";
  TopicPartition topic_partition;
  replication::FetchRequest request;
  std::int32_t max_bytes = 1024 * 1024;  // replica.fetch.max.bytes / max.partition.fetch.bytes
  // A consumer's fetch.min.bytes: the broker holds the fetch until this many bytes are readable
  // or max_wait passes (Kafka's DelayedFetch). Followers use 1.
  std::int32_t min_bytes = 1;
};

struct FetchResponse {
  static constexpr const char* name = "FetchResponse";
  TopicPartition topic_partition;
  replication::FetchResponse response;
};

// ---------------------------------------------------------------- ListOffsets (2)
// Where a consumer without a position starts (auto.offset.reset): the earliest offset (the log
// start) or the latest a read_uncommitted consumer may read up to (the high watermark).

inline constexpr std::int64_t list_offsets_latest = -1;    // ListOffsetsRequest.LATEST_TIMESTAMP
inline constexpr std::int64_t list_offsets_earliest = -2;  // ListOffsetsRequest.EARLIEST_TIMESTAMP

struct ListOffsetsRequest {
  static constexpr const char* name = "ListOffsets";
  TopicPartition topic_partition;
  std::int64_t timestamp = list_offsets_latest;
  std::optional<std::int32_t> current_leader_epoch;  // KIP-320
};

struct ListOffsetsResponse {
  static constexpr const char* name = "ListOffsetsResponse";
  TopicPartition topic_partition;
  ErrorCode error_code = ErrorCode::none;
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
};

// ---------------------------------------------------------------- OffsetsForLeaderEpoch (23)

struct OffsetsForLeaderEpochRequest {
  static constexpr const char* name = "OffsetsForLeaderEpoch";
  TopicPartition topic_partition;
  replication::OffsetsForLeaderEpochRequest request;
};

struct OffsetsForLeaderEpochResponse {
  static constexpr const char* name = "OffsetsForLeaderEpochResponse";
  TopicPartition topic_partition;
  replication::OffsetsForLeaderEpochResponse response;
};

// ---------------------------------------------------------------- InitProducerId (22)
// An idempotent producer's first request (KIP-98), to any broker: without a transactional id
// the broker hands out a fresh producer id from its block (KIP-730) with epoch 0.

struct InitProducerIdRequest {
  static constexpr const char* name = "InitProducerId";
  std::optional<std::string> transactional_id;  // null: an idempotent producer
  std::int32_t transaction_timeout_ms = 60000;
  std::int64_t producer_id = -1;  // KIP-360: the current id and epoch when bumping
  std::int16_t producer_epoch = -1;
};

struct InitProducerIdResponse {
  static constexpr const char* name = "InitProducerIdResponse";
  ErrorCode error_code = ErrorCode::none;  // COORDINATOR_LOAD_IN_PROGRESS while no id block
  std::int64_t producer_id = -1;
  std::int16_t producer_epoch = -1;
};

// A broker API request or response; correlation_id pairs them (Kafka's request header).
struct KafkaRpc {
  using Body = std::variant<MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, FetchRequest,
                            FetchResponse, ListOffsetsRequest, ListOffsetsResponse, OffsetsForLeaderEpochRequest,
                            OffsetsForLeaderEpochResponse, InitProducerIdRequest, InitProducerIdResponse,
                            FindCoordinatorRequest, FindCoordinatorResponse,
                            JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse,
                            HeartbeatRequest, HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse,
                            OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse>;
  std::uint64_t correlation_id = 0;
  Body body;

  std::string_view rpc_name() const;
  // A request (to a broker's listener), not a response (on the requester's own connection).
  bool is_request() const { return !rpc_name().ends_with("Response"); }
  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

}  // namespace kraftsim::protocol

// The RPCs the active controller serves, as plain structs with Kafka's field names
// (clients/src/main/resources/common/message/*Request.json / *Response.json):
//   BrokerRegistration (api key 62), BrokerHeartbeat (63), CreateTopics (19), AlterPartition (56),
//   AllocateProducerIds (67).
//
// Like every message type (broker/protocol/message.h) each has `name`, `wire_size_bytes()` (the
// size Kafka's flexible-version encoding of the version named below would take, header
// included, so bandwidth shows its effect) and `describe()` (the fields worth tracing). Only the
// fields kraftsim uses are modelled; fields Kafka has and we do not model are counted in the
// size with their empty/default encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "broker/controller/errors.h"
#include "broker/metadata/records.h"
#include "trace/event.h"

namespace kraftsim::controller {

using metadata::BrokerId;
using metadata::LeaderRecoveryState;
using metadata::Uuid;

// The caller's handle for a request: the controller hands it back with the response.
using ReplyToken = std::uint64_t;

// ---------------------------------------------------------------- BrokerRegistration (v4)

struct BrokerRegistrationRequest {
  static constexpr const char* name = "BrokerRegistration";
  static constexpr std::int16_t api_key = 62;
  struct Listener {
    std::string name;  // e.g. "PLAINTEXT"
    std::string host;
    std::uint16_t port = 0;
    std::int16_t security_protocol = 0;
    bool operator==(const Listener&) const = default;
  };
  BrokerId broker_id = -1;
  std::string cluster_id;
  Uuid incarnation_id{};  // new for every start of the broker process
  std::vector<Listener> listeners;
  std::vector<metadata::BrokerFeature> features;
  std::optional<std::string> rack;
  std::int64_t previous_broker_epoch = -1;  // v3+, KIP-966 unclean-shutdown detection (unused)

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

struct BrokerRegistrationResponse {
  static constexpr const char* name = "BrokerRegistrationResponse";
  ErrorCode error_code = ErrorCode::none;
  std::int64_t broker_epoch = -1;  // the offset of the broker's RegisterBrokerRecord

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

// ---------------------------------------------------------------- BrokerHeartbeat (v1)
// Brokers send one every broker.heartbeat.interval.ms (default 2000); the active controller
// fences a broker whose last heartbeat is older than broker.session.timeout.ms (default 9000).

struct BrokerHeartbeatRequest {
  static constexpr const char* name = "BrokerHeartbeat";
  static constexpr std::int16_t api_key = 63;
  BrokerId broker_id = -1;
  std::int64_t broker_epoch = -1;
  // The offset of the last metadata record the broker has applied. A fenced broker is unfenced
  // once this reaches the offset of its RegisterBrokerRecord (its broker epoch).
  std::int64_t current_metadata_offset = -1;
  bool want_fence = false;
  bool want_shut_down = false;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

struct BrokerHeartbeatResponse {
  static constexpr const char* name = "BrokerHeartbeatResponse";
  ErrorCode error_code = ErrorCode::none;
  bool is_caught_up = false;
  bool is_fenced = true;
  bool should_shut_down = false;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

// ---------------------------------------------------------------- CreateTopics (v7)

struct CreateTopicsRequest {
  static constexpr const char* name = "CreateTopics";
  static constexpr std::int16_t api_key = 19;
  struct CreatableTopicConfig {
    std::string name;
    std::optional<std::string> value;
    bool operator==(const CreatableTopicConfig&) const = default;
  };
  struct CreatableTopic {
    std::string name;
    std::int32_t num_partitions = -1;      // -1: the controller's num.partitions
    std::int16_t replication_factor = -1;  // -1: the controller's default.replication.factor
    std::vector<CreatableTopicConfig> configs;
    bool operator==(const CreatableTopic&) const = default;
  };
  std::vector<CreatableTopic> topics;
  std::int32_t timeout_ms = 60000;
  bool validate_only = false;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

struct CreateTopicsResponse {
  static constexpr const char* name = "CreateTopicsResponse";
  struct CreatableTopicResult {
    std::string name;
    Uuid topic_id{};
    ErrorCode error_code = ErrorCode::none;
    std::optional<std::string> error_message;
    std::int32_t num_partitions = -1;
    std::int16_t replication_factor = -1;
    bool operator==(const CreatableTopicResult&) const = default;
  };
  std::vector<CreatableTopicResult> topics;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

// ---------------------------------------------------------------- AlterPartition (v3)
// Sent by a partition leader to change the ISR (KIP-497, KIP-903 broker epochs in the ISR).

struct AlterPartitionRequest {
  static constexpr const char* name = "AlterPartition";
  static constexpr std::int16_t api_key = 56;
  struct BrokerState {
    BrokerId broker_id = -1;
    std::int64_t broker_epoch = -1;  // -1: do not check the member's broker epoch
    bool operator==(const BrokerState&) const = default;
  };
  struct PartitionData {
    std::int32_t partition_index = -1;
    std::int32_t leader_epoch = -1;
    std::vector<BrokerState> new_isr_with_epochs;
    LeaderRecoveryState leader_recovery_state = LeaderRecoveryState::recovered;
    std::int32_t partition_epoch = -1;
    bool operator==(const PartitionData&) const = default;
  };
  struct TopicData {
    Uuid topic_id{};
    std::vector<PartitionData> partitions;
    bool operator==(const TopicData&) const = default;
  };
  BrokerId broker_id = -1;
  std::int64_t broker_epoch = -1;
  std::vector<TopicData> topics;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

struct AlterPartitionResponse {
  static constexpr const char* name = "AlterPartitionResponse";
  struct PartitionData {
    std::int32_t partition_index = -1;
    ErrorCode error_code = ErrorCode::none;
    BrokerId leader_id = -1;
    std::int32_t leader_epoch = -1;
    std::vector<BrokerId> isr;
    LeaderRecoveryState leader_recovery_state = LeaderRecoveryState::recovered;
    std::int32_t partition_epoch = -1;
    bool operator==(const PartitionData&) const = default;
  };
  struct TopicData {
    Uuid topic_id{};
    std::vector<PartitionData> partitions;
    bool operator==(const TopicData&) const = default;
  };
  ErrorCode error_code = ErrorCode::none;  // top level: NOT_CONTROLLER, STALE_BROKER_EPOCH, ...
  std::vector<TopicData> topics;

  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

// ---------------------------------------------------------------- AllocateProducerIds (v0)
// KIP-730: a broker asks the active controller for a block of producer ids to hand out in
// InitProducerId answers; the controller commits a ProducerIdsRecord first.
inline constexpr std::int32_t producer_id_block_size = 1000;  // ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE

struct AllocateProducerIdsRequest {
  static constexpr const char* name = "AllocateProducerIds";
  static constexpr std::int16_t api_key = 67;
  BrokerId broker_id = -1;
  std::int64_t broker_epoch = -1;
  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

struct AllocateProducerIdsResponse {
  static constexpr const char* name = "AllocateProducerIdsResponse";
  ErrorCode error_code = ErrorCode::none;
  std::int64_t producer_id_start = -1;
  std::int32_t producer_id_len = 0;
  std::int64_t wire_size_bytes() const;
  void describe(trace::Fields& out) const;
};

using ControllerRequest = std::variant<BrokerRegistrationRequest, BrokerHeartbeatRequest, CreateTopicsRequest,
                                       AlterPartitionRequest, AllocateProducerIdsRequest>;
using ControllerResponse =
    std::variant<BrokerRegistrationResponse, BrokerHeartbeatResponse, CreateTopicsResponse, AlterPartitionResponse,
                 AllocateProducerIdsResponse>;

// The answer to a request refused as a whole (NOT_CONTROLLER from a node that is not the active
// controller, REQUEST_TIMED_OUT from an overloaded one): the request's own response type with
// the error, and for CreateTopics one failed result per topic, as Kafka answers.
ControllerResponse error_response(const ControllerRequest& request, ErrorCode error);

}  // namespace kraftsim::controller

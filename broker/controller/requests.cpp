// Wire sizes and trace fields of the controller RPCs (requests.h). Sizes follow the
// flexible-version layouts of Kafka's message schemas, field by field, plus the request header
// v2 / response header v1 and the 4-byte size prefix every Kafka frame carries.
#include "broker/controller/requests.h"

#include <cstddef>

#include "broker/metadata/wire.h"

namespace kraftsim::controller {

namespace {

using metadata::compact_array_header_size;
using metadata::compact_nullable_string_size;
using metadata::compact_string_size;
using metadata::empty_tagged_fields_size;

// Size prefix (4), RequestHeader v2: api key (2), api version (2), correlation id (4), client id
// as a nullable INT16-length string (2 + its bytes; kraftsim sends an empty one), tags (1).
constexpr std::size_t request_header_bytes = 4 + 2 + 2 + 4 + 2 + 1;
// Size prefix (4), ResponseHeader v1: correlation id (4), tags (1).
constexpr std::size_t response_header_bytes = 4 + 4 + 1;
constexpr std::size_t uuid_bytes = 16;

std::int64_t as_size(std::size_t bytes) { return static_cast<std::int64_t>(bytes); }

}  // namespace

// ---------------------------------------------------------------- BrokerRegistration

std::int64_t BrokerRegistrationRequest::wire_size_bytes() const {
  std::size_t bytes = request_header_bytes + 4 + compact_string_size(cluster_id) + uuid_bytes;
  bytes += compact_array_header_size(listeners.size());
  for (const auto& l : listeners) {
    bytes += compact_string_size(l.name) + compact_string_size(l.host) + 2 + 2 + empty_tagged_fields_size;
  }
  bytes += compact_array_header_size(features.size());
  for (const auto& f : features) bytes += compact_string_size(f.name) + 2 + 2 + empty_tagged_fields_size;
  bytes += compact_nullable_string_size(rack);
  bytes += 1;                              // IsMigratingZkBroker
  bytes += compact_array_header_size(0);  // LogDirs: none
  bytes += 8;                              // PreviousBrokerEpoch
  bytes += empty_tagged_fields_size;
  return as_size(bytes);
}

void BrokerRegistrationRequest::describe(trace::Fields& out) const {
  out.add("broker_id", broker_id);
  out.add("cluster_id", cluster_id);
  out.add("incarnation_id", uuid_to_string(incarnation_id));
}

std::int64_t BrokerRegistrationResponse::wire_size_bytes() const {
  return as_size(response_header_bytes + 4 + 2 + 8 + empty_tagged_fields_size);
}

void BrokerRegistrationResponse::describe(trace::Fields& out) const {
  out.add("error", to_string(error_code));
  out.add("broker_epoch", broker_epoch);
}

// ---------------------------------------------------------------- BrokerHeartbeat

std::int64_t BrokerHeartbeatRequest::wire_size_bytes() const {
  return as_size(request_header_bytes + 4 + 8 + 8 + 1 + 1 + empty_tagged_fields_size);
}

void BrokerHeartbeatRequest::describe(trace::Fields& out) const {
  out.add("broker_id", broker_id);
  out.add("broker_epoch", broker_epoch);
  out.add("current_metadata_offset", current_metadata_offset);
  if (want_fence) out.add("want_fence", true);
  if (want_shut_down) out.add("want_shut_down", true);
}

std::int64_t BrokerHeartbeatResponse::wire_size_bytes() const {
  return as_size(response_header_bytes + 4 + 2 + 1 + 1 + 1 + empty_tagged_fields_size);
}

void BrokerHeartbeatResponse::describe(trace::Fields& out) const {
  out.add("error", to_string(error_code));
  out.add("is_caught_up", is_caught_up);
  out.add("is_fenced", is_fenced);
  if (should_shut_down) out.add("should_shut_down", true);
}

// ---------------------------------------------------------------- CreateTopics

std::int64_t CreateTopicsRequest::wire_size_bytes() const {
  std::size_t bytes = request_header_bytes + compact_array_header_size(topics.size());
  for (const auto& t : topics) {
    bytes += compact_string_size(t.name) + 4 + 2;
    bytes += compact_array_header_size(0);  // Assignments: none (the controller places replicas)
    bytes += compact_array_header_size(t.configs.size());
    for (const auto& c : t.configs) {
      bytes += compact_string_size(c.name) + compact_nullable_string_size(c.value) + empty_tagged_fields_size;
    }
    bytes += empty_tagged_fields_size;
  }
  bytes += 4 + 1 + empty_tagged_fields_size;  // TimeoutMs, ValidateOnly, tags
  return as_size(bytes);
}

void CreateTopicsRequest::describe(trace::Fields& out) const {
  out.add("topics", static_cast<std::int64_t>(topics.size()));
  if (!topics.empty()) out.add("first_topic", topics.front().name);
  if (validate_only) out.add("validate_only", true);
}

std::int64_t CreateTopicsResponse::wire_size_bytes() const {
  std::size_t bytes = response_header_bytes + 4 + compact_array_header_size(topics.size());
  for (const auto& t : topics) {
    bytes += compact_string_size(t.name) + uuid_bytes + 2 + compact_nullable_string_size(t.error_message);
    bytes += 4 + 2;  // NumPartitions, ReplicationFactor
    bytes += 1;      // Configs: null
    bytes += empty_tagged_fields_size;
  }
  bytes += empty_tagged_fields_size;
  return as_size(bytes);
}

void CreateTopicsResponse::describe(trace::Fields& out) const {
  out.add("topics", static_cast<std::int64_t>(topics.size()));
  for (const auto& t : topics) {
    if (t.error_code != ErrorCode::none) {
      out.add("first_error", to_string(t.error_code));
      out.add("first_error_topic", t.name);
      break;
    }
  }
}

// ---------------------------------------------------------------- AlterPartition

std::int64_t AlterPartitionRequest::wire_size_bytes() const {
  std::size_t bytes = request_header_bytes + 4 + 8 + compact_array_header_size(topics.size());
  for (const auto& t : topics) {
    bytes += uuid_bytes + compact_array_header_size(t.partitions.size());
    for (const auto& p : t.partitions) {
      bytes += 4 + 4;  // PartitionIndex, LeaderEpoch
      bytes += compact_array_header_size(p.new_isr_with_epochs.size());
      bytes += p.new_isr_with_epochs.size() * (4 + 8 + empty_tagged_fields_size);
      bytes += 1 + 4 + empty_tagged_fields_size;  // LeaderRecoveryState, PartitionEpoch, tags
    }
    bytes += empty_tagged_fields_size;
  }
  bytes += empty_tagged_fields_size;
  return as_size(bytes);
}

void AlterPartitionRequest::describe(trace::Fields& out) const {
  out.add("broker_id", broker_id);
  out.add("broker_epoch", broker_epoch);
  if (topics.size() == 1 && topics.front().partitions.size() == 1) {
    const auto& p = topics.front().partitions.front();
    out.add("topic_id", uuid_to_string(topics.front().topic_id));
    out.add("partition", p.partition_index);
    out.add("leader_epoch", p.leader_epoch);
    out.add("partition_epoch", p.partition_epoch);
    out.add("new_isr_size", static_cast<std::int64_t>(p.new_isr_with_epochs.size()));
  }
}

std::int64_t AlterPartitionResponse::wire_size_bytes() const {
  std::size_t bytes = response_header_bytes + 4 + 2 + compact_array_header_size(topics.size());
  for (const auto& t : topics) {
    bytes += uuid_bytes + compact_array_header_size(t.partitions.size());
    for (const auto& p : t.partitions) {
      bytes += 4 + 2 + 4 + 4;  // PartitionIndex, ErrorCode, LeaderId, LeaderEpoch
      bytes += compact_array_header_size(p.isr.size()) + 4 * p.isr.size();
      bytes += 1 + 4 + empty_tagged_fields_size;  // LeaderRecoveryState, PartitionEpoch, tags
    }
    bytes += empty_tagged_fields_size;
  }
  bytes += empty_tagged_fields_size;
  return as_size(bytes);
}

void AlterPartitionResponse::describe(trace::Fields& out) const {
  out.add("error", to_string(error_code));
  if (topics.size() == 1 && topics.front().partitions.size() == 1) {
    const auto& p = topics.front().partitions.front();
    out.add("partition_error", to_string(p.error_code));
    out.add("leader_epoch", p.leader_epoch);
    out.add("partition_epoch", p.partition_epoch);
  }
}

std::int64_t AllocateProducerIdsRequest::wire_size_bytes() const {
  return as_size(request_header_bytes + 4 + 8 + empty_tagged_fields_size);
}

void AllocateProducerIdsRequest::describe(trace::Fields& out) const {
  out.add("broker_id", broker_id);
  out.add("broker_epoch", broker_epoch);
}

std::int64_t AllocateProducerIdsResponse::wire_size_bytes() const {
  return as_size(response_header_bytes + 4 + 2 + 8 + 4 + empty_tagged_fields_size);
}

void AllocateProducerIdsResponse::describe(trace::Fields& out) const {
  out.add("error", to_string(error_code));
  out.add("producer_id_start", producer_id_start);
  out.add("producer_id_len", producer_id_len);
}

ControllerResponse error_response(const ControllerRequest& request, ErrorCode error) {
  return std::visit(
      [error](const auto& r) -> ControllerResponse {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, BrokerRegistrationRequest>) {
          BrokerRegistrationResponse response;
          response.error_code = error;
          return response;
        } else if constexpr (std::is_same_v<R, BrokerHeartbeatRequest>) {
          BrokerHeartbeatResponse response;
          response.error_code = error;
          return response;
        } else if constexpr (std::is_same_v<R, CreateTopicsRequest>) {
          CreateTopicsResponse response;
          for (const auto& t : r.topics) {
            CreateTopicsResponse::CreatableTopicResult result;
            result.name = t.name;
            result.error_code = error;
            response.topics.push_back(std::move(result));
          }
          return response;
        } else if constexpr (std::is_same_v<R, AllocateProducerIdsRequest>) {
          AllocateProducerIdsResponse response;
          response.error_code = error;
          return response;
        } else {
          AlterPartitionResponse response;
          response.error_code = error;
          return response;
        }
      },
      request);
}

}  // namespace kraftsim::controller

// Error names, api names and wire-size estimates of the KRaft RPCs (messages.h).
//
// Sizes follow Kafka's flexible-version encodings (compact strings and arrays, tagged fields)
// of VoteRequest v2, BeginQuorumEpochRequest v1, EndQuorumEpochRequest v1, FetchRequest v17,
// FetchSnapshotRequest v1, DescribeQuorumRequest v2 and their responses, for the single
// partition __cluster_metadata-0. Fields kraftsim does not model (directory ids, endpoints,
// session ids, ...) are counted at their usual size so that the estimate stays honest.
#include "broker/raft/messages.h"

#include <type_traits>

#include "base/assert.h"
#include "broker/log/varint.h"

namespace kraftsim::raft {
namespace {

// Request header v2: api key 2, api version 2, correlation id 4, client id (int16 length +
// ~16 chars), tagged fields 1.
constexpr std::size_t request_header_bytes = 2 + 2 + 4 + (2 + 16) + 1;
// Response header v1: correlation id 4, tagged fields 1.
constexpr std::size_t response_header_bytes = 4 + 1;
// Topics array (1) + name "__cluster_metadata" (1 + 18) + partitions array (1) + partition
// index (4) + tagged fields of partition and topic (2).
constexpr std::size_t topic_partition_by_name_bytes = 1 + (1 + 18) + 1 + 4 + 2;
// The same framing with a topic id (16 bytes) instead of a name (Fetch v13+).
constexpr std::size_t topic_partition_by_id_bytes = 1 + 16 + 1 + 4 + 2;
// One leader endpoint (KIP-853 NodeEndpoints): node id 4, listener name ~11, host ~16, port 2,
// tagged 1, plus the array length.
constexpr std::size_t leader_endpoint_bytes = 1 + 4 + 11 + 16 + 2 + 1;
constexpr std::size_t directory_id_bytes = 16;
// A record batch header (Kafka's v2 RecordBatch: base offset 8, length 4, leader epoch 4,
// magic 1, crc 4, attributes 2, last offset delta 4, timestamps 16, producer id/epoch 10, base
// sequence 4, record count 4).
constexpr std::size_t record_batch_header_bytes = 61;

// Kafka's unsigned varint (compact lengths and counts), as the record codecs size it.
constexpr std::size_t varint_bytes(std::uint64_t v) { return log::unsigned_varint_size_bytes(v); }

constexpr std::size_t compact_string_bytes(std::size_t length) { return varint_bytes(length + 1) + length; }

// Entries are grouped into batches as Kafka's accumulator would: one batch per run of entries
// with the same epoch and control flag. Each record: length, attributes, timestamp delta,
// offset delta, key length (null), value length, header count, then the payload.
std::size_t records_bytes(const std::vector<Entry>& records) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Entry& e = records[i];
    const bool new_batch = i == 0 || records[i - 1].epoch != e.epoch || records[i - 1].control != e.control;
    if (new_batch) total += record_batch_header_bytes;
    const std::size_t body = 1 + 1 + varint_bytes(i) + 1 + varint_bytes(e.payload.size()) + e.payload.size() + 1;
    total += varint_bytes(body) + body;
  }
  return total;
}

std::size_t replica_description_bytes(std::size_t count) {
  // replica id 4, directory id 16, log end offset 8, last fetch 8, last caught up 8, tagged 1.
  return varint_bytes(count + 1) + count * (4 + directory_id_bytes + 8 + 8 + 8 + 1);
}

struct SizeOf {
  std::size_t operator()(const VoteRequest& r) const {
    return request_header_bytes + compact_string_bytes(r.cluster_id.size()) + 4 + topic_partition_by_name_bytes +
           4 + 4 + directory_id_bytes + directory_id_bytes + 4 + 8 + 1 + 1;
  }
  std::size_t operator()(const VoteResponse&) const {
    return response_header_bytes + 2 + topic_partition_by_name_bytes + 2 + 4 + 4 + 1 + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const BeginQuorumEpochRequest& r) const {
    return request_header_bytes + compact_string_bytes(r.cluster_id.size()) + 4 + topic_partition_by_name_bytes +
           directory_id_bytes + 4 + 4 + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const BeginQuorumEpochResponse&) const {
    return response_header_bytes + 2 + topic_partition_by_name_bytes + 2 + 4 + 4 + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const EndQuorumEpochRequest& r) const {
    const std::size_t successors =
        varint_bytes(r.preferred_successors.size() + 1) + r.preferred_successors.size() * (4 + directory_id_bytes + 1);
    return request_header_bytes + compact_string_bytes(r.cluster_id.size()) + topic_partition_by_name_bytes + 4 + 4 +
           successors + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const EndQuorumEpochResponse&) const {
    return response_header_bytes + 2 + topic_partition_by_name_bytes + 2 + 4 + 4 + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const FetchRequest& r) const {
    const std::size_t cluster_id_tag = 2 + compact_string_bytes(r.cluster_id.size());
    const std::size_t replica_state_tag = 2 + 4 + 8 + 1;
    return request_header_bytes + cluster_id_tag + replica_state_tag + 4 + 4 + 4 + 1 + 4 + 4 +
           topic_partition_by_id_bytes + 4 + 8 + 4 + 8 + 4 + (2 + directory_id_bytes) + 1 + 1 + 1;
  }
  std::size_t operator()(const FetchResponse& r) const {
    const std::size_t records = records_bytes(r.records);
    std::size_t total = response_header_bytes + 4 + 2 + 4 + topic_partition_by_id_bytes + 2 + 8 + 8 + 8 + 1 + 4 +
                        varint_bytes(records + 1) + records + (2 + 4 + 4 + 1) + 1;
    if (r.diverging_epoch) total += 2 + 4 + 8 + 1;
    if (r.snapshot_id) total += 2 + 8 + 4 + 1;
    return total;
  }
  std::size_t operator()(const FetchSnapshotRequest& r) const {
    return request_header_bytes + 2 + compact_string_bytes(r.cluster_id.size()) + 4 + 4 +
           topic_partition_by_name_bytes + 4 + (8 + 4 + 1) + 8 + (2 + directory_id_bytes) + 1;
  }
  std::size_t operator()(const FetchSnapshotResponse& r) const {
    return response_header_bytes + 4 + 2 + topic_partition_by_name_bytes + 2 + (8 + 4 + 1) + (2 + 4 + 4 + 1) + 8 +
           8 + varint_bytes(r.bytes.size() + 1) + r.bytes.size() + leader_endpoint_bytes + 1;
  }
  std::size_t operator()(const DescribeQuorumRequest&) const {
    return request_header_bytes + topic_partition_by_name_bytes + 1;
  }
  std::size_t operator()(const DescribeQuorumResponse& r) const {
    return response_header_bytes + 2 + 1 + topic_partition_by_name_bytes + 2 + 1 + 4 + 4 + 8 +
           replica_description_bytes(r.voters.size()) + replica_description_bytes(r.observers.size()) +
           varint_bytes(r.voters.size() + 1) + r.voters.size() * leader_endpoint_bytes + 1;
  }
};

struct NameOf {
  std::string_view operator()(const VoteRequest&) const { return "Vote"; }
  std::string_view operator()(const VoteResponse&) const { return "Vote"; }
  std::string_view operator()(const BeginQuorumEpochRequest&) const { return "BeginQuorumEpoch"; }
  std::string_view operator()(const BeginQuorumEpochResponse&) const { return "BeginQuorumEpoch"; }
  std::string_view operator()(const EndQuorumEpochRequest&) const { return "EndQuorumEpoch"; }
  std::string_view operator()(const EndQuorumEpochResponse&) const { return "EndQuorumEpoch"; }
  std::string_view operator()(const FetchRequest&) const { return "Fetch"; }
  std::string_view operator()(const FetchResponse&) const { return "Fetch"; }
  std::string_view operator()(const FetchSnapshotRequest&) const { return "FetchSnapshot"; }
  std::string_view operator()(const FetchSnapshotResponse&) const { return "FetchSnapshot"; }
  std::string_view operator()(const DescribeQuorumRequest&) const { return "DescribeQuorum"; }
  std::string_view operator()(const DescribeQuorumResponse&) const { return "DescribeQuorum"; }
};

}  // namespace

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::none: return "NONE";
    case ErrorCode::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case ErrorCode::broker_not_available: return "BROKER_NOT_AVAILABLE";
    case ErrorCode::invalid_request: return "INVALID_REQUEST";
    case ErrorCode::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case ErrorCode::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
    case ErrorCode::inconsistent_voter_set: return "INCONSISTENT_VOTER_SET";
    case ErrorCode::snapshot_not_found: return "SNAPSHOT_NOT_FOUND";
    case ErrorCode::position_out_of_range: return "POSITION_OUT_OF_RANGE";
    case ErrorCode::inconsistent_cluster_id: return "INCONSISTENT_CLUSTER_ID";
  }
  return "UNKNOWN_SERVER_ERROR";
}

std::string_view api_name(const Body& body) { return std::visit(NameOf{}, body); }

// is_response relies on this order: each request right before its response.
static_assert(std::is_same_v<std::variant_alternative_t<0, Body>, VoteRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<1, Body>, VoteResponse>);
static_assert(std::is_same_v<std::variant_alternative_t<6, Body>, FetchRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<7, Body>, FetchResponse>);
static_assert(std::is_same_v<std::variant_alternative_t<10, Body>, DescribeQuorumRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<11, Body>, DescribeQuorumResponse>);
static_assert(std::variant_size_v<Body> == 12);

bool is_response(const Body& body) {
  // Requests and responses alternate in the variant: even indexes are requests.
  return body.index() % 2 == 1;
}

std::size_t wire_size_bytes(const Message& message) {
  const std::size_t size = std::visit(SizeOf{}, message.body);
  KS_ASSERT(size >= response_header_bytes);
  return size;
}

}  // namespace kraftsim::raft

// The KRaft RPCs (KIP-595, KIP-996) as plain structs, the envelope that carries them, Kafka's
// error codes, and wire_size_bytes(): an estimate, from Kafka's JSON message schemas, of what
// each message costs on the wire (the simulated network charges bandwidth by it).
//
// Only the fields the protocol logic reads are modelled; fields Kafka needs for multi-raft,
// dynamic voters (KIP-853) or directory ids are left out but counted in the size estimate.
// Every request and response names one partition: __cluster_metadata-0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/time.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

// The subset of org.apache.kafka.common.protocol.Errors the quorum uses.
enum class ErrorCode : std::int16_t {
  none = 0,
  not_leader_or_follower = 6,
  broker_not_available = 8,
  invalid_request = 42,
  fenced_leader_epoch = 74,
  unknown_leader_epoch = 75,
  inconsistent_voter_set = 86,
  snapshot_not_found = 98,
  position_out_of_range = 99,
  inconsistent_cluster_id = 104,
};

// Kafka's names: "FENCED_LEADER_EPOCH", ...
std::string_view to_string(ErrorCode code);

// Vote (api key 52). v2 adds PreVote (KIP-996). For a pre-vote, candidate_epoch is the
// prospective's CURRENT epoch (it does not bump it); for a real vote it is the new epoch.
struct VoteRequest {
  std::string cluster_id;
  Epoch candidate_epoch = 0;
  NodeId candidate_id = no_node;
  Epoch last_epoch = 0;              // epoch of the candidate's last entry (LastOffsetEpoch)
  Offset last_epoch_end_offset = 0;  // the candidate's log end offset (LastOffset)
  bool pre_vote = false;
};

struct VoteResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;            // the responder's epoch
  std::optional<NodeId> leader_id;   // the leader the responder knows in leader_epoch
  bool vote_granted = false;
};

// BeginQuorumEpoch (53): a new leader tells the voters (pull-based Raft has no AppendEntries
// heartbeat to announce it).
struct BeginQuorumEpochRequest {
  std::string cluster_id;
  Epoch leader_epoch = 0;
  NodeId leader_id = no_node;
};

struct BeginQuorumEpochResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;
  std::optional<NodeId> leader_id;
};

// EndQuorumEpoch (54): a resigning leader asks the voters to elect a successor now; those in
// preferred_successors (most up to date first) get a shorter election backoff.
struct EndQuorumEpochRequest {
  std::string cluster_id;
  Epoch leader_epoch = 0;
  NodeId leader_id = no_node;
  std::vector<NodeId> preferred_successors;
};

struct EndQuorumEpochResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;
  std::optional<NodeId> leader_id;
};

// Fetch (1) as KRaft uses it: the follower (or observer) pulls from fetch_offset and proves its
// log matches the leader's with last_fetched_epoch (the epoch of its entry at fetch_offset-1).
struct FetchRequest {
  std::string cluster_id;
  NodeId replica_id = no_node;
  Epoch current_leader_epoch = 0;
  Offset fetch_offset = 0;
  Epoch last_fetched_epoch = 0;
  Duration max_wait;                 // the leader may park the fetch this long if nothing is new
  std::size_t max_bytes = 0;
};

struct FetchResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;
  std::optional<NodeId> leader_id;
  std::optional<Offset> high_watermark;  // Kafka sends -1 while the leader's HW is unknown
  Offset log_start_offset = 0;
  // Set when the follower's log diverges: truncate to the end of `epoch` (KIP-595, like
  // OffsetsForLeaderEpoch of KIP-101/279) and fetch again.
  std::optional<OffsetAndEpoch> diverging_epoch;
  // Set when the fetch offset is below the leader's log start: load this snapshot first.
  std::optional<SnapshotId> snapshot_id;
  std::vector<Entry> records;
};

// FetchSnapshot (59): chunked download of the leader's latest snapshot.
struct FetchSnapshotRequest {
  std::string cluster_id;
  NodeId replica_id = no_node;
  Epoch current_leader_epoch = 0;
  SnapshotId snapshot_id;
  std::uint64_t position = 0;
  std::size_t max_bytes = 0;
};

struct FetchSnapshotResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;
  std::optional<NodeId> leader_id;
  SnapshotId snapshot_id;
  std::uint64_t size = 0;      // the whole snapshot, bytes
  std::uint64_t position = 0;  // where `bytes` starts
  Bytes bytes;
};

// DescribeQuorum (55): answered by the leader only.
struct DescribeQuorumRequest {};

struct ReplicaDescription {
  NodeId replica_id = no_node;
  std::optional<Offset> log_end_offset;   // last fetch offset the leader saw (Kafka: -1 unknown)
  std::optional<Time> last_fetch_time;
  std::optional<Time> last_caught_up_time;  // last fetch at which it had everything the leader had
  bool operator==(const ReplicaDescription&) const = default;
};

struct DescribeQuorumResponse {
  ErrorCode error = ErrorCode::none;
  Epoch leader_epoch = 0;
  std::optional<NodeId> leader_id;
  std::optional<Offset> high_watermark;
  std::vector<ReplicaDescription> voters;
  std::vector<ReplicaDescription> observers;
};

using Body = std::variant<VoteRequest, VoteResponse, BeginQuorumEpochRequest, BeginQuorumEpochResponse,
                          EndQuorumEpochRequest, EndQuorumEpochResponse, FetchRequest, FetchResponse,
                          FetchSnapshotRequest, FetchSnapshotResponse, DescribeQuorumRequest,
                          DescribeQuorumResponse>;

// What travels between nodes. correlation_id is Kafka's request-header correlation id: a
// response echoes its request's, and a core ignores responses it is not waiting for.
struct Message {
  std::uint64_t correlation_id = 0;
  Body body;
};

// Kafka's api name of the body ("Vote", "Fetch", ...) and whether it is a response.
std::string_view api_name(const Body& body);
bool is_response(const Body& body);

// Estimated bytes on the wire, request/response header included.
std::size_t wire_size_bytes(const Message& message);

}  // namespace kraftsim::raft

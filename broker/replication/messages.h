// The requests and responses one partition replica takes and makes, as plain structs with only
// the fields the replication logic reads: Produce (api key 0), Fetch from a follower (1),
// OffsetsForLeaderEpoch (23) and AlterPartition (56), each for one partition. The node driver
// maps them to and from the wire messages of broker/protocol and broker/controller.
//
// request_id: the caller's token for one request, echoed in its response. A follower core
// numbers its own requests and ignores answers to any but the one in flight (a late answer to
// a request from an earlier leader epoch must not truncate or append anything).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/time.h"
#include "broker/replication/errors.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

// ---------------------------------------------------------------- Produce (0)

struct ProduceRequest {
  std::uint64_t request_id = 0;
  std::int32_t record_count = 0;  // records in the batch (>= 1)
  Bytes payload;                  // the batch, opaque here; stored as is
  Acks acks = Acks::all;
  // The request's timeoutMs (the producer's request.timeout.ms, default 30000): how long an
  // acks=all request may wait in the purgatory for the ISR.
  Duration timeout = milliseconds(30000);
};

struct ProduceResponse {
  std::uint64_t request_id = 0;
  ErrorCode error = ErrorCode::none;
  // The offset of the first record when the batch was appended, also for the errors that come
  // after the append (NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT: the records ARE in
  // the log, and a retry without idempotence duplicates them); -1 when nothing was appended.
  Offset base_offset = -1;
  Acks acks = Acks::all;
  // acks=0: Kafka sends no response at all; on an error it closes the producer's connection
  // instead (so the producer refreshes its metadata). The response is still listed in the
  // Output for the trace and the client history.
  bool send_to_producer = true;
  bool close_connection = false;
  // The batch was an idempotent producer's retry already in the log (KIP-98): base_offset is the
  // original append's.
  bool duplicate = false;
};

// ---------------------------------------------------------------- Fetch (1), from a follower

struct FetchRequest {
  std::uint64_t request_id = 0;
  NodeId replica_id = no_node;
  Offset fetch_offset = 0;                   // the follower's log end offset
  std::optional<Epoch> last_fetched_epoch;   // Fetch v12+: the epoch of the follower's last batch
  std::optional<Epoch> current_leader_epoch;  // KIP-320: the leader epoch the follower knows
  Duration max_wait;                         // replica.fetch.wait.max.ms
};

struct FetchResponse {
  std::uint64_t request_id = 0;
  ErrorCode error = ErrorCode::none;
  Offset high_watermark = -1;
  Offset log_start_offset = -1;
  // kraftsim: the leader's log end offset. Kafka's follower learns it, after an
  // OFFSET_OUT_OF_RANGE, with a ListOffsets(latest) round trip; carrying it here stands in for
  // that request (the decision it feeds is Kafka's, see follower.cpp).
  Offset log_end_offset = -1;
  // KIP-595-style truncation (Fetch v12+): the follower's log diverges from the leader's after
  // this epoch's end offset; no records come with it.
  std::optional<EpochEndOffset> diverging_epoch;
  // What the driver reads from the leader's log before sending: whole batches from the one
  // holding read_from_offset, none ending above read_up_to_offset (exclusive), as many as the
  // fetch size allows (at least one). Equal offsets: nothing to read.
  Offset read_from_offset = 0;
  Offset read_up_to_offset = 0;
  std::vector<ReplicaBatch> records;  // filled by the driver from the two offsets above
};

// ---------------------------------------------------------------- OffsetsForLeaderEpoch (23)

struct OffsetsForLeaderEpochRequest {
  std::uint64_t request_id = 0;
  NodeId replica_id = no_node;
  std::optional<Epoch> current_leader_epoch;  // KIP-320
  Epoch leader_epoch = 0;                     // the follower's latest epoch
};

struct OffsetsForLeaderEpochResponse {
  std::uint64_t request_id = 0;
  ErrorCode error = ErrorCode::none;
  EpochEndOffset end;  // the largest epoch <= the requested one and its end offset, or undefined
};

// ---------------------------------------------------------------- AlterPartition (56)

struct AlterPartitionRequest {
  std::uint64_t request_id = 0;
  TopicPartition topic_partition;
  NodeId leader_id = no_node;
  Epoch leader_epoch = 0;
  std::int32_t partition_epoch = 0;  // the version the change applies to (KIP-497)
  std::vector<NodeId> new_isr;       // sorted, includes the leader
};

struct AlterPartitionResponse {
  std::uint64_t request_id = 0;
  ErrorCode error = ErrorCode::none;
  // On NONE, the partition as the controller now has it.
  Epoch leader_epoch = 0;
  std::int32_t partition_epoch = 0;
  std::vector<NodeId> isr;
};

}  // namespace kraftsim::replication

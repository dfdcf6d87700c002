// Output: everything a PartitionReplica asks its driver to do, drained with take_output()
// after EVERY input (etcd's Ready, ScyllaDB's fsm_output).
//
// ORDERING CONTRACT. The driver handles one Output in exactly this order, before it feeds the
// core its next input:
//
//   1. log_changes: nothing to do. The core already made them through the ReplicaLog (Kafka's
//      appends and truncations are synchronous page-cache writes); they are listed, in order,
//      for the trace and the checkers. Durability is the log's own business (Kafka does not
//      fsync by default; a power loss may take the unflushed tail).
//   2. fetch_responses: for each, read from the leader's log the batches the response names
//      (read_from_offset .. read_up_to_offset) NOW, before any other input can change the log,
//      fill `records`, and send it to the follower.
//   3. produce_responses: answer the producers, in order (appends in offset order). Skip those
//      with send_to_producer == false (acks=0); close the connection of those with
//      close_connection.
//   4. fetch_requests and offsets_for_leader_epoch_requests: send to the named leader. Report
//      each answer with on_fetch_response / on_offsets_for_leader_epoch_response, and a broken
//      connection with on_connection_lost; the core times out requests itself.
//   5. alter_partition_requests: send to the active controller. Like Kafka's
//      AlterPartitionManager, the driver retries by itself on NOT_CONTROLLER, on a timeout and on
//      a broken connection, and reports the final answer with on_alter_partition_response. The
//      core sends at most one at a time; a newer metadata image (become_leader) supersedes it.
//   6. state_changes: record them in the trace. The high watermark of the last one is what to
//      write to `replication-offset-checkpoint` (Kafka checkpoints it every
//      replica.high.watermark.checkpoint.interval.ms, 5000 by default; a restarted replica
//      starts from that possibly stale value, which is what KIP-101 scenario 1 needs).
//
// Nothing in an Output depends on the driver reporting back except the answers in 4 and 5.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "broker/replication/messages.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

// One change the core made to the log.
struct LogChange {
  enum class Kind : std::uint8_t {
    assign_epoch,        // a new leader's epoch starts at `offset` (its log end)
    append_as_leader,    // a produced batch at `offset`
    append_as_follower,  // a fetched batch at `offset`
    truncate,            // everything at or after `offset` removed (see log_end_offset for where it landed)
    truncate_fully,      // everything removed; the log restarts empty at `offset`
  };
  Kind kind = Kind::append_as_leader;
  Offset offset = 0;
  Offset log_end_offset = 0;  // after the change
  Epoch epoch = undefined_epoch;  // assign_epoch and appends
  std::int32_t record_count = 0;  // appends
  // truncations: the new log end is below the high watermark the replica had. Kafka allows it
  // for a follower (it only logs a warning); KIP-101 scenarios are made of exactly this.
  bool below_high_watermark = false;
  const char* reason = "";  // a string literal
};

struct FetchResponseToSend {
  NodeId replica_id = no_node;  // the follower that asked
  FetchResponse response;
};

struct FetchRequestToSend {
  NodeId leader_id = no_node;
  FetchRequest request;
};

struct OffsetsForLeaderEpochRequestToSend {
  NodeId leader_id = no_node;
  OffsetsForLeaderEpochRequest request;
};

// What a follower's fetcher is doing (Kafka's PartitionFetchState plus the two ways it stops).
enum class FetcherPhase : std::uint8_t {
  truncating,  // asking OffsetsForLeaderEpoch before fetching (KIP-101/279)
  fetching,    // fetching from the log end
  fenced,      // the leader answered FENCED_LEADER_EPOCH: wait for newer metadata
  failed,      // an append failed (offset mismatch or storage error): stopped until newer metadata
};

constexpr std::string_view to_string(FetcherPhase phase) {
  switch (phase) {
    case FetcherPhase::truncating: return "Truncating";
    case FetcherPhase::fetching: return "Fetching";
    case FetcherPhase::fenced: return "Fenced";
    case FetcherPhase::failed: return "Failed";
  }
  return "?";
}

// A state change for the trace: the role, the leader and epochs, the committed ISR (leader
// only), the high watermark and log end, and why (a string literal).
struct StateChange {
  Time at;
  Role role = Role::none;
  NodeId leader_id = no_node;
  Epoch leader_epoch = undefined_epoch;
  std::int32_t partition_epoch = -1;  // leader only
  std::vector<NodeId> isr;            // leader only
  std::optional<FetcherPhase> fetcher_phase;  // follower only
  Offset high_watermark = 0;
  Offset log_end_offset = 0;
  const char* reason = "";
};

struct Output {
  std::vector<LogChange> log_changes;
  std::vector<FetchResponseToSend> fetch_responses;
  std::vector<ProduceResponse> produce_responses;
  std::vector<FetchRequestToSend> fetch_requests;
  std::vector<OffsetsForLeaderEpochRequestToSend> offsets_for_leader_epoch_requests;
  std::vector<AlterPartitionRequest> alter_partition_requests;
  std::vector<StateChange> state_changes;

  bool empty() const {
    return log_changes.empty() && fetch_responses.empty() && produce_responses.empty() && fetch_requests.empty() &&
           offsets_for_leader_epoch_requests.empty() && alter_partition_requests.empty() && state_changes.empty();
  }
};

}  // namespace kraftsim::replication

// Output: everything the quorum core asks its driver to do, drained with
// QuorumCore::take_output() after each input (etcd's Ready, ScyllaDB's fsm_output).
//
// ORDERING CONTRACT. The driver applies one Output in exactly this order:
//
//   1. quorum_state: write the `quorum-state` file and make it DURABLE (fsync) before step 4.
//      A vote or a new epoch that is not durable when the reply leaves could be forgotten by a
//      crash, and the node could then vote twice in one epoch (two leaders, KIP-595).
//   2. snapshot_to_persist: write the snapshot file and make it durable before step 3, because
//      the log operations that follow delete the entries it replaces.
//   3. log_ops, in order: write them to the log (the page cache is enough; durability is step 5).
//   4. messages: send them, in order. The core has already counted everything above as done.
//   5. flush_log_to: if set, fsync the log (asynchronously is fine) and when it completes call
//      on_log_flushed(now, flush_log_to). Completions must be reported in request order; one
//      fsync issued after several requests may report only the last of them. The
//      leader counts its own log end in the high watermark, and a follower reports a fetch
//      offset, only up to what was reported flushed (KAFKA-10533).
//   6. snapshot_to_load, then committed: the state machine first loads the snapshot (if any),
//      then applies the committed entries in order. Every committed entry is at or after the
//      snapshot's end. Control entries (LeaderChange) are part of the sequence; the state machine
//      skips them.
//   7. state_changes: record them in the trace.
//
// Nothing in an Output depends on the driver reporting back except step 5.
#pragma once

#include <optional>
#include <vector>

#include "base/time.h"
#include "broker/raft/messages.h"
#include "broker/raft/types.h"

namespace kraftsim::raft {

// One change to the on-disk log, applied in order.
struct LogOp {
  enum class Kind : std::uint8_t {
    append,           // add `entries` at the log end
    truncate_suffix,  // remove every entry at or after `offset` (a follower's divergent tail)
    drop_prefix,      // remove every entry below `offset` (covered by the snapshot just persisted)
    reset,            // remove every entry; the log restarts empty at `offset` (snapshot installed)
  };
  Kind kind = Kind::append;
  Offset offset = 0;
  std::vector<Entry> entries;
};

struct SnapshotImage {
  SnapshotId id;
  Bytes bytes;
  bool operator==(const SnapshotImage&) const = default;
};

struct Outbound {
  NodeId destination = no_node;
  Message message;
};

// A protocol state change for the trace: the new role, epoch, leader, vote and high watermark,
// and why (a string literal, e.g. "election timeout", "won election", "check-quorum").
struct StateChange {
  Time at;
  Role role = Role::unattached;
  Epoch epoch = 0;
  std::optional<NodeId> leader_id;
  std::optional<NodeId> voted_id;
  std::optional<Offset> high_watermark;
  const char* reason = "";
};

struct Output {
  std::optional<QuorumStateRecord> quorum_state;
  std::optional<SnapshotImage> snapshot_to_persist;
  std::vector<LogOp> log_ops;
  std::vector<Outbound> messages;
  std::optional<Offset> flush_log_to;
  std::optional<SnapshotImage> snapshot_to_load;
  std::vector<Entry> committed;
  std::vector<StateChange> state_changes;

  bool empty() const {
    return !quorum_state && !snapshot_to_persist && log_ops.empty() && messages.empty() && !flush_log_to &&
           !snapshot_to_load && committed.empty() && state_changes.empty();
  }
};

}  // namespace kraftsim::raft

// RaftDriver: runs the sans-I/O quorum core (broker/raft) on a node's Env. It recovers the
// persisted state at start-up, feeds the core its inputs (messages, timers, completed flushes)
// and applies each Output in the order output.h requires, turning "durable before" into real
// waits on the simulated disk:
//
//   quorum-state  -> write quorum-state.tmp, fsync, rename, fsync the directory  (a barrier)
//   snapshot      -> write <end>-<epoch>.checkpoint.tmp, fsync, rename, fsync dir (a barrier)
//   log ops       -> the segment files (page cache)
//   messages      -> Env::send
//   flush         -> fsync the written segments (and the directory if names changed), then
//                    on_log_flushed, in request order
//
// A barrier holds every later step of the pipeline (messages included) until its fsyncs
// complete: a vote never leaves before the vote is durable, and a log prefix is never deleted
// before the snapshot that replaces it is durable.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "broker/env/env.h"
#include "broker/node/metadata_log_store.h"
#include "broker/raft/quorum_core.h"

namespace kraftsim::node {

struct RaftHooks {
  // A committed entry, in log order: metadata records and control records (LeaderChange).
  std::function<void(const raft::Entry&)> on_committed;
  // A snapshot to load into the state machine (replaces its state), before later commits.
  std::function<void(const raft::SnapshotImage&)> on_snapshot_loaded;
  // After the snapshot and entries the core handed over in one step (KafkaRaftClient's one
  // handleCommit call with a BatchReader): the metadata loader publishes once, here.
  std::function<void()> on_commits_handed_over;
  // A role/epoch/leader/high-watermark change (after it was recorded in the trace).
  std::function<void(const raft::StateChange&)> on_state_change;
};

class RaftDriver {
 public:
  static constexpr std::size_t pipeline_steps_max = 1u << 20;

  RaftDriver(env::Env& env, raft::QuorumConfig config, std::uint64_t segment_bytes, RaftHooks hooks);
  RaftDriver(const RaftDriver&) = delete;
  RaftDriver& operator=(const RaftDriver&) = delete;

  // Recovers quorum-state, snapshot and log from disk and starts the core. An error is a
  // reason the node cannot start (an unreadable quorum-state file, ...).
  Result<bool, std::string> start();

  void on_message(NodeId from, const raft::Message& message);
  void on_connection_lost(NodeId peer);
  Result<raft::Offset, raft::AppendError> append(env::Bytes payload);
  bool resign();
  bool snapshot(raft::Offset end_offset, env::Bytes bytes);

  bool started() const { return core_.has_value(); }
  const raft::QuorumCore& core() const { return *core_; }
  const MetadataLogStore& store() const { return store_; }

 private:
  struct WriteQuorumState { raft::QuorumStateRecord state; };
  struct PersistSnapshot { raft::SnapshotImage image; };
  struct ApplyLogOp { raft::LogOp op; };
  struct Send { NodeId to; raft::Message message; };
  struct Flush { raft::Offset end_offset; };
  using Step = std::variant<WriteQuorumState, PersistSnapshot, ApplyLogOp, Send, Flush>;

  struct PendingFlush {
    raft::Offset end_offset = 0;
    int syncs_outstanding = 0;
  };

  void drive();  // drain the core's output into the pipeline, run it, re-arm the timer
  void run_pipeline();
  void write_durably(const std::string& tmp_path, const std::string& final_path, const env::Bytes& bytes);
  void on_barrier_done();
  void start_flush(raft::Offset end_offset);
  void on_flush_sync_done(std::uint64_t flush_id);
  void arm_timer();
  void record_state_change(const raft::StateChange& change);

  env::Env& env_;
  raft::QuorumConfig config_;
  MetadataLogStore store_;
  RaftHooks hooks_;
  Rng rng_;
  std::optional<raft::QuorumCore> core_;

  std::deque<Step> pipeline_;
  bool barrier_in_flight_ = false;
  std::optional<std::pair<std::string, std::string>> pending_rename_;  // (tmp, final) of the barrier
  std::optional<raft::QuorumStateRecord> durable_quorum_state_;        // being made durable
  std::uint64_t next_flush_id_ = 1;
  std::map<std::uint64_t, PendingFlush> flushes_;  // in request order
  env::TimerId timer_;
  Time timer_deadline_ = Time::max();
  bool driving_ = false;
};

}  // namespace kraftsim::node

// RaftDriver implementation (see raft_driver.h for the ordering it enforces).
#include "broker/node/raft_driver.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "broker/node/quorum_state_file.h"

namespace kraftsim::node {

namespace {

Result<std::string, std::string> read_text(env::Files& files, const std::string& path) {
  auto size = files.size(path);
  if (!size.ok()) return unexpected(fmt::format("{}: {}", path, env::to_string(size.error().code)));
  auto bytes = files.read(path, 0, *size);
  if (!bytes.ok()) return unexpected(fmt::format("{}: {}", path, env::to_string(bytes.error().code)));
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

RaftDriver::RaftDriver(env::Env& env, raft::QuorumConfig config, std::uint64_t segment_bytes, RaftHooks hooks)
    : env_(env),
      config_(std::move(config)),
      store_(segment_bytes),
      hooks_(std::move(hooks)),
      rng_(env.random().next_u64()) {}

Result<bool, std::string> RaftDriver::start() {
  KS_ASSERT(!core_.has_value());
  env::Files& files = env_.files();
  raft::PersistedState persisted;
  if (files.exists(quorum_state_path)) {
    auto text = read_text(files, quorum_state_path);
    if (!text.ok()) return unexpected(text.error());
    auto state = decode_quorum_state(*text);
    if (!state.ok()) return unexpected(fmt::format("{}: {}", quorum_state_path, state.error()));
    persisted.quorum_state = *state;
  }
  auto recovered = store_.recover(files);
  if (!recovered.ok()) return unexpected(recovered.error());
  persisted.snapshot = std::move(recovered->snapshot);
  persisted.entries = std::move(recovered->entries);
  // What survived a crash may sit only in the page cache: nothing is vouched durable until the
  // core's first flush completes (the core then asks for one).
  persisted.durable_end_offset = 0;
  env_.record("raft-recovered", {{"entries", static_cast<std::int64_t>(persisted.entries.size())},
                                 {"snapshot_end", persisted.snapshot ? persisted.snapshot->id.end_offset : -1},
                                 {"epoch", persisted.quorum_state ? persisted.quorum_state->epoch : 0},
                                 {"truncated_bytes", static_cast<std::int64_t>(recovered->truncated_bytes)}});
  core_.emplace(config_, rng_, std::move(persisted), env_.now());
  drive();
  return true;
}

void RaftDriver::on_message(NodeId from, const raft::Message& message) {
  if (!core_) return;
  core_->on_message(env_.now(), from, message);
  drive();
}

void RaftDriver::on_connection_lost(NodeId peer) {
  if (!core_) return;
  core_->on_connection_lost(env_.now(), peer);
  drive();
}

Result<raft::Offset, raft::AppendError> RaftDriver::append(env::Bytes payload) {
  KS_ASSERT(core_.has_value());
  auto result = core_->append(env_.now(), std::move(payload));
  drive();
  return result;
}

bool RaftDriver::resign() {
  KS_ASSERT(core_.has_value());
  const bool resigned = core_->resign(env_.now());
  drive();
  return resigned;
}

bool RaftDriver::snapshot(raft::Offset end_offset, env::Bytes bytes) {
  KS_ASSERT(core_.has_value());
  const bool taken = core_->snapshot(env_.now(), end_offset, std::move(bytes));
  drive();
  return taken;
}

void RaftDriver::drive() {
  // Re-entrancy guard: hooks may call append() while we deliver commits.
  if (driving_) return;
  driving_ = true;
  while (core_->has_output()) {
    raft::Output out = core_->take_output();
    if (out.quorum_state) {
      pipeline_.push_back(WriteQuorumState{*out.quorum_state});
    }
    if (out.snapshot_to_persist) pipeline_.push_back(PersistSnapshot{std::move(*out.snapshot_to_persist)});
    for (auto& op : out.log_ops) pipeline_.push_back(ApplyLogOp{std::move(op)});
    for (auto& m : out.messages) pipeline_.push_back(Send{m.destination, std::move(m.message)});
    if (out.flush_log_to) pipeline_.push_back(Flush{*out.flush_log_to});
    KS_ASSERT(pipeline_.size() < pipeline_steps_max);

    for (const auto& change : out.state_changes) record_state_change(change);
    if (out.snapshot_to_load && hooks_.on_snapshot_loaded) hooks_.on_snapshot_loaded(*out.snapshot_to_load);
    for (const raft::Entry& e : out.committed) {
      if (hooks_.on_committed) hooks_.on_committed(e);
    }
    if ((out.snapshot_to_load || !out.committed.empty()) && hooks_.on_commits_handed_over) hooks_.on_commits_handed_over();
    run_pipeline();
  }
  driving_ = false;
  arm_timer();
}

void RaftDriver::record_state_change(const raft::StateChange& change) {
  env_.record("raft-state", {{"role", raft::to_string(change.role)},
                             {"epoch", change.epoch},
                             {"leader_id", change.leader_id.value_or(-1)},
                             {"voted_id", change.voted_id.value_or(-1)},
                             {"high_watermark", change.high_watermark.value_or(-1)},
                             {"reason", change.reason}});
  if (hooks_.on_state_change) hooks_.on_state_change(change);
}

void RaftDriver::run_pipeline() {
  while (!pipeline_.empty() && !barrier_in_flight_) {
    Step step = std::move(pipeline_.front());
    pipeline_.pop_front();
    std::visit(
        [this](auto& s) {
          using S = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<S, WriteQuorumState>) {
            const std::string text = encode_quorum_state(s.state, config_.voter_ids);
            durable_quorum_state_ = s.state;
            write_durably(quorum_state_tmp_path, quorum_state_path, env::Bytes(text.begin(), text.end()));
          } else if constexpr (std::is_same_v<S, PersistSnapshot>) {
            const std::string path = store_.snapshot_path(s.image.id);
            write_durably(path + ".tmp", path,
                          encode_entry(raft::Entry{s.image.id.end_offset, s.image.id.epoch, false, s.image.bytes}));
          } else if constexpr (std::is_same_v<S, ApplyLogOp>) {
            if (s.op.kind == raft::LogOp::Kind::truncate_suffix || s.op.kind == raft::LogOp::Kind::reset) {
              env_.record("raft-truncated", {{"offset", s.op.offset},
                                             {"reset", s.op.kind == raft::LogOp::Kind::reset}});
            }
            store_.apply(env_.files(), s.op);
          } else if constexpr (std::is_same_v<S, Send>) {
            env_.send(s.to, protocol::RaftRpc{std::move(s.message)});
          } else {
            start_flush(s.end_offset);
          }
        },
        step);
  }
}

void RaftDriver::write_durably(const std::string& tmp_path, const std::string& final_path, const env::Bytes& bytes) {
  // Kafka's FileQuorumStateStore / snapshot writer: temporary file, flush, atomic move (which
  // flushes the parent directory).
  env::Files& files = env_.files();
  barrier_in_flight_ = true;
  if (files.exists(tmp_path)) (void)files.remove(tmp_path);
  if (!files.write_at(tmp_path, 0, bytes).ok()) {
    // Disk full or failing: the state is not durable, so nothing that depends on it may leave.
    // Kafka would fail the node; we keep the barrier up and the node stalls, visibly.
    env_.record("persist-failed", {{"path", final_path}});
    return;
  }
  pending_rename_ = {tmp_path, final_path};
  files.fsync(tmp_path, [this](env::IoStatus status) {
    if (!status.ok()) {
      env_.record("persist-failed", {{"path", pending_rename_ ? std::string_view(pending_rename_->second) : std::string_view()}});
      return;
    }
    on_barrier_done();
  });
}

void RaftDriver::on_barrier_done() {
  if (pending_rename_) {
    auto [tmp, final] = *pending_rename_;
    pending_rename_.reset();
    if (!env_.files().rename(tmp, final).ok()) {
      env_.record("persist-failed", {{"path", final}});
      return;
    }
    const auto slash = final.rfind('/');
    env_.files().fsync_dir(slash == std::string::npos ? "" : final.substr(0, slash), [this](env::IoStatus status) {
      if (!status.ok()) return;
      on_barrier_done();
    });
    return;
  }
  barrier_in_flight_ = false;
  if (durable_quorum_state_) {
    // The election state is durable now: what checkers of "one leader per epoch" compare.
    env_.record("quorum-state-durable", {{"epoch", durable_quorum_state_->epoch},
                                         {"voted_id", durable_quorum_state_->voted_id.value_or(-1)},
                                         {"leader_id", durable_quorum_state_->leader_id.value_or(-1)}});
    durable_quorum_state_.reset();
  }
  run_pipeline();
  drive();
}

void RaftDriver::start_flush(raft::Offset end_offset) {
  const std::uint64_t id = next_flush_id_++;
  PendingFlush& flush = flushes_[id];
  flush.end_offset = end_offset;
  auto segments = store_.take_dirty_segments();
  const bool directory = store_.take_directory_dirty();
  flush.syncs_outstanding = static_cast<int>(segments.size()) + (directory ? 1 : 0) + 1;
  for (const auto& path : segments) {
    env_.files().fsync(path, [this, id](env::IoStatus) { on_flush_sync_done(id); });
  }
  if (directory) env_.files().fsync_dir(metadata_log_dir, [this, id](env::IoStatus) { on_flush_sync_done(id); });
  on_flush_sync_done(id);  // the +1 above: completes synchronously when there was nothing to sync
}

void RaftDriver::on_flush_sync_done(std::uint64_t flush_id) {
  auto it = flushes_.find(flush_id);
  KS_ASSERT(it != flushes_.end());
  KS_ASSERT(it->second.syncs_outstanding > 0);
  it->second.syncs_outstanding--;
  // Report completed flushes in request order only (the core requires it).
  bool reported = false;
  while (!flushes_.empty() && flushes_.begin()->second.syncs_outstanding == 0) {
    const raft::Offset end = flushes_.begin()->second.end_offset;
    flushes_.erase(flushes_.begin());
    env_.record("raft-flushed", {{"end_offset", end}});
    core_->on_log_flushed(env_.now(), end);
    reported = true;
  }
  if (reported && !driving_) drive();
}

void RaftDriver::arm_timer() {
  const Time deadline = core_->next_deadline();
  if (deadline == timer_deadline_ && timer_.valid()) return;
  if (timer_.valid()) env_.cancel_timer(timer_);
  timer_ = {};
  timer_deadline_ = deadline;
  if (deadline == Time::max()) return;
  const Duration wait = deadline > env_.now() ? deadline - env_.now() : Duration{};
  timer_ = env_.set_timer(wait, "raft-tick", [this] {
    timer_ = {};
    timer_deadline_ = Time::max();
    core_->on_timer(env_.now());
    drive();
  });
}

}  // namespace kraftsim::node

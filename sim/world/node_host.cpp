// NodeHost: process life cycle, the Env implementation, and the asynchronous disk operations
// (fsync and cold reads complete after the disk's latency, unless the process dies first).
#include "sim/world/node_host.h"

#include <fmt/format.h>

#include "base/assert.h"

namespace kraftsim::sim {

const char* to_string(ProcessState state) {
  switch (state) {
    case ProcessState::never_started: return "never-started";
    case ProcessState::running: return "running";
    case ProcessState::paused: return "paused";
    case ProcessState::crashed: return "crashed";
    case ProcessState::power_lost: return "power-lost";
    case ProcessState::exited: return "exited";
  }
  return "unknown";
}

NodeHost::NodeHost(Scheduler& scheduler, trace::Trace& trace, Network& network, NodeId id, std::string name,
                   std::uint64_t run_seed, DiskConfig disk_config, ProgramFactory factory)
    : scheduler_(scheduler),
      trace_(trace),
      network_(network),
      id_(id),
      name_(std::move(name)),
      run_seed_(run_seed),
      rng_(run_seed, fmt::format("node-{}/process-0", id)),
      disk_rng_(run_seed, fmt::format("node-{}/disk", id)),
      disk_(disk_config),
      factory_(std::move(factory)) {
  KS_ASSERT(static_cast<bool>(factory_));
}

NodeHost::~NodeHost() = default;

void NodeHost::start() {
  KS_ASSERT_MSG(!is_up(), "start of a node whose process is up");
  KS_ASSERT(timers_.empty() && syncs_.empty() && reads_.empty() && held_.empty());
  ++incarnation_;
  exit_reason_.clear();
  dying_program_.reset();
  // Each incarnation draws from its own stream: what happens after a restart does not depend on
  // how much randomness the previous process consumed.
  rng_ = Rng(run_seed_, fmt::format("node-{}/process-{}", id_, incarnation_));
  state_ = ProcessState::running;
  trace_.append(now().us(), id_, trace::Kind::process, "started",
                {{"incarnation", static_cast<std::int64_t>(incarnation_)}});
  program_ = factory_(*this);
  KS_ASSERT(program_ != nullptr);
  program_->on_start();
}

void NodeHost::kill(ProcessState new_state, const char* reason) {
  KS_ASSERT_MSG(is_up(), "kill of a node whose process is down");
  timers_.for_each([this](PendingTimer& t) { scheduler_.cancel(t.event); });
  syncs_.for_each([this](PendingSync& s) { scheduler_.cancel(s.event); });
  reads_.for_each([this](PendingRead& r) { scheduler_.cancel(r.event); });
  timers_.clear();
  syncs_.clear();
  reads_.clear();
  held_.clear();  // messages in a paused process's socket buffers die with it
  // The program may be on the call stack (it asked to exit): destroy it later, not now.
  dying_program_ = std::move(program_);
  state_ = new_state;
  trace_.append(now().us(), id_, trace::Kind::process, reason,
                {{"incarnation", static_cast<std::int64_t>(incarnation_)}});
  network_.reset_connections(id_, reason);
}

void NodeHost::crash() {
  kill(ProcessState::crashed, "crashed");
  disk_.crash();  // the OS page cache survives a process kill
}

void NodeHost::power_loss() {
  kill(ProcessState::power_lost, "power-lost");
  const auto before = disk_.used_bytes();
  disk_.power_loss(disk_rng_);
  trace_.append(now().us(), id_, trace::Kind::disk, "power-loss-reverted",
                {{"bytes_before", static_cast<std::int64_t>(before)},
                 {"bytes_after", static_cast<std::int64_t>(disk_.used_bytes())}});
}

void NodeHost::pause() {
  KS_ASSERT_MSG(state_ == ProcessState::running, "pause of a node that is not running");
  state_ = ProcessState::paused;
  trace_.append(now().us(), id_, trace::Kind::process, "paused", {});
}

void NodeHost::resume() {
  KS_ASSERT_MSG(state_ == ProcessState::paused, "resume of a node that is not paused");
  state_ = ProcessState::running;
  trace_.append(now().us(), id_, trace::Kind::process, "resumed",
                {{"held", static_cast<std::int64_t>(held_.size())}});
  // Everything that arrived during the pause runs now, in arrival order. Work may pause or kill
  // the process again, so re-check the state each time.
  while (!held_.empty() && state_ == ProcessState::running) {
    HeldWork work = std::move(held_.front());
    held_.pop_front();
    run_held(std::move(work));
  }
}

void NodeHost::request_shutdown() {
  KS_ASSERT_MSG(state_ == ProcessState::running, "shutdown of a node that is not running");
  trace_.append(now().us(), id_, trace::Kind::process, "shutdown-requested", {});
  program_->on_shutdown_requested(*this);
}

void NodeHost::replace_disk() {
  KS_ASSERT_MSG(!is_up(), "the disk of a running node cannot be replaced");
  disk_ = Disk(disk_.config());
  trace_.append(now().us(), id_, trace::Kind::disk, "disk-replaced", {});
}

void NodeHost::hold(HeldWork&& work) {
  KS_ASSERT(state_ == ProcessState::paused);
  KS_ASSERT_MSG(held_.size() < paused_work_max, "paused node holds too much work");
  held_.push_back(std::move(work));
}

void NodeHost::run_held(HeldWork&& work) {
  std::visit(
      [this](auto&& w) {
        using W = std::decay_t<decltype(w)>;
        if constexpr (std::is_same_v<W, protocol::Message>) {
          program_->on_message(w);
        } else if constexpr (std::is_same_v<W, HeldTimer>) {
          fire_timer(w.timer);
        } else if constexpr (std::is_same_v<W, HeldSync>) {
          complete_sync(w.op);
        } else if constexpr (std::is_same_v<W, HeldRead>) {
          complete_read(w.op);
        } else if (w.refused) {
          program_->on_connection_refused(w.peer);
        } else {
          program_->on_connection_lost(w.peer);
        }
      },
      std::move(work));
}

void NodeHost::on_delivery(protocol::Message&& message) {
  KS_ASSERT(message.to == id_);
  if (!is_up()) {
    trace_.append(now().us(), id_, trace::Kind::drop, "drop",
                  {{"from", message.from}, {"to", id_}, {"reason", "node-down"}});
    return;
  }
  if (state_ == ProcessState::paused) {
    hold(std::move(message));
    return;
  }
  program_->on_message(message);
}

void NodeHost::on_connection_lost(NodeId peer) {
  if (!is_up()) return;
  trace_.append(now().us(), id_, trace::Kind::link, "connection-lost", {{"peer", peer}});
  if (state_ == ProcessState::paused) {
    hold(HeldLost{peer});
    return;
  }
  program_->on_connection_lost(peer);
}

void NodeHost::on_connection_refused(NodeId peer) {
  if (!is_up()) return;
  if (state_ == ProcessState::paused) {
    hold(HeldLost{peer, true});
    return;
  }
  program_->on_connection_refused(peer);
}

void NodeHost::require_running(const char* what) const {
  KS_ASSERT_MSG(state_ == ProcessState::running, what);
}

env::TimerId NodeHost::set_timer(Duration after, const char* name, env::TimerFn fn) {
  require_running("set_timer on a node that is not running");
  KS_ASSERT(after.us() >= 0);
  const SlabHandle timer = timers_.insert(PendingTimer{name, std::move(fn), EventId{}});
  timers_.find(timer)->event = scheduler_.schedule_after(after, [this, timer] {
    if (state_ == ProcessState::paused) {
      hold(HeldTimer{timer});
    } else {
      fire_timer(timer);
    }
  });
  return env::TimerId{timer.packed()};
}

void NodeHost::fire_timer(SlabHandle timer_handle) {
  if (!timers_.contains(timer_handle)) return;  // cancelled while held during a pause
  PendingTimer timer = timers_.take(timer_handle);
  trace_.append(now().us(), id_, trace::Kind::timer, timer.name, {});
  timer.fn();
}

bool NodeHost::cancel_timer(env::TimerId id) {
  const SlabHandle timer = SlabHandle::unpacked(id.value);
  const PendingTimer* pending = timers_.find(timer);
  if (pending == nullptr) return false;
  scheduler_.cancel(pending->event);  // may already have fired into the held queue
  timers_.erase(timer);
  return true;
}

void NodeHost::send(NodeId to, protocol::Body body) {
  require_running("send from a node that is not running");
  network_.send(protocol::Message{id_, to, std::move(body)});
}

void NodeHost::refuse(NodeId peer) {
  require_running("refuse from a node that is not running");
  trace_.append(now().us(), id_, trace::Kind::link, "connection-refused", {{"peer", peer}});
  network_.refuse(id_, peer);
}

void NodeHost::exit(std::string reason) {
  require_running("exit from a node that is not running");
  exit_reason_ = std::move(reason);
  trace_.append(now().us(), id_, trace::Kind::process, "exit-requested", {{"reason", exit_reason_}});
  kill(ProcessState::exited, "exited");
}

void NodeHost::record(const char* name, trace::FieldSpan fields) {
  require_running("record from a node that is not running");
  trace_.append(now().us(), id_, trace::Kind::state, name, fields);
}

void NodeHost::count(const char* name, std::int64_t delta) {
  require_running("count from a node that is not running");
  auto it = counters_.find(std::string_view(name));
  if (it == counters_.end()) it = counters_.emplace(name, 0).first;
  it->second += delta;
}

// ---- files ----

env::IoStatus NodeHost::traced(const char* op, std::string_view path, env::IoStatus status) {
  if (!status.ok()) {
    trace_.append(now().us(), id_, trace::Kind::disk, "io-error",
                  {{"op", op}, {"path", path}, {"error", env::to_string(status.error.code)}});
  }
  return status;
}

bool NodeHost::exists(std::string_view path) const { return disk_.exists(path); }
env::IoResult<std::uint64_t> NodeHost::size(std::string_view path) const { return disk_.size(path); }
std::vector<std::string> NodeHost::list(std::string_view dir) const { return disk_.list(dir); }

env::IoStatus NodeHost::create_exclusive(std::string_view path) {
  require_running("file operation on a node that is not running");
  return traced("create", path, disk_.create_exclusive(path));
}

env::IoStatus NodeHost::append(std::string_view path, env::ByteView bytes) {
  require_running("file operation on a node that is not running");
  return traced("append", path, disk_.append(path, bytes));
}

env::IoStatus NodeHost::write_at(std::string_view path, std::uint64_t offset, env::ByteView bytes) {
  require_running("file operation on a node that is not running");
  return traced("write", path, disk_.write_at(path, offset, bytes));
}

env::IoResult<env::Bytes> NodeHost::read(std::string_view path, std::uint64_t offset, std::uint64_t length) {
  require_running("file operation on a node that is not running");
  auto result = disk_.read(path, offset, length);
  if (!result.ok() && result.error().code != env::IoErrc::not_found) {
    (void)traced("read", path, env::IoStatus::failure(result.error().code, std::string(path)));
  }
  return result;
}

env::IoStatus NodeHost::truncate(std::string_view path, std::uint64_t new_size) {
  require_running("file operation on a node that is not running");
  return traced("truncate", path, disk_.truncate(path, new_size));
}

env::IoStatus NodeHost::rename(std::string_view from, std::string_view to) {
  require_running("file operation on a node that is not running");
  return traced("rename", from, disk_.rename(from, to));
}

env::IoStatus NodeHost::remove(std::string_view path) {
  require_running("file operation on a node that is not running");
  return traced("remove", path, disk_.remove(path));
}

void NodeHost::fsync(std::string_view path, env::SyncDone done) { start_sync(path, false, std::move(done)); }

void NodeHost::fsync_dir(std::string_view dir, env::SyncDone done) { start_sync(dir, true, std::move(done)); }

void NodeHost::start_sync(std::string_view path, bool directory, env::SyncDone done) {
  require_running("fsync on a node that is not running");
  const SlabHandle op = syncs_.insert(PendingSync{intern_path(path), directory, std::move(done), EventId{}, {}});
  syncs_.find(op)->event = scheduler_.schedule_after(disk_.fsync_latency(), [this, op] {
    // The sync happens at completion (a power loss before it loses the data); only the
    // program's callback waits while the process is paused.
    PendingSync* s = syncs_.find(op);
    KS_ASSERT(s != nullptr);
    s->result = s->directory ? disk_.sync_dir(*s->path) : disk_.sync_file(*s->path);
    trace_.append(now().us(), id_, trace::Kind::disk, s->directory ? "fsync-dir" : "fsync",
                  {{"path", *s->path}, {"ok", s->result.ok()}});
    if (state_ == ProcessState::paused) {
      hold(HeldSync{op});
    } else {
      complete_sync(op);
    }
  });
}

void NodeHost::complete_sync(SlabHandle op) {
  PendingSync s = syncs_.take(op);
  s.done(s.result);
}

const std::string* NodeHost::intern_path(std::string_view path) {
  auto it = paths_.find(path);
  if (it == paths_.end()) it = paths_.emplace(path).first;
  return &*it;
}

void NodeHost::read_async(std::string_view path, std::uint64_t offset, std::uint64_t length, env::ReadDone done) {
  require_running("read on a node that is not running");
  const Duration latency = disk_.read_latency(path, offset, length);
  const SlabHandle op = reads_.insert(PendingRead{intern_path(path), offset, length, std::move(done), EventId{}});
  reads_.find(op)->event = scheduler_.schedule_after(latency, [this, op] {
    if (state_ == ProcessState::paused) {
      hold(HeldRead{op});
    } else {
      complete_read(op);
    }
  });
}

void NodeHost::complete_read(SlabHandle op) {
  PendingRead r = reads_.take(op);
  r.done(read(*r.path, r.offset, r.length));
}

}  // namespace kraftsim::sim

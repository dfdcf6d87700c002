// One simulated node: its process (running, paused, or down after a crash or power loss), its
// disk, and the Env through which its Program sees the world.
//
// A crash (kill -9) ends the process: its timers, pending disk completions and connections die,
// its page cache survives. A power loss does the same and also loses every unsynced byte. A
// pause (a long GC) keeps the process but holds every timer, message and completion until resume,
// when they run in the order they arrived. A restart builds a new Program that sees only the disk.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>

#include "broker/env/env.h"
#include "sim/core/scheduler.h"
#include "sim/core/slab.h"
#include "sim/world/disk.h"
#include "sim/world/network.h"
#include "trace/trace.h"

namespace kraftsim::sim {

using ProgramFactory = std::function<std::unique_ptr<env::Program>(env::Env&)>;

enum class ProcessState { never_started, running, paused, crashed, power_lost, exited };
const char* to_string(ProcessState state);

class NodeHost final : public env::Env, private env::Files {
 public:
  // Work held while the process is paused, replayed in arrival order on resume.
  static constexpr std::size_t paused_work_max = 1u << 20;

  NodeHost(Scheduler& scheduler, trace::Trace& trace, Network& network, NodeId id, std::string name,
           std::uint64_t run_seed, DiskConfig disk_config, ProgramFactory factory);
  NodeHost(const NodeHost&) = delete;
  NodeHost& operator=(const NodeHost&) = delete;
  ~NodeHost() override;

  // Process control (the fault injector calls these; each is traced as a process event).
  void start();  // from never_started, crashed or power_lost: a new Program from the disk
  void crash();
  void power_loss();
  void pause();
  void resume();
  void request_shutdown();  // graceful: the program resigns what it leads, then exits
  // The disk is replaced by an empty one (a failed drive swapped): the process must be down.
  void replace_disk();

  ProcessState state() const { return state_; }
  bool is_up() const { return state_ == ProcessState::running || state_ == ProcessState::paused; }
  std::uint64_t incarnation() const { return incarnation_; }
  const std::string& name() const { return name_; }
  Disk& disk() { return disk_; }
  const Disk& disk() const { return disk_; }
  // The running program, for read-only inspection by checkers; nullptr when down.
  const env::Program* program() const { return program_.get(); }

  // Called by the world.
  void on_delivery(protocol::Message&& message);
  void on_connection_lost(NodeId peer);
  void on_connection_refused(NodeId peer);

  // env::Env
  NodeId self() const override { return id_; }
  Time now() const override { return scheduler_.now(); }
  env::TimerId set_timer(Duration after, const char* name, env::TimerFn fn) override;
  bool cancel_timer(env::TimerId id) override;
  void send(NodeId to, protocol::Body body) override;
  void refuse(NodeId peer) override;
  env::Files& files() override { return *this; }
  Rng& random() override { return rng_; }
  void record(const char* name, trace::FieldSpan fields) override;
  void count(const char* name, std::int64_t delta) override;
  void exit(std::string reason) override;
  // The node's counters (Env::count), summed over every process it ran, by name.
  const std::map<std::string, std::int64_t, std::less<>>& counters() const { return counters_; }
  // Why the process last exited on its own ("" if it did not).
  const std::string& exit_reason() const { return exit_reason_; }

 private:
  struct PendingTimer {
    const char* name = "";
    env::TimerFn fn;
    EventId event;
  };
  struct PendingSync {
    const std::string* path = nullptr;  // in paths_
    bool directory = false;
    env::SyncDone done;
    EventId event;
    env::IoStatus result;  // set when the disk completes the sync
  };
  struct PendingRead {
    const std::string* path = nullptr;  // in paths_
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    env::ReadDone done;
    EventId event;
  };
  struct HeldTimer { SlabHandle timer; };
  struct HeldSync { SlabHandle op; };
  struct HeldRead { SlabHandle op; };
  struct HeldLost {
    NodeId peer;
    bool refused = false;  // a refused connection (on_connection_refused), not a broken one
  };
  using HeldWork = std::variant<protocol::Message, HeldTimer, HeldSync, HeldRead, HeldLost>;

  // env::Files (private: reached through files())
  bool exists(std::string_view path) const override;
  env::IoResult<std::uint64_t> size(std::string_view path) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  env::IoStatus create_exclusive(std::string_view path) override;
  env::IoStatus append(std::string_view path, env::ByteView bytes) override;
  env::IoStatus write_at(std::string_view path, std::uint64_t offset, env::ByteView bytes) override;
  env::IoResult<env::Bytes> read(std::string_view path, std::uint64_t offset, std::uint64_t length) override;
  env::IoStatus truncate(std::string_view path, std::uint64_t new_size) override;
  env::IoStatus rename(std::string_view from, std::string_view to) override;
  env::IoStatus remove(std::string_view path) override;
  void fsync(std::string_view path, env::SyncDone done) override;
  void fsync_dir(std::string_view dir, env::SyncDone done) override;
  void read_async(std::string_view path, std::uint64_t offset, std::uint64_t length, env::ReadDone done) override;

  void kill(ProcessState new_state, const char* reason);
  void fire_timer(SlabHandle timer);
  void start_sync(std::string_view path, bool directory, env::SyncDone done);
  void complete_sync(SlabHandle op);
  void complete_read(SlabHandle op);
  // The path's copy in paths_ (pending operations outlive their caller's string).
  const std::string* intern_path(std::string_view path);
  void run_held(HeldWork&& work);
  void hold(HeldWork&& work);
  env::IoStatus traced(const char* op, std::string_view path, env::IoStatus status);
  void require_running(const char* what) const;

  Scheduler& scheduler_;
  trace::Trace& trace_;
  Network& network_;
  NodeId id_;
  std::string name_;
  std::uint64_t run_seed_;
  Rng rng_;
  Rng disk_rng_;
  Disk disk_;
  ProgramFactory factory_;

  ProcessState state_ = ProcessState::never_started;
  std::uint64_t incarnation_ = 0;
  std::unique_ptr<env::Program> program_;
  // Pending work of the running process. Never iterated in an order that matters: a kill only
  // cancels each entry's scheduler event.
  Slab<PendingTimer> timers_;
  Slab<PendingSync> syncs_;
  Slab<PendingRead> reads_;
  std::set<std::string, std::less<>> paths_;  // every path an fsync or read was started on
  std::deque<HeldWork> held_;  // while paused
  std::string exit_reason_;
  std::map<std::string, std::int64_t, std::less<>> counters_;  // Env::count, across restarts
  bool exit_requested_ = false;
  std::unique_ptr<env::Program> dying_program_;  // destroyed once its handler has returned
};

}  // namespace kraftsim::sim

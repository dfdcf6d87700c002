// The Env: the only door between node code (broker/) and the world. Through it a node reads
// the time, sets timers, sends messages, uses the files of its own disk, draws random numbers
// and reports state changes for the trace. The simulator implements it per simulated node
// (sim/world/node_host.h); a real runtime would implement it with a clock, sockets and files,
// and nothing in broker/ would change. broker/ never includes sim/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/callback.h"
#include "base/random.h"
#include "base/time.h"
#include "broker/env/files.h"
#include "broker/env/node_id.h"
#include "broker/protocol/message.h"
#include "trace/event.h"

namespace kraftsim::env {

// Names a pending timer; opaque to node code.
struct TimerId {
  std::uint64_t value = 0;
  bool valid() const { return value != 0; }
  auto operator<=>(const TimerId&) const = default;
};

using TimerFn = Callback<void(), 48>;

class Env {
 public:
  virtual ~Env() = default;

  virtual NodeId self() const = 0;
  virtual Time now() const = 0;

  // Runs fn after `after` (>= 0) unless cancelled or the process dies first. `name` shows in
  // the trace ("election-timeout", "linger"...); it must be a string literal or outlive the run.
  virtual TimerId set_timer(Duration after, const char* name, TimerFn fn) = 0;
  // Returns false if the timer already fired or was cancelled.
  virtual bool cancel_timer(TimerId id) = 0;

  // Hands a message to the network; delivery is not guaranteed (links break, peers die).
  virtual void send(NodeId to, protocol::Body body) = 0;
  // A request from `peer` reached a listener that is not open (Kafka's broker listener before the
  // broker is unfenced): the connection is refused, and `peer` learns it one network delay later
  // (Program::on_connection_refused). The request is dropped. Other traffic between the two
  // nodes (another listener's connection) is not affected.
  virtual void refuse(NodeId peer) = 0;

  virtual Files& files() = 0;
  // This node's random stream, derived from the run seed and the node id.
  virtual Rng& random() = 0;

  // Reports a protocol state change (role, epoch, leader, high watermark...) to the trace. The
  // fields are borrowed for the call: `record("raft-state", {{"epoch", epoch}, ...})`.
  virtual void record(const char* name, trace::FieldSpan fields) = 0;
  // Adds delta to one of the node's counters (a metric, as Kafka's meters: bytes appended to the
  // logs per codec, ...), too frequent to trace one by one. The environment keeps the totals for
  // the node across restarts, so a run can report them at its end. `name` must be a string
  // literal or outlive the run.
  virtual void count(const char* name, std::int64_t delta) = 0;

  // The process exits on its own (a start-up check failed: unformatted storage, ...). The
  // Program is destroyed after the current handler returns; nothing it scheduled will run.
  virtual void exit(std::string reason) = 0;
};

// What a node runs. A new Program is constructed at every (re)start and must rebuild its state
// from its disk only: whatever it kept in memory died with the previous process.
class Program {
 public:
  virtual ~Program() = default;
  virtual void on_start() = 0;
  virtual void on_message(const protocol::Message& message) = 0;
  // The connection to peer broke (after the network's detection delay).
  virtual void on_connection_lost(NodeId peer) = 0;
  // peer refused a connection of ours (Env::refuse): its listener is not open. A program with one
  // connection to each peer (a client) treats it as that connection lost, the default.
  virtual void on_connection_refused(NodeId peer) { on_connection_lost(peer); }
  // An operator asked for a graceful shutdown (SIGTERM): finish what must be finished (a Raft
  // leader resigns with EndQuorumEpoch) and then call Env::exit. The default exits at once.
  virtual void on_shutdown_requested(Env& env) { env.exit("graceful shutdown"); }
};

}  // namespace kraftsim::env

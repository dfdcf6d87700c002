// The kernel demo program: every node pings every other node at a fixed interval and answers
// pings with pongs; each pong it receives is appended to a file on its disk, and every
// `sync_every` records the file is fsynced. On start it counts the records it finds on disk.
//
// It exists to show the simulation kernel at work before Kafka runs on it: partitions stop the
// pings, a crash keeps the unsynced records (page cache), a power loss loses them.
#pragma once

#include <cstdint>
#include <vector>

#include "broker/env/env.h"

namespace kraftsim::demo {

struct PingerConfig {
  std::vector<NodeId> peers;      // every other node
  Duration interval = milliseconds(100);
  std::int32_t padding_bytes = 0;
  std::int64_t sync_every = 10;  // fsync the pong log every N records (>= 1)
};

class Pinger final : public env::Program {
 public:
  static constexpr const char* log_path = "pinger/pongs.log";
  static constexpr std::uint64_t record_bytes = 16;  // peer id (8) + sequence (8), little endian

  Pinger(env::Env& env, PingerConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;

  // Read-only accessors for checks and tests.
  std::int64_t records_recovered() const { return records_recovered_; }
  std::int64_t records_appended() const { return records_appended_; }
  std::int64_t records_synced() const { return records_synced_; }

 private:
  void on_ping_timer();
  void on_pong(NodeId from, const Pong& pong);

  env::Env& env_;
  PingerConfig config_;
  std::int64_t next_sequence_ = 0;
  std::int64_t records_recovered_ = 0;  // found on disk at start
  std::int64_t records_appended_ = 0;   // on disk now (recovered + appended since start)
  std::int64_t records_synced_ = 0;     // durable as of the last completed fsync
  bool sync_in_flight_ = false;
};

}  // namespace kraftsim::demo

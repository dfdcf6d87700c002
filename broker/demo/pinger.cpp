// Pinger: the kernel demo's node program (see pinger.h).
#include "broker/demo/pinger.h"

#include <array>

#include "base/assert.h"

namespace kraftsim::demo {

namespace {
std::array<std::uint8_t, Pinger::record_bytes> encode_record(NodeId peer, std::int64_t sequence) {
  std::array<std::uint8_t, Pinger::record_bytes> out{};
  const auto p = static_cast<std::uint64_t>(peer);
  const auto s = static_cast<std::uint64_t>(sequence);
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(p >> (8 * i));
    out[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(s >> (8 * i));
  }
  return out;
}
}  // namespace

Pinger::Pinger(env::Env& env, PingerConfig config) : env_(env), config_(std::move(config)) {
  KS_ASSERT(config_.sync_every >= 1);
  KS_ASSERT(config_.interval.us() > 0);
}

void Pinger::on_start() {
  // Rebuild from disk only: count whole records; a torn partial record at the end is ignored
  // and cut off so that new records stay aligned.
  if (!env_.files().exists(log_path)) {
    // A new name is durable only once its directory is synced (as Kafka's Utils.flushDir).
    if (env_.files().create_exclusive(log_path).ok()) env_.files().fsync_dir("pinger", [](env::IoStatus) {});
  }
  auto size = env_.files().size(log_path);
  std::uint64_t bytes = size.ok() ? size.value() : 0;
  const std::uint64_t whole = bytes / record_bytes * record_bytes;
  if (whole != bytes) {
    auto status = env_.files().truncate(log_path, whole);
    KS_ASSERT(status.ok());
  }
  records_recovered_ = static_cast<std::int64_t>(whole / record_bytes);
  records_appended_ = records_recovered_;
  records_synced_ = records_recovered_;  // what we found may not be durable yet, but was before
  env_.record("recovered", {{"records", records_recovered_}, {"torn_bytes", static_cast<std::int64_t>(bytes - whole)}});
  env_.set_timer(config_.interval, "ping", [this] { on_ping_timer(); });
}

void Pinger::on_ping_timer() {
  for (NodeId peer : config_.peers) {
    env_.send(peer, Ping{next_sequence_, env_.now().us(), config_.padding_bytes});
  }
  ++next_sequence_;
  env_.set_timer(config_.interval, "ping", [this] { on_ping_timer(); });
}

void Pinger::on_message(const protocol::Message& message) {
  if (const auto* ping = std::get_if<Ping>(&message.body)) {
    env_.send(message.from, Pong{ping->sequence, ping->sent_at_us});
  } else if (const auto* pong = std::get_if<Pong>(&message.body)) {
    on_pong(message.from, *pong);
  }
}

void Pinger::on_pong(NodeId from, const Pong& pong) {
  const auto record = encode_record(from, pong.sequence);
  auto status = env_.files().append(log_path, record);
  if (!status.ok()) return;  // disk full or failing: the record is simply not kept
  ++records_appended_;
  if (records_appended_ % config_.sync_every == 0 && !sync_in_flight_) {
    sync_in_flight_ = true;
    const std::int64_t covered = records_appended_;
    env_.files().fsync(log_path, [this, covered](env::IoStatus result) {
      sync_in_flight_ = false;
      if (!result.ok()) return;
      records_synced_ = covered;
      env_.record("synced", {{"records", covered}});
    });
  }
}

void Pinger::on_connection_lost(NodeId /*peer*/) {}

}  // namespace kraftsim::demo

// The LeaderChange control-record codec declared in types.h. The layout is ours (Kafka's is a
// generated message schema); it only has to be stable and self-checking.
#include "broker/raft/types.h"

#include "base/assert.h"

namespace kraftsim::raft {
namespace {

constexpr std::uint16_t leader_change_version = 0;
constexpr std::uint32_t leader_change_max_ids = 1024;  // a sanity bound for decoding

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xff));
}

void put_ids(Bytes& out, const std::vector<NodeId>& ids) {
  KS_ASSERT(ids.size() <= leader_change_max_ids);
  put_u32(out, static_cast<std::uint32_t>(ids.size()));
  for (NodeId id : ids) put_u32(out, static_cast<std::uint32_t>(id));
}

// Reads little-endian integers from a byte view, remembering whether it ran out.
class Reader {
 public:
  explicit Reader(ByteView bytes) : bytes_(bytes) {}

  std::uint32_t u32() {
    if (bytes_.size() - position_ < 4) {
      failed_ = true;
      return 0;
    }
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(bytes_[position_ + i]) << (8 * i);
    position_ += 4;
    return v;
  }
  std::uint16_t u16() {
    if (bytes_.size() - position_ < 2) {
      failed_ = true;
      return 0;
    }
    const auto v = static_cast<std::uint16_t>(bytes_[position_] | (bytes_[position_ + 1] << 8));
    position_ += 2;
    return v;
  }
  bool ids(std::vector<NodeId>& out) {
    const std::uint32_t count = u32();
    if (failed_ || count > leader_change_max_ids) return false;
    out.reserve(count);
    for (std::uint32_t i = 0; i < count && !failed_; ++i) out.push_back(static_cast<NodeId>(u32()));
    return !failed_;
  }
  bool failed() const { return failed_; }
  bool at_end() const { return position_ == bytes_.size(); }

 private:
  ByteView bytes_;
  std::size_t position_ = 0;
  bool failed_ = false;
};

}  // namespace

Bytes encode_leader_change(const LeaderChange& change) {
  KS_ASSERT(change.leader_id != no_node);
  Bytes out;
  out.reserve(2 + 4 + 8 + 4 * (change.voters.size() + change.granting_voters.size()));
  put_u16(out, leader_change_version);
  put_u32(out, static_cast<std::uint32_t>(change.leader_id));
  put_ids(out, change.voters);
  put_ids(out, change.granting_voters);
  return out;
}

std::optional<LeaderChange> decode_leader_change(ByteView bytes) {
  Reader reader(bytes);
  if (reader.u16() != leader_change_version || reader.failed()) return std::nullopt;
  LeaderChange change;
  change.leader_id = static_cast<NodeId>(reader.u32());
  if (reader.failed() || !reader.ids(change.voters) || !reader.ids(change.granting_voters)) return std::nullopt;
  if (!reader.at_end()) return std::nullopt;
  return change;
}

}  // namespace kraftsim::raft

// Kafka's OffsetCommitKey / OffsetCommitValue binary encodings (see offset_records.h).
#include "broker/coordinator/offset_records.h"

#include <fmt/format.h>

namespace kraftsim::coordinator {

namespace {

// Kafka's strings are at most 32767 bytes (int16 length); group ids and topics are far shorter.
constexpr std::size_t string_bytes_max = 32767;

void put_int(RecordBytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_string(RecordBytes& out, const std::string& s) {
  KS_ASSERT(s.size() <= string_bytes_max);
  put_int(out, s.size(), 2);
  out.insert(out.end(), s.begin(), s.end());
}

class Reader {
 public:
  explicit Reader(const RecordBytes& bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == bytes_.size(); }
  std::uint64_t read_int(int n) {
    if (!ok_ || at_ + static_cast<std::size_t>(n) > bytes_.size()) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | bytes_[at_++];
    return v;
  }
  std::string read_string() {
    const auto length = static_cast<std::int16_t>(read_int(2));
    if (!ok_ || length < 0 || at_ + static_cast<std::size_t>(length) > bytes_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(bytes_.begin() + static_cast<std::ptrdiff_t>(at_),
                  bytes_.begin() + static_cast<std::ptrdiff_t>(at_) + length);
    at_ += static_cast<std::size_t>(length);
    return s;
  }

 private:
  const RecordBytes& bytes_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

RecordBytes encode_offset_commit_key(const OffsetCommitKey& key) {
  RecordBytes out;
  put_int(out, static_cast<std::uint16_t>(offset_commit_key_version), 2);
  put_string(out, key.group);
  put_string(out, key.topic);
  put_int(out, static_cast<std::uint32_t>(key.partition), 4);
  return out;
}

RecordBytes encode_offset_commit_value(const OffsetCommitValue& value) {
  RecordBytes out;
  put_int(out, static_cast<std::uint16_t>(offset_commit_value_version), 2);
  put_int(out, static_cast<std::uint64_t>(value.offset), 8);
  put_int(out, static_cast<std::uint32_t>(value.leader_epoch), 4);
  put_string(out, value.metadata);
  put_int(out, static_cast<std::uint64_t>(value.commit_timestamp_ms), 8);
  return out;
}

RecordBytes encode_group_metadata_key(const std::string& group) {
  RecordBytes out;
  put_int(out, static_cast<std::uint16_t>(group_metadata_key_version), 2);
  put_string(out, group);
  return out;
}

RecordBytes encode_group_metadata_value(const GroupMetadataValue& value) {
  RecordBytes out;
  put_int(out, 3, 2);
  put_string(out, value.protocol_type);
  put_int(out, static_cast<std::uint32_t>(value.generation), 4);
  put_string(out, value.protocol);
  put_string(out, value.leader);
  put_int(out, static_cast<std::uint64_t>(value.current_state_timestamp_ms), 8);
  put_int(out, 0, 4);  // members: not persisted by kraftsim
  return out;
}

Result<GroupMetadataValue, std::string> decode_group_metadata_value(const RecordBytes& bytes) {
  Reader r(bytes);
  const auto version = static_cast<std::int16_t>(r.read_int(2));
  if (!r.ok() || version != 3) return unexpected(fmt::format("GroupMetadataValue v{} is not read by kraftsim", version));
  GroupMetadataValue v;
  v.protocol_type = r.read_string();
  v.generation = static_cast<std::int32_t>(r.read_int(4));
  v.protocol = r.read_string();
  v.leader = r.read_string();
  v.current_state_timestamp_ms = static_cast<std::int64_t>(r.read_int(8));
  (void)r.read_int(4);
  if (!r.ok()) return unexpected(std::string("malformed GroupMetadataValue v3"));
  return v;
}

Result<DecodedKey, std::string> decode_key(const RecordBytes& bytes) {
  Reader r(bytes);
  DecodedKey out;
  out.version = static_cast<std::int16_t>(r.read_int(2));
  if (!r.ok()) return unexpected(std::string("key shorter than its version"));
  if (out.version == group_metadata_key_version) {
    out.group_metadata = r.read_string();
    if (!r.ok() || !r.at_end()) return unexpected(std::string("malformed GroupMetadataKey"));
    return out;
  }
  if (out.version != 0 && out.version != 1) return out;  // a record type kraftsim does not know
  OffsetCommitKey key;
  key.group = r.read_string();
  key.topic = r.read_string();
  key.partition = static_cast<std::int32_t>(r.read_int(4));
  if (!r.ok() || !r.at_end()) return unexpected(fmt::format("malformed OffsetCommitKey v{}", out.version));
  out.offset_commit = std::move(key);
  return out;
}

Result<OffsetCommitValue, std::string> decode_offset_commit_value(const RecordBytes& bytes) {
  Reader r(bytes);
  const auto version = static_cast<std::int16_t>(r.read_int(2));
  if (!r.ok() || version < 0 || version > 4) return unexpected(fmt::format("unknown OffsetCommitValue version {}", version));
  OffsetCommitValue v;
  v.offset = static_cast<std::int64_t>(r.read_int(8));
  if (version >= 3) v.leader_epoch = static_cast<std::int32_t>(r.read_int(4));
  v.metadata = r.read_string();
  v.commit_timestamp_ms = static_cast<std::int64_t>(r.read_int(8));
  if (version == 1) (void)r.read_int(8);  // v1's expire_timestamp
  if (!r.ok()) return unexpected(fmt::format("malformed OffsetCommitValue v{}", version));
  return v;
}

}  // namespace kraftsim::coordinator

// Kafka's OffsetCommitKey / OffsetCommitValue binary encodings (see offset_records.h).
#include "broker/coordinator/offset_records.h"

#include <fmt/format.h>

namespace kraftsim::coordinator {

namespace {

// Kafka's strings are at most 32767 bytes (int16 length); group ids and topics are far shorter.
constexpr std::size_t string_bytes_max = 32767;
// Arrays read from a record: members, topics, partitions (a runaway guard).
constexpr std::int32_t array_items_max = 100'000;

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
  void fail() { ok_ = false; }
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

namespace {

// [topic string | [int32 partition]], grouping consecutive entries of one topic.
void put_topic_partitions(RecordBytes& out, const std::vector<TopicPartitionRef>& partitions) {
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> topics;
  for (const auto& tp : partitions) {
    if (topics.empty() || topics.back().first != tp.topic) topics.push_back({tp.topic, {}});
    topics.back().second.push_back(tp.partition);
  }
  put_int(out, topics.size(), 4);
  for (const auto& [topic, list] : topics) {
    put_string(out, topic);
    put_int(out, list.size(), 4);
    for (std::int32_t p : list) put_int(out, static_cast<std::uint32_t>(p), 4);
  }
}

std::vector<TopicPartitionRef> read_topic_partitions(Reader& r) {
  std::vector<TopicPartitionRef> out;
  const auto topics = static_cast<std::int32_t>(r.read_int(4));
  for (std::int32_t t = 0; r.ok() && t < topics && t < array_items_max; ++t) {
    const std::string topic = r.read_string();
    const auto count = static_cast<std::int32_t>(r.read_int(4));
    for (std::int32_t i = 0; r.ok() && i < count && i < array_items_max; ++i) {
      out.push_back({topic, static_cast<std::int32_t>(r.read_int(4))});
    }
  }
  return out;
}

void put_bytes(RecordBytes& out, const RecordBytes& bytes) {
  put_int(out, bytes.size(), 4);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

RecordBytes encode_subscription(const MemberMetadata& m) {
  RecordBytes out;
  put_int(out, 1, 2);
  put_int(out, m.subscribed_topics.size(), 4);
  for (const auto& t : m.subscribed_topics) put_string(out, t);
  put_int(out, 0xFFFFFFFFu, 4);  // user_data: null
  put_topic_partitions(out, m.owned_partitions);
  return out;
}

RecordBytes encode_assignment(const MemberMetadata& m) {
  RecordBytes out;
  put_int(out, 1, 2);
  put_topic_partitions(out, m.assignment);
  put_int(out, 0xFFFFFFFFu, 4);  // user_data: null
  return out;
}

}  // namespace

RecordBytes encode_group_metadata_value(const GroupMetadataValue& value) {
  RecordBytes out;
  put_int(out, 3, 2);
  put_string(out, value.protocol_type);
  put_int(out, static_cast<std::uint32_t>(value.generation), 4);
  put_string(out, value.protocol);
  put_string(out, value.leader);
  put_int(out, static_cast<std::uint64_t>(value.current_state_timestamp_ms), 8);
  put_int(out, value.members.size(), 4);
  for (const auto& m : value.members) {
    put_string(out, m.member_id);
    put_int(out, 0xFFFF, 2);  // group_instance_id: null (no static membership)
    put_string(out, m.client_id);
    put_string(out, m.client_host);
    put_int(out, static_cast<std::uint32_t>(m.rebalance_timeout_ms), 4);
    put_int(out, static_cast<std::uint32_t>(m.session_timeout_ms), 4);
    put_bytes(out, encode_subscription(m));
    put_bytes(out, encode_assignment(m));
  }
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
  const auto members = static_cast<std::int32_t>(r.read_int(4));
  for (std::int32_t i = 0; r.ok() && i < members && i < array_items_max; ++i) {
    MemberMetadata m;
    m.member_id = r.read_string();
    if (static_cast<std::int16_t>(r.read_int(2)) != -1) r.fail();  // static members: not written by kraftsim
    m.client_id = r.read_string();
    m.client_host = r.read_string();
    m.rebalance_timeout_ms = static_cast<std::int32_t>(r.read_int(4));
    m.session_timeout_ms = static_cast<std::int32_t>(r.read_int(4));
    (void)r.read_int(4);  // the subscription's length
    if (static_cast<std::int16_t>(r.read_int(2)) != 1) r.fail();
    const auto topics = static_cast<std::int32_t>(r.read_int(4));
    for (std::int32_t t = 0; r.ok() && t < topics && t < array_items_max; ++t) m.subscribed_topics.push_back(r.read_string());
    (void)r.read_int(4);  // user_data: null
    m.owned_partitions = read_topic_partitions(r);
    (void)r.read_int(4);  // the assignment's length
    if (static_cast<std::int16_t>(r.read_int(2)) != 1) r.fail();
    m.assignment = read_topic_partitions(r);
    (void)r.read_int(4);  // user_data: null
    v.members.push_back(std::move(m));
  }
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

// The records the group coordinator writes to __consumer_offsets, in Kafka's binary schemas
// (GroupCoordinatorRecordSerde; OffsetCommitKey.json / OffsetCommitValue.json): every field
// big-endian, strings as an int16 length and the bytes.
//   key   = int16 version (1) | group string | topic string | int32 partition   (OffsetCommitKey v1)
//   value = int16 version (3) | int64 offset | int32 leader_epoch | metadata string |
//           int64 commit_timestamp                                               (OffsetCommitValue v3)
// A record with a null value is a tombstone (the offset was deleted). Keys of version 2 are
// GroupMetadata records:
//   key   = int16 version (2) | group string                                     (GroupMetadataKey v2)
//   value = int16 version (3) | protocol_type string | int32 generation | protocol string |
//           leader string | int64 current_state_timestamp | int32 member count   (GroupMetadataValue v3)
// kraftsim writes them with an empty member list: a new coordinator learns each group's
// generation (generations never go back) but not its members, who rejoin (docs/groups.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace kraftsim::coordinator {

using RecordBytes = std::vector<std::uint8_t>;

inline constexpr std::int16_t offset_commit_key_version = 1;
inline constexpr std::int16_t offset_commit_value_version = 3;
inline constexpr std::int16_t group_metadata_key_version = 2;

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const OffsetCommitKey&) const = default;
};

struct OffsetCommitValue {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::int64_t commit_timestamp_ms = 0;
  bool operator==(const OffsetCommitValue&) const = default;
};

struct GroupMetadataValue {
  std::string protocol_type = "consumer";
  std::int32_t generation = 0;
  std::string protocol;
  std::string leader;
  std::int64_t current_state_timestamp_ms = 0;
};

RecordBytes encode_offset_commit_key(const OffsetCommitKey& key);
RecordBytes encode_group_metadata_key(const std::string& group);
RecordBytes encode_group_metadata_value(const GroupMetadataValue& value);
Result<GroupMetadataValue, std::string> decode_group_metadata_value(const RecordBytes& bytes);
RecordBytes encode_offset_commit_value(const OffsetCommitValue& value);

// A decoded key: an offset commit (versions 0 and 1), or another record type to skip.
struct DecodedKey {
  std::optional<OffsetCommitKey> offset_commit;  // versions 0 and 1
  std::optional<std::string> group_metadata;     // version 2: the group id
  std::int16_t version = -1;
};
Result<DecodedKey, std::string> decode_key(const RecordBytes& bytes);
Result<OffsetCommitValue, std::string> decode_offset_commit_value(const RecordBytes& bytes);

}  // namespace kraftsim::coordinator

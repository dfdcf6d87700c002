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
//           leader string | int64 current_state_timestamp | int32 member count, then per member:
//           member_id string | group_instance_id string (-1: null) | client_id string |
//           client_host string | int32 rebalance_timeout | int32 session_timeout |
//           subscription bytes | assignment bytes                            (GroupMetadataValue v3)
// The subscription and assignment bytes are the consumer's own encodings
// (ConsumerProtocolSubscription v1: int16 version | [topic string] | user_data bytes (-1) |
// [topic string | [int32 partition]]; ConsumerProtocolAssignment v1: int16 version |
// [topic string | [int32 partition]] | user_data bytes (-1)). A new coordinator so learns each
// group's generation, members and assignment, and the members carry on without a rebalance.
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

struct TopicPartitionRef {
  std::string topic;
  std::int32_t partition = 0;
  bool operator==(const TopicPartitionRef&) const = default;
};

struct MemberMetadata {
  std::string member_id;
  std::string client_id;
  std::string client_host = "/kraftsim";
  std::int32_t rebalance_timeout_ms = 0;
  std::int32_t session_timeout_ms = 0;
  std::vector<std::string> subscribed_topics;       // ConsumerProtocolSubscription
  std::vector<TopicPartitionRef> owned_partitions;  // ConsumerProtocolSubscription v1
  std::vector<TopicPartitionRef> assignment;        // ConsumerProtocolAssignment
  bool operator==(const MemberMetadata&) const = default;
};

struct GroupMetadataValue {
  std::string protocol_type = "consumer";
  std::int32_t generation = 0;
  std::string protocol;
  std::string leader;
  std::int64_t current_state_timestamp_ms = 0;
  std::vector<MemberMetadata> members;
  bool operator==(const GroupMetadataValue&) const = default;
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

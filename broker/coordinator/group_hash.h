// Which partition of __consumer_offsets holds a group, and so which broker coordinates it:
// Kafka's GroupMetadataManager.partitionFor(groupId) = Utils.abs(groupId.hashCode()) %
// offsets.topic.num.partitions, where hashCode is java.lang.String.hashCode (over UTF-16 code
// units, int32 wrapping) and Utils.abs(n) is n & 0x7fffffff (not Math.abs: Integer.MIN_VALUE
// maps to 0).
#pragma once

#include <cstdint>
#include <string_view>

namespace kraftsim::coordinator {

inline constexpr const char* offsets_topic = "__consumer_offsets";

// java.lang.String.hashCode of the UTF-8 text (decoded to UTF-16 code units as Java holds it).
std::int32_t java_string_hash(std::string_view utf8);

// The __consumer_offsets partition of group_id (offsets_partitions > 0).
std::int32_t partition_for_group(std::string_view group_id, std::int32_t offsets_partitions);

}  // namespace kraftsim::coordinator

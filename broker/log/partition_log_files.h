// The names and text formats of the files in a partition's directory, as Kafka lays them out:
//
//   my-topic-0/00000000000000000000.log        record batches (the segment's base offset, 20 digits)
//   my-topic-0/00000000000000000000.index      offset index (offset_index.h)
//   my-topic-0/00000000000000000000.timeindex  time index (time_index.h)
//   my-topic-0/leader-epoch-checkpoint          epoch -> start offset (leader_epoch_cache.h)
//   my-topic-0/recovery-point-offset-checkpoint where recovery starts after an unclean shutdown
//   my-topic-0/.kafka_cleanshutdown             written by a clean close, removed at open
//
// Checkpoint files use Kafka's CheckpointFile text format: a version line ("0"), a count line,
// then one entry per line, every line ending in '\n'; they are replaced through "<name>.tmp" and a
// rename. Two kraftsim differences, both because one PartitionLog owns one directory and no
// LogManager exists: Kafka keeps one recovery-point-offset-checkpoint and one clean-shutdown file
// per log directory (for all its partitions), kraftsim keeps them in the partition's directory
// (same formats: "topic partition offset" entries, and KIP-966's JSON marker). The marker's JSON
// carries, instead of Kafka's broker epoch, the log end offset and the active segment's base offset
// and size at close; open trusts the marker only when they match the files (see
// partition_log_recovery.cpp for why).
// Pure formatting and parsing: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kraftsim::log {

inline constexpr std::string_view log_file_suffix = ".log";
inline constexpr std::string_view offset_index_file_suffix = ".index";
inline constexpr std::string_view time_index_file_suffix = ".timeindex";
inline constexpr std::string_view temporary_file_suffix = ".tmp";
inline constexpr std::string_view leader_epoch_checkpoint_file_name = "leader-epoch-checkpoint";
inline constexpr std::string_view recovery_point_checkpoint_file_name = "recovery-point-offset-checkpoint";
inline constexpr std::string_view clean_shutdown_file_name = ".kafka_cleanshutdown";

// Kafka's topic name rules (Topic.validate): 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
inline constexpr std::size_t topic_name_length_max = 249;
// Checkpoint files are small; anything bigger is not one of ours.
inline constexpr std::size_t checkpoint_file_bytes_max = 1024 * 1024;
inline constexpr std::size_t checkpoint_entries_max = 65536;

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  bool operator==(const TopicPartition&) const = default;
};

// nullopt when the topic name and partition number are valid, else why not.
std::optional<std::string> check_topic_partition(const TopicPartition& topic_partition);

// "my-topic-0" (Kafka's UnifiedLog.logDirName).
std::string partition_directory_name(const TopicPartition& topic_partition);
// "00000000000000000042" (LogFileUtils.filenamePrefixFromOffset).
std::string segment_file_stem(std::int64_t base_offset);
// The base offset of "<20 digits><suffix>", or nullopt when `name` is not such a name.
std::optional<std::int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix);

// Kafka's CheckpointFile: "<version>\n<count>\n" then the entry lines, each ending in '\n'.
std::string encode_checkpoint_file(std::int32_t version, const std::vector<std::string>& entry_lines);
// The entry lines of a checkpoint file of `expected_version`. Rejects a wrong version, a count that
// does not match the lines, a missing final newline (a torn write), more than
// checkpoint_entries_max entries.
Result<std::vector<std::string>, std::string> parse_checkpoint_file(std::string_view text, std::int32_t expected_version);
// Splits "a b c" on single spaces into exactly `fields` non-empty fields; nullopt otherwise.
std::optional<std::vector<std::string>> split_fields(std::string_view line, std::size_t fields);
// A decimal integer of the whole string, nullopt otherwise.
std::optional<std::int64_t> parse_int64(std::string_view text);

// recovery-point-offset-checkpoint: version 0, entries "topic partition offset".
std::string encode_recovery_point_checkpoint(const TopicPartition& topic_partition, std::int64_t recovery_point);
// The recovery point recorded for topic_partition (nullopt when the file has no entry for it).
Result<std::optional<std::int64_t>, std::string> parse_recovery_point_checkpoint(std::string_view text,
                                                                                 const TopicPartition& topic_partition);

// The clean-shutdown marker's content.
struct CleanShutdownMarker {
  std::int64_t log_end_offset = 0;
  std::int64_t active_segment_base_offset = 0;
  std::uint64_t active_segment_size_bytes = 0;

  bool operator==(const CleanShutdownMarker&) const = default;
};
// {"version":0,"logEndOffset":N,"activeSegmentBaseOffset":B,"activeSegmentSizeBytes":S}
std::string encode_clean_shutdown_marker(const CleanShutdownMarker& marker);
Result<CleanShutdownMarker, std::string> parse_clean_shutdown_marker(std::string_view text);

}  // namespace kraftsim::log

// The configuration of one partition log, with Kafka's keys, defaults and valid ranges
// (LogConfig / ServerLogConfigs in Kafka's storage module). Broker-level names
// (log.segment.bytes, ...) set the defaults; topic-level names (segment.bytes, ...) override
// them, as a topic's config overrides the broker's in Kafka. Keys this file does not know are
// ignored: a whole node's properties may be passed in. Errors name the key at fault.
// No I/O and no clock here.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "base/result.h"

namespace kraftsim::log {

inline constexpr std::int64_t flush_never = std::numeric_limits<std::int64_t>::max();  // Long.MAX_VALUE
inline constexpr std::int64_t retention_unlimited = -1;

struct LogConfig {
  // log.segment.bytes / segment.bytes: a segment rolls when the next append would pass it.
  std::int64_t segment_bytes = 1073741824;
  // log.roll.ms (or log.roll.hours) / segment.ms: a segment rolls once it is this old, measured
  // by record timestamps when it has them, else by the time since the segment was created.
  std::int64_t segment_ms = 604800000;
  // log.index.size.max.bytes / segment.index.bytes: a full offset or time index rolls the segment.
  std::int64_t segment_index_bytes = 10485760;
  // log.index.interval.bytes / index.interval.bytes: bytes of batches between index entries.
  std::int64_t index_interval_bytes = 4096;
  // log.retention.ms (or .minutes, .hours) / retention.ms: -1 keeps segments forever.
  std::int64_t retention_ms = 604800000;
  // log.retention.bytes / retention.bytes: -1 means no size limit.
  std::int64_t retention_bytes = retention_unlimited;
  // log.flush.interval.messages / flush.messages: fsync after this many unflushed offsets.
  // Kafka's default is Long.MAX_VALUE: never; the OS page cache and replication carry durability.
  std::int64_t flush_interval_messages = flush_never;
  // log.flush.interval.ms / flush.ms: fsync when the last flush is this old. Default: never.
  std::int64_t flush_interval_ms = flush_never;
  // log.flush.offset.checkpoint.interval.ms: how often the recovery point is written to disk.
  std::int64_t flush_offset_checkpoint_interval_ms = 60000;

  bool operator==(const LogConfig&) const = default;
};

struct LogConfigError {
  std::string key;      // the Kafka config key at fault
  std::string message;  // what was expected and what was found
};

// Reads the keys above from Kafka-style properties, checking Kafka's valid ranges. A topic-level
// key wins over its broker-level name; log.retention.ms wins over .minutes over .hours and
// log.roll.ms over log.roll.hours, as in Kafka.
Result<LogConfig, LogConfigError> parse_log_config(const std::map<std::string, std::string>& properties);

}  // namespace kraftsim::log

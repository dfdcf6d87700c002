// Parsing of a partition log's configuration keys (see log_config.h).
#include "broker/log/log_config.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <string_view>

namespace kraftsim::log {

namespace {

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
// LegacyRecord.RECORD_OVERHEAD_V0: Kafka 3.x's lower bound on log.segment.bytes.
constexpr std::int64_t segment_bytes_min = 14;

struct Range {
  std::int64_t min;
  std::int64_t max;
};

// The value of the first of `keys` present in `properties`, checked against `range`, multiplied
// by `unit` (hours to ms, ...); nullopt when none is present.
Result<std::optional<std::int64_t>, LogConfigError> read_key(const std::map<std::string, std::string>& properties,
                                                             std::string_view key, Range range,
                                                             std::int64_t unit = 1) {
  const auto it = properties.find(std::string(key));
  if (it == properties.end()) return std::optional<std::int64_t>{};
  const std::string& text = it->second;
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return unexpected(LogConfigError{std::string(key), fmt::format("expected an integer, got \"{}\"", text)});
  }
  if (value < range.min || value > range.max) {
    return unexpected(LogConfigError{std::string(key),
                                     fmt::format("must be in [{}, {}], got {}", range.min, range.max, value)});
  }
  if (unit != 1 && value > int64_max / unit) {
    return unexpected(LogConfigError{std::string(key), fmt::format("{} overflows when converted to ms", value)});
  }
  return std::optional<std::int64_t>{value * unit};
}

// Sets `field` from the first present key of `keys_by_precedence` (highest precedence first).
std::optional<LogConfigError> apply(const std::map<std::string, std::string>& properties, std::int64_t& field,
                                    std::initializer_list<std::pair<std::string_view, std::int64_t>> keys_by_precedence,
                                    Range range) {
  for (const auto& [key, unit] : keys_by_precedence) {
    auto value = read_key(properties, key, range, unit);
    if (!value.ok()) return value.error();
    if (value->has_value()) {
      field = **value;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<LogConfig, LogConfigError> parse_log_config(const std::map<std::string, std::string>& properties) {
  LogConfig config;
  constexpr std::int64_t hour_ms = 3600000;
  constexpr std::int64_t minute_ms = 60000;
  // Each row: the field, its keys by precedence (topic-level first), Kafka's valid range.
  std::optional<LogConfigError> error;
  auto set = [&](std::int64_t& field, std::initializer_list<std::pair<std::string_view, std::int64_t>> keys,
                 Range range) {
    if (!error) error = apply(properties, field, keys, range);
  };
  set(config.segment_bytes, {{"segment.bytes", 1}, {"log.segment.bytes", 1}}, {segment_bytes_min, int32_max});
  set(config.segment_ms, {{"segment.ms", 1}, {"log.roll.ms", 1}, {"log.roll.hours", hour_ms}}, {1, int64_max});
  set(config.segment_index_bytes, {{"segment.index.bytes", 1}, {"log.index.size.max.bytes", 1}}, {4, int32_max});
  set(config.index_interval_bytes, {{"index.interval.bytes", 1}, {"log.index.interval.bytes", 1}}, {0, int32_max});
  set(config.retention_ms,
      {{"retention.ms", 1}, {"log.retention.ms", 1}, {"log.retention.minutes", minute_ms}, {"log.retention.hours", hour_ms}},
      {-1, int64_max});
  set(config.retention_bytes, {{"retention.bytes", 1}, {"log.retention.bytes", 1}}, {-1, int64_max});
  set(config.flush_interval_messages, {{"flush.messages", 1}, {"log.flush.interval.messages", 1}}, {1, int64_max});
  set(config.flush_interval_ms, {{"flush.ms", 1}, {"log.flush.interval.ms", 1}}, {0, int64_max});
  set(config.flush_offset_checkpoint_interval_ms, {{"log.flush.offset.checkpoint.interval.ms", 1}}, {0, int32_max});
  if (error) return unexpected(*error);
  return config;
}

}  // namespace kraftsim::log

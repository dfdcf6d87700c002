// Topic name and topic config validation (topic_validation.h), with Kafka's rules and messages.
#include "broker/controller/topic_validation.h"

#include <array>
#include <limits>

#include "broker/controller/config.h"

namespace kraftsim::controller {

namespace {

bool is_legal_topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

enum class ValueKind : std::uint8_t { boolean, integer, choice, policy_list };

// One known topic config: its kind, its lowest legal value (integers) and its legal values
// (choices). Values are Kafka's TopicConfig / LogConfig definitions.
struct ConfigSpec {
  std::string_view key;
  ValueKind kind;
  std::int64_t min_value = std::numeric_limits<std::int64_t>::min();
  std::int64_t max_value = std::numeric_limits<std::int64_t>::max();
  std::array<std::string_view, 6> choices{};
};

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

constexpr std::array<ConfigSpec, 17> known_topic_configs = {{
    {"cleanup.policy", ValueKind::policy_list, 0, 0, {"delete", "compact"}},
    {"compression.type", ValueKind::choice, 0, 0, {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
    {"delete.retention.ms", ValueKind::integer, 0},
    {"file.delete.delay.ms", ValueKind::integer, 0},
    {"flush.messages", ValueKind::integer, 1},
    {"flush.ms", ValueKind::integer, 0},
    {"index.interval.bytes", ValueKind::integer, 0, int32_max},
    {"max.message.bytes", ValueKind::integer, 0, int32_max},
    {"message.timestamp.type", ValueKind::choice, 0, 0, {"CreateTime", "LogAppendTime"}},
    {"min.compaction.lag.ms", ValueKind::integer, 0},
    {"min.insync.replicas", ValueKind::integer, 1, int32_max},
    {"preallocate", ValueKind::boolean},
    {"retention.bytes", ValueKind::integer},
    {"retention.ms", ValueKind::integer, -1},
    {"segment.bytes", ValueKind::integer, 14, int32_max},
    {"segment.ms", ValueKind::integer, 1},
    {"unclean.leader.election.enable", ValueKind::boolean},
}};

std::string invalid_value(std::string_view key, std::string_view value, std::string_view why) {
  return "Invalid value " + std::string(value) + " for configuration " + std::string(key) + ": " + std::string(why);
}

bool is_choice(const ConfigSpec& spec, std::string_view value) {
  for (std::string_view c : spec.choices) {
    if (!c.empty() && c == value) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> validate_topic_name(std::string_view name) {
  if (name.empty()) return std::string("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") return std::string("Topic name cannot be \".\" or \"..\"");
  if (name.size() > topic_name_length_max) {
    return "Topic name is illegal, it can't be longer than " + std::to_string(topic_name_length_max) +
           " characters, topic name: " + std::string(name.substr(0, topic_name_length_max)) + "...";
  }
  for (char c : name) {
    if (!is_legal_topic_char(c)) {
      return "Topic name \"" + std::string(name) +
             "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
    }
  }
  return std::nullopt;
}

std::string unify_collision_chars(std::string_view name) {
  std::string unified(name);
  for (char& c : unified) {
    if (c == '.') c = '_';
  }
  return unified;
}

std::optional<bool> parse_config_bool(std::string_view text) {
  if (equals_ignore_case(text, "true")) return true;
  if (equals_ignore_case(text, "false")) return false;
  return std::nullopt;
}

std::optional<std::int64_t> parse_config_long(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  if (i == text.size()) return std::nullopt;
  // Accumulate as a negative number so that INT64_MIN parses too.
  std::int64_t value = 0;
  constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (lowest + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (negative) return value;
  if (value == lowest) return std::nullopt;
  return -value;
}

std::optional<std::string> validate_topic_config(std::string_view key, const std::optional<std::string>& value) {
  const ConfigSpec* spec = nullptr;
  for (const auto& s : known_topic_configs) {
    if (s.key == key) spec = &s;
  }
  if (spec == nullptr) return "Unknown topic config name: " + std::string(key);
  if (!value) return "Null value not supported for topic configs: " + std::string(key);
  const std::string_view text = *value;
  switch (spec->kind) {
    case ValueKind::boolean:
      if (!parse_config_bool(text)) return invalid_value(key, text, "Expected value to be either true or false");
      return std::nullopt;
    case ValueKind::integer: {
      const auto number = parse_config_long(text);
      if (!number) return invalid_value(key, text, "Not a number of type LONG or INT");
      if (*number < spec->min_value) {
        return invalid_value(key, text, "Value must be at least " + std::to_string(spec->min_value));
      }
      if (*number > spec->max_value) {
        return invalid_value(key, text, "Value must be no more than " + std::to_string(spec->max_value));
      }
      return std::nullopt;
    }
    case ValueKind::choice:
      if (!is_choice(*spec, text)) return invalid_value(key, text, "String must be one of the allowed values");
      return std::nullopt;
    case ValueKind::policy_list: {
      // A comma-separated list of known policies, e.g. "compact,delete".
      std::size_t start = 0;
      while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
        if (!is_choice(*spec, item)) return invalid_value(key, text, "Invalid cleanup policy " + std::string(item));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace kraftsim::controller

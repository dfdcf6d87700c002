// Validation of CreateTopics input: topic names (Kafka's org.apache.kafka.common.internals.Topic)
// and topic configs (Kafka's LogConfig definitions, the subset kraftsim knows). Invalid input is
// a user error: each check returns the message Kafka would give, or nullopt when valid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kraftsim::controller {

// Legal: 1..249 characters from [a-zA-Z0-9._-], and not "." or "..".
std::optional<std::string> validate_topic_name(std::string_view name);

// Kafka maps '.' to '_' in metric names, so "a.b" and "a_b" collide: the controller refuses a
// topic whose unified name equals an existing topic's (INVALID_TOPIC_EXCEPTION).
std::string unify_collision_chars(std::string_view name);

// A topic config entry from CreateTopics: unknown keys, null values and out-of-range values are
// INVALID_CONFIG.
std::optional<std::string> validate_topic_config(std::string_view key, const std::optional<std::string>& value);

// Parses a boolean config value as Kafka's ConfigDef does ("true"/"false", any case).
std::optional<bool> parse_config_bool(std::string_view text);
// Parses a decimal integer; nullopt for anything else or on overflow.
std::optional<std::int64_t> parse_config_long(std::string_view text);

}  // namespace kraftsim::controller

// The registry of every configuration key kraftsim understands: Kafka's name, type, default,
// valid range and whether kraftsim's behaviour differs from Kafka's. Scenario validation,
// node start-up and docs/configuration.md all read this one table, so a key cannot be accepted
// in one place and unknown in another.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kraftsim::node {

enum class KeyType { integer, boolean, string, choice, list };
// broker: server.properties; topic: topic config; producer / consumer: a client's properties
// (a scenario's `producers` / `consumers` entries).
enum class KeyScope { broker, topic, both, producer, consumer };

struct ConfigKey {
  std::string_view name;
  KeyType type;
  KeyScope scope;
  std::string_view default_value;  // as Kafka documents it ("" = no default)
  std::int64_t min = INT64_MIN;    // integers
  std::int64_t max = INT64_MAX;
  std::string_view choices = "";   // choice: values separated by '|'
  std::string_view meaning;
  std::string_view kraftsim_note = "";  // "" = same as Kafka; otherwise how kraftsim differs
};

std::span<const ConfigKey> config_keys();
const ConfigKey* find_config_key(std::string_view name);
// The clients' Kafka keys (ProducerConfig, ConsumerConfig) kraftsim understands. A name can be
// both a client and a broker key (compression.type), so they are a table of their own.
std::span<const ConfigKey> client_config_keys();
const ConfigKey* find_client_config_key(KeyScope scope, std::string_view name);

// docs/configuration.md: every key with its type, scope, default, valid values and how kraftsim
// differs, as Markdown (`kraftsim config-keys` prints it; a test holds the file to it).
std::string config_keys_markdown();

// Checks one value against the registry; the error says what was expected.
Result<std::string, std::string> validate_config_value(const ConfigKey& key, const std::string& value);

}  // namespace kraftsim::node

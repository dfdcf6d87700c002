// docs/configuration.md is generated from the configuration key registry and must stay in step
// with it: a key added to the registry without regenerating the page fails here.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "broker/node/config_keys.h"

TEST_CASE("docs/configuration.md is the registry's current table (kraftsim config-keys)", "[config][docs]") {
  std::ifstream in(KRAFTSIM_SOURCE_DIR "/docs/configuration.md", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string expected = kraftsim::node::config_keys_markdown();
  INFO("regenerate with: build/release/kraftsim config-keys > docs/configuration.md");
  REQUIRE(text.str() == expected);
  for (const auto& key : kraftsim::node::config_keys()) {
    REQUIRE(expected.find("| `" + std::string(key.name) + "` |") != std::string::npos);
  }
}

TEST_CASE("every Kafka key of a scenario's clients is in the client registry with the schema's default", "[config][docs]") {
  std::ifstream in(KRAFTSIM_SOURCE_DIR "/scenarios/scenario.schema.json", std::ios::binary);
  REQUIRE(in.good());
  const nlohmann::json schema = nlohmann::json::parse(in);
  // Workload keys of kraftsim's own, not Kafka's ProducerConfig / ConsumerConfig.
  const std::set<std::string> workload = {"topic",      "start_ms",      "records_per_s",   "records",
                                          "value_bytes", "keys",         "key_distribution", "zipf_exponent",
                                          "processing_ms_per_record", "commit_before_processing", "commit_after_processing"};
  using kraftsim::node::KeyScope;
  for (const auto& [section, scope] : {std::pair{"producers", KeyScope::producer}, std::pair{"consumers", KeyScope::consumer}}) {
    const auto& properties = schema.at("properties").at(section).at("items").at("properties");
    std::set<std::string> seen;
    for (const auto& [name, property] : properties.items()) {
      if (workload.contains(name)) continue;
      INFO(section << ": " << name);
      const auto* key = kraftsim::node::find_client_config_key(scope, name);
      REQUIRE(key != nullptr);
      seen.insert(name);
      const std::string default_text = !property.contains("default") ? std::string()
                                       : property.at("default").is_string() ? property.at("default").get<std::string>()
                                                                             : property.at("default").dump();
      REQUIRE(default_text == std::string(key->default_value));
    }
    for (const auto& key : kraftsim::node::client_config_keys()) {
      INFO(section << ": " << key.name);
      if (key.scope == scope) REQUIRE(seen.contains(std::string(key.name)));
    }
  }
}

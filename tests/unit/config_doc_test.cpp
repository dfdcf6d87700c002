// docs/configuration.md is generated from the configuration key registry and must stay in step
// with it: a key added to the registry without regenerating the page fails here.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

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

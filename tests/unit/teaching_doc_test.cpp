// docs/teaching.md is the teachers' map from the seed document to the scenario library: every
// teaching scenario must be in it, so a new scenario cannot be added without saying what it shows.
// (The benchmarks in scenarios/bench/ measure speed and are exempt.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

TEST_CASE("docs/teaching.md names every teaching scenario file", "[report]") {
  std::ifstream in(KRAFTSIM_SOURCE_DIR "/docs/teaching.md");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::filesystem::path root = KRAFTSIM_SOURCE_DIR "/scenarios";
  int named = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".json" || entry.path().filename() == "scenario.schema.json") continue;
    const std::string relative = std::filesystem::relative(entry.path(), root).generic_string();
    if (relative.rfind("bench/", 0) == 0) continue;
    INFO(relative);
    REQUIRE(doc.find("`" + relative + "`") != std::string::npos);
    ++named;
  }
  REQUIRE(named >= 30);
}

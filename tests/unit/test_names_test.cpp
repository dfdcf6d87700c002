// CTest gets one entry per TEST_CASE through catch_discover_tests, which passes names through
// CMake lists: a ';' splits a name and a '[' opens a CMake bracket that swallows the rest of the
// list, so a whole group of tests silently stops running. This test keeps such names out.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

TEST_CASE("no test name contains a character that breaks CTest discovery", "[meta]") {
  const std::regex test_case(R"(TEST_CASE\("([^"]*)\")");
  int names = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(KRAFTSIM_SOURCE_DIR "/tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (std::sregex_iterator it(s.begin(), s.end(), test_case), end; it != end; ++it) {
      const std::string name = (*it)[1];
      ++names;
      INFO(entry.path().filename().string() << ": \"" << name << "\"");
      REQUIRE(name.find_first_of(";[]\\") == std::string::npos);
    }
  }
  REQUIRE(names > 100);
}

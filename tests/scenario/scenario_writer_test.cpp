// scenario_to_json is the loader's inverse: every scenario file of the source tree, loaded and
// written, loads again to a scenario that writes the same text (nothing the loader reads is
// dropped or changed), and a few reloaded scenarios run with the original's fingerprint.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"

using namespace kraftsim;

namespace {

std::vector<std::string> scenario_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(KRAFTSIM_SOURCE_DIR "/scenarios")) {
    const std::string path = e.path().string();
    if (e.is_regular_file() && path.ends_with(".json") && !path.ends_with(".schema.json")) files.push_back(path);
  }
  std::sort(files.begin(), files.end());  // directory order is not deterministic
  return files;
}

}  // namespace

TEST_CASE("scenario_to_json round-trips every scenario file", "[generate]") {
  const auto files = scenario_files();
  REQUIRE(files.size() >= 20);
  for (const auto& path : files) {
    INFO(path);
    auto original = runner::load_scenario_file(path);
    REQUIRE(original.ok());
    const std::string first = runner::scenario_to_json(original.value()).dump(2);
    auto reloaded = runner::parse_scenario(first, path + " (written)");
    INFO((reloaded.ok() ? std::string() : reloaded.error().message));
    REQUIRE(reloaded.ok());
    const std::string second = runner::scenario_to_json(reloaded.value()).dump(2);
    REQUIRE(first == second);
    // Spot checks that the text carries what the file said, not only a fixed point.
    REQUIRE(reloaded.value().faults.size() == original.value().faults.size());
    REQUIRE(reloaded.value().nodes.size() == original.value().nodes.size());
    REQUIRE(reloaded.value().config == original.value().config);
    REQUIRE(reloaded.value().test_only_mutations == original.value().test_only_mutations);
    REQUIRE(reloaded.value().expect_violated == original.value().expect_violated);
  }
}

TEST_CASE("a written and reloaded scenario runs with the original fingerprint", "[generate]") {
  const std::vector<std::string> names = {"kernel-demo", "kraft-cluster-id-mismatch", "groups/ignore-revocation-legacy",
                                          "replication/kip101-scenario-2-legacy"};
  for (const auto& name : names) {
    const std::string path = std::string(KRAFTSIM_SOURCE_DIR "/scenarios/") + name + ".json";
    INFO(path);
    auto original = runner::load_scenario_file(path);
    REQUIRE(original.ok());
    auto reloaded = runner::parse_scenario(runner::scenario_to_json(original.value()).dump(2), path);
    REQUIRE(reloaded.ok());
    const auto a = runner::run_scenario(original.value(), {std::nullopt, false});
    const auto b = runner::run_scenario(reloaded.value(), {std::nullopt, false});
    REQUIRE(a.events > 0);
    REQUIRE(a.fingerprint == b.fingerprint);
    REQUIRE(a.passed == b.passed);
  }
}

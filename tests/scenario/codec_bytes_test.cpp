// Bytes on disk per compression codec (seed 3.2.4): the brokers count the bytes of the batches
// they append to partition logs by codec; the run reports them in its stats (`--json`, the
// run-stats event) and summary.md shows them beside the Produce bytes on the wire.
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports a false -Wrestrict inside std::string assignment (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "sim/runner/run.h"
#include "tests/support/cli_process.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;

namespace {

const std::string codecs_file = KRAFTSIM_SOURCE_DIR "/scenarios/producer/compression-codecs.json";

std::map<std::string, std::int64_t> log_bytes(const runner::RunStats& s) {
  return {{"none", s.log_bytes_none}, {"gzip", s.log_bytes_gzip}, {"snappy", s.log_bytes_snappy},
          {"lz4", s.log_bytes_lz4},   {"zstd", s.log_bytes_zstd}};
}

}  // namespace

TEST_CASE("bytes appended to the logs are counted per codec and match the segment files on disk", "[producer][compression][scenario]") {
  const runner::Scenario s = kraftsim::testing::load_scenario("producer", "compression-codecs");
  runner::RunOptions options{1, true};
  options.export_files = true;
  const runner::RunResult r = runner::run_scenario(s, options);
  INFO(r.replay_command);
  REQUIRE(r.passed);
  // Each topic's segment files on every replica, as the disk holds them at the end (no
  // truncation or retention in this run, so every appended byte is still there).
  std::map<std::string, std::int64_t> on_disk;
  for (const auto& node : r.exported_files) {
    for (const auto& [path, bytes] : node.files) {
      const auto dash = path.find("-topic-0/");
      if (dash == std::string::npos || path.size() < 4 || path.substr(path.size() - 4) != ".log") continue;
      on_disk[path.substr(0, dash)] += static_cast<std::int64_t>(bytes.size());
    }
  }
  const auto counted = log_bytes(r.stats);
  for (const auto& [codec, bytes] : counted) {
    INFO(codec << ": counted " << bytes << ", segment files " << on_disk[codec]);
    REQUIRE(bytes > 0);
    REQUIRE(bytes == on_disk[codec]);
  }
  // The same 4,000 records: every codec stores far fewer bytes than none (values of repeated
  // text), snappy least well of them.
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    INFO(codec << " " << counted.at(codec) << " vs none " << counted.at("none"));
    REQUIRE(counted.at(codec) * 2 < counted.at("none"));
  }
  REQUIRE(counted.at("zstd") < counted.at("snappy"));
  REQUIRE(counted.at("gzip") < counted.at("snappy"));
  // The run-stats event carries the same figures (reports read them from the trace).
  const trace::Event& stats = *std::find_if(r.trace_events.rbegin(), r.trace_events.rend(),
                                            [](const trace::Event& e) { return e.name == "run-stats"; });
  for (const auto& [codec, bytes] : counted) REQUIRE(stats.int_or("log_bytes_" + codec, -1) == bytes);
}

TEST_CASE("summary.md's bytes-per-codec table agrees with run --json", "[producer][compression][report][cli]") {
  kraftsim::testing::TempDir dir("codec-summary");
  const auto o = kraftsim::testing::run_cli_args(
      {"run", codecs_file, "--json", "--report", dir.file("report")}, dir);
  INFO(o.err);
  REQUIRE(o.exit_code == 0);
  const auto stats = nlohmann::json::parse(o.out)["stats"];
  const std::string summary = kraftsim::testing::read_text_file(dir.file("report") + "/summary.md");
  REQUIRE(summary.find("## Bytes per codec") != std::string::npos);
  std::int64_t none_wire = 0;
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    INFO(codec);
    const std::regex row(fmt::format(R"(\n\| {} \| ([0-9]+) \| ([0-9]+) \|)", codec));
    std::smatch m;
    REQUIRE(std::regex_search(summary, m, row));
    const std::int64_t wire = std::stoll(m[1]), disk = std::stoll(m[2]);
    REQUIRE(disk == stats["log_bytes_" + std::string(codec)].get<std::int64_t>());
    REQUIRE(wire > 0);
    if (std::string(codec) == "none") none_wire = wire;
    else REQUIRE(wire * 2 < none_wire);  // compressed on the wire too
    // Three replicas store each batch; the leader's copy alone is about the Produce bytes.
    REQUIRE(disk > 2 * wire);
  }
}

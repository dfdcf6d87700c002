// The command line, run as a user would: exit codes, one-line errors, --json fields.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <sys/wait.h>

#include "broker/common/uuid.h"

namespace {

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome run_cli(const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto err_path = dir / ("kraftsim-cli-test-" + std::to_string(::getpid()) + ".err");
  const std::string command = std::string(KRAFTSIM_BINARY) + " " + args + " 2>" + err_path.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  std::ifstream err_in(err_path);
  std::string err((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

std::string write_temp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << content;
  return path.string();
}

int count_lines(const std::string& s) {
  int lines = 0;
  for (char c : s) lines += c == '\n' ? 1 : 0;
  return lines;
}

const std::string demo = KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json";

// The --json object of a CLI run with `variable`=1 in its environment (the switches of how the
// simulator runs, which must not change what it computes).
nlohmann::json run_json_with(const char* variable, const std::string& args) {
  ::setenv(variable, "1", 1);
  auto j = nlohmann::json::parse(run_cli(args).out);
  ::unsetenv(variable);
  return j;
}

}  // namespace

TEST_CASE("cli: run --json prints one object with the documented fields", "[cli]") {
  const auto o = run_cli("run " + demo + " --seed 3 --json");
  REQUIRE(o.exit_code == 0);
  const auto j = nlohmann::json::parse(o.out);
  for (const char* key : {"scenario", "seed", "passed", "fingerprint", "events", "sim_time_ms", "wall_ms", "checks", "stats"}) {
    INFO(key);
    REQUIRE(j.contains(key));
  }
  for (const char* key : {"records_sent", "records_acknowledged", "records_lost", "records_duplicated", "controller_elections",
                          "partition_leader_elections", "isr_changes", "bytes_on_wire", "bytes_written_to_disk"}) {
    INFO(key);
    REQUIRE(j["stats"].contains(key));
  }
  REQUIRE(j["stats"]["bytes_on_wire"].get<std::int64_t>() > 0);  // the demo pings
  REQUIRE(j["seed"] == 3);
  REQUIRE(j["passed"] == true);
  REQUIRE(j["fingerprint"].get<std::string>().size() == 18);
  // Same seed again: same fingerprint.
  const auto again = nlohmann::json::parse(run_cli("run " + demo + " --seed 3 --json").out);
  REQUIRE(again["fingerprint"] == j["fingerprint"]);
}

// main() re-executes the simulation commands once with glibc's malloc told to use transparent
// huge pages when KRAFTSIM_HUGEPAGES=1 asks for it (docs/PERFORMANCE.md): process tuning that
// must not change what a run computes.
TEST_CASE("cli: run uses huge pages for its heap only when asked, with the same fingerprint", "[cli]") {
  const auto plain = nlohmann::json::parse(run_cli("run " + demo + " --seed 5 --json").out);
  const auto tuned = run_json_with("KRAFTSIM_HUGEPAGES", "run " + demo + " --seed 5 --json");
  REQUIRE(tuned["fingerprint"] == plain["fingerprint"]);
  REQUIRE(tuned["events"] == plain["events"]);
  REQUIRE(plain["huge_pages"] == false);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  REQUIRE(tuned["huge_pages"] == false);  // the sanitizers' allocator replaces malloc's
#else
  REQUIRE(tuned["huge_pages"] == true);
#endif
}

// The followers' segment files share the bytes the leader's disk read for their fetches
// (sim/world/recent_reads.h): how the simulator stores them, which must not change what a run
// computes. KRAFTSIM_NO_SHARED_BYTES=1 turns the sharing off.
TEST_CASE("cli: run shares replicated bytes between the disks unless told not to, with the same results", "[cli]") {
  const std::string file = std::string(KRAFTSIM_SOURCE_DIR) + "/scenarios/replication/leader-crash-acks-all.json";
  const auto shared = nlohmann::json::parse(run_cli("run " + file + " --json").out);
  const auto copied = run_json_with("KRAFTSIM_NO_SHARED_BYTES", "run " + file + " --json");
  REQUIRE(shared["fingerprint"] == copied["fingerprint"]);
  REQUIRE(shared["events"] == copied["events"]);
  REQUIRE(shared["checks"] == copied["checks"]);
  REQUIRE(shared["stats"] == copied["stats"]);
  REQUIRE(copied["disk_bytes_shared"] == 0);
  // With replication factor 3, the two followers of each partition append what they fetched:
  // most of the log bytes written to the disks.
  const auto log_bytes = shared["stats"]["log_bytes_none"].get<std::uint64_t>() + shared["stats"]["log_bytes_lz4"].get<std::uint64_t>() +
                         shared["stats"]["log_bytes_gzip"].get<std::uint64_t>() + shared["stats"]["log_bytes_snappy"].get<std::uint64_t>() +
                         shared["stats"]["log_bytes_zstd"].get<std::uint64_t>();
  REQUIRE(shared["disk_bytes_shared"].get<std::uint64_t>() > log_bytes / 2);
}

// The end of a run recognises the acknowledged batches in the replicas' logs by offset and
// verified CRC instead of decoding them (sim/check/produced_batches.h): how the checkers read
// the logs, which must not change a verdict or its evidence. Here an unclean election loses
// acknowledged records and consumers' reads: where they were, the final leader holds other
// batches than the acknowledged ones. KRAFTSIM_DECODE_ALL_BATCHES=1 decodes every batch.
TEST_CASE("cli: run recognises acknowledged batches at the end unless told to decode all, with the same verdicts", "[cli]") {
  const std::string file = std::string(KRAFTSIM_SOURCE_DIR) + "/scenarios/replication/unclean-election-enabled.json";
  const auto recognised = nlohmann::json::parse(run_cli("run " + file + " --json").out);
  const auto decoded = run_json_with("KRAFTSIM_DECODE_ALL_BATCHES", "run " + file + " --json");
  REQUIRE(recognised["fingerprint"] == decoded["fingerprint"]);
  REQUIRE(recognised["checks"] == decoded["checks"]);
  REQUIRE(recognised["stats"] == decoded["stats"]);
  REQUIRE(recognised["stats"]["records_lost"].get<std::int64_t>() > 0);
  REQUIRE(recognised["passed"] == true);  // it expects acked-write-durable and consumer-read-stable to be violated
  REQUIRE(decoded["end_batches"]["recognised"] == 0);
  const auto all = decoded["end_batches"]["decoded"].get<std::int64_t>();
  REQUIRE(recognised["end_batches"]["recognised"].get<std::int64_t>() + recognised["end_batches"]["decoded"].get<std::int64_t>() == all);
  // Most batches are acknowledged ones (the rest, here the unacknowledged tail, is decoded).
  REQUIRE(recognised["end_batches"]["recognised"].get<std::int64_t>() > all / 2);
}

// scripts/build.sh compiles the release binary with a training profile (KRAFTSIM_PGO=use);
// run --json says which kind of binary produced its wall_ms.
TEST_CASE("cli: run --json says whether the binary is profile-guided", "[cli]") {
  const auto j = nlohmann::json::parse(run_cli("run " + demo + " --seed 5 --json").out);
  REQUIRE(j["profile_guided"].is_boolean());
  REQUIRE(j["profile_guided"].get<bool>() == (std::string_view(KRAFTSIM_PGO_MODE) == "use"));
}

TEST_CASE("cli: bad input gives one clear line and exit code 2", "[cli]") {
  SECTION("unknown flag") {
    const auto o = run_cli("run " + demo + " --frobnicate");
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find("frobnicate") != std::string::npos);
  }
  SECTION("missing file") {
    const auto o = run_cli("run /nonexistent/scenario.json");
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find("/nonexistent/scenario.json") != std::string::npos);
  }
  SECTION("malformed JSON") {
    const auto path = write_temp("malformed.json", "{\"name\": \"x\",, }");
    const auto o = run_cli("run " + path);
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find("malformed JSON") != std::string::npos);
    REQUIRE(o.err.find("line 1") != std::string::npos);
  }
  SECTION("invalid field names its JSON pointer") {
    const auto path = write_temp("bad-field.json", R"({"name": "x", "duration_ms": 1000,
      "cluster": {"nodes": [{"node.id": 1}]}, "faults": [{"at_ms": -5, "crash": 1}]})");
    const auto o = run_cli("run " + path);
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find("/faults/0/at_ms") != std::string::npos);
  }
  SECTION("a bad seed value") {
    const auto o = run_cli("run " + demo + " --seed banana");
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
  }
  SECTION("a negative seed (CLI11 would wrap it to a huge unsigned one)") {
    const auto o = run_cli("run " + demo + " --seed -3");
    REQUIRE(o.exit_code == 2);
    REQUIRE(count_lines(o.err) == 1);
    REQUIRE(o.err.find("--seed") != std::string::npos);
    REQUIRE(o.err.find("a seed is a whole number from 0") != std::string::npos);
  }
  SECTION("no command") {
    const auto o = run_cli("");
    REQUIRE(o.exit_code == 2);
  }
}

TEST_CASE("cli: --version and random-uuid", "[cli]") {
  const auto v = run_cli("--version");
  REQUIRE(v.exit_code == 0);
  REQUIRE(v.out.rfind("kraftsim ", 0) == 0);
  for (int i = 0; i < 20; ++i) {
    const auto o = run_cli("random-uuid");
    REQUIRE(o.exit_code == 0);
    const std::string id = o.out.substr(0, o.out.find('\n'));
    REQUIRE(id.size() == 22);
    REQUIRE(id[0] != '-');
    auto parsed = kraftsim::uuid_from_string(id);
    REQUIRE(parsed.ok());
    REQUIRE_FALSE(kraftsim::uuid_is_reserved(*parsed));
    REQUIRE(kraftsim::uuid_to_string(*parsed) == id);
  }
}

TEST_CASE("cli: bench kernel prints both loops and their ratio", "[cli]") {
  const auto o = run_cli("bench kernel --pending 1000 --events 20000 --repetitions 1 --json");
  REQUIRE(o.exit_code == 0);
  const auto j = nlohmann::json::parse(o.out);
  REQUIRE(j["scheduler_events_per_s"].get<double>() > 0);
  REQUIRE(j["bare_priority_queue_events_per_s"].get<double>() > 0);
  REQUIRE(j["ratio"].get<double>() > 0);
}

TEST_CASE("cli: check validates files without running them", "[cli]") {
  const auto good = run_cli("check " + demo + " " KRAFTSIM_SOURCE_DIR "/scenarios/kraft-3-node-combined.json");
  REQUIRE(good.exit_code == 0);
  REQUIRE(count_lines(good.out) == 2);
  REQUIRE(good.out.find("kernel-demo.json: ok") != std::string::npos);
  const auto bad_path = write_temp("check-bad.json", R"({"name": "x", "duration_ms": 1000, "cluster": {"nodes": [{"node.id": -1}]}})");
  const auto bad = run_cli("check " + demo + " " + bad_path);
  REQUIRE(bad.exit_code == 2);
  REQUIRE(count_lines(bad.err) == 1);
  REQUIRE(bad.err.find("/cluster/nodes/0/node.id") != std::string::npos);
  REQUIRE(bad.out.find("kernel-demo.json: ok") != std::string::npos);  // the valid file is still reported
}

// Shared by the report tests: a short scenario (3 combined nodes, one topic, a producer with
// acks=all, a consumer group, the partition leader crashed and restarted) run in memory, and a
// way to run the kraftsim binary as a user would. The user-supplied strings can be replaced by
// hostile ones to check escaping.
#pragma once

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"

namespace report_fixture {

struct Names {
  std::string scenario = "report-fixture";
  std::string description = "A leader crash under acks=all, for the report tests.";
  std::string topic = "orders";
  std::string group = "g1";
};

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

inline std::string scenario_json(const Names& n, std::int64_t duration_ms = 20000) {
  return fmt::format(R"({{
  "name": {0}, "description": {1}, "seed": 7, "duration_ms": {4},
  "cluster": {{"nodes": [{{"node.id": 1, "process.roles": "broker,controller"}},
                         {{"node.id": 2, "process.roles": "broker,controller"}},
                         {{"node.id": 3, "process.roles": "broker,controller"}}],
               "config": {{"broker.session.timeout.ms": "3000"}},
               "network": {{"latency_ms": [1, 4]}}}},
  "topics": [{{"name": {2}, "partitions": 1, "replication.factor": 3, "config": {{"min.insync.replicas": "2"}}}}],
  "producers": [{{"topic": {2}, "acks": "all", "records_per_s": 200, "records": 2000, "start_ms": 4000}}],
  "consumers": [{{"topic": {2}, "group.id": {3}, "start_ms": 4000, "auto.offset.reset": "earliest"}}],
  "faults": [{{"at_ms": 9000, "crash": "leader-of:{5}-0"}}, {{"at_ms": 14000, "restart": "crashed"}}]
}})",
                     json_string(n.scenario), json_string(n.description), json_string(n.topic), json_string(n.group),
                     duration_ms, n.topic);
}

inline kraftsim::runner::RunResult run(const Names& names = Names{}) {
  auto scenario = kraftsim::runner::parse_scenario(scenario_json(names), "report-fixture.json");
  INFO((scenario.ok() ? std::string() : scenario.error().message));
  REQUIRE(scenario.ok());
  kraftsim::runner::RunOptions options;
  options.keep_trace_events = true;
  return kraftsim::runner::run_scenario(scenario.value(), options);
}

// A fresh temporary folder for one test.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("kraftsim-report-{}-{}", ::getpid(), name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs a command line with stderr captured in a file; the command must not read stdin.
inline Outcome shell(const std::string& command) {
  const auto err_path = std::filesystem::temp_directory_path() / fmt::format("kraftsim-report-{}.err", ::getpid());
  FILE* pipe = ::popen((command + " 2>" + err_path.string()).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  std::string err = read_file(err_path);
  std::filesystem::remove(err_path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

inline std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace report_fixture

// Segments and retention on the simulator (seed 3.1.3): the partition log rolls at segment.bytes,
// the retention check deletes whole old segments and moves the log start offset, and consumers
// behind the log start (OFFSET_OUT_OF_RANGE) or starting from earliest begin at the new log start.
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports a false -Wrestrict inside std::string assignment (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/runner/kafka_cluster.h"
#include "sim/runner/run.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using kraftsim::testing::find_check;

TEST_CASE("segments roll at segment.bytes, retention.ms deletes old ones, and consumers restart at the new log start", "[log][scenario]") {
  const runner::Scenario s = kraftsim::testing::load_scenario("log", "segment-roll-and-retention");
  runner::RunOptions options{1, true};
  options.export_files = true;
  const runner::RunResult r = runner::run_scenario(s, options);
  INFO(r.replay_command);
  REQUIRE(r.passed);
  REQUIRE(find_check(r, "consumer-read-stable")->status == runner::CheckStatus::held);

  std::map<NodeId, std::vector<std::int64_t>> rolled_at;    // broker -> base offsets of new segments
  std::map<NodeId, std::set<std::int64_t>> deleted;         // broker -> base offsets deleted
  std::map<NodeId, std::int64_t> log_start;                 // broker -> its latest log start offset
  std::set<std::int64_t> segment_boundaries{0};
  const NodeId paused = runner::consumer_node_id(s, 0);
  const NodeId late = runner::consumer_node_id(s, 1);
  std::int64_t out_of_range_offset = -1, out_of_range_log_start = -1;
  std::int64_t paused_reset_to = -1, late_start = -1, late_first_read = -1;
  for (const auto& e : r.trace_events) {
    if (e.kind != trace::Kind::state) continue;
    if (e.name == "segment-rolled") {
      REQUIRE(e.string_or("reason", "") == "segment.bytes");
      REQUIRE(e.int_or("size_bytes", 0) <= 16384);  // the closed segment stayed within segment.bytes
      REQUIRE(e.int_or("size_bytes", 0) > 16384 / 2);  // a follower appends what one fetch brought at once
      if (!rolled_at[e.node].empty()) REQUIRE(e.int_or("base_offset", -1) > rolled_at[e.node].back());
      rolled_at[e.node].push_back(e.int_or("base_offset", -1));
      segment_boundaries.insert(e.int_or("base_offset", -1));
    } else if (e.name == "segment-deleted") {
      REQUIRE(e.string_or("reason", "") == "retention.ms");
      REQUIRE(deleted[e.node].insert(e.int_or("base_offset", -1)).second);
      // Only segments whose newest record is older than retention.ms (10 s): produced 8 s on.
      REQUIRE(e.t_us > 18'000'000);
    } else if (e.name == "partition-retention") {
      REQUIRE(e.int_or("log_start_offset", -1) > log_start[e.node]);  // the log start only moves up
      log_start[e.node] = e.int_or("log_start_offset", -1);
    } else if (e.node == paused && e.name == "consumer-offset-out-of-range") {
      out_of_range_offset = e.int_or("offset", -1);
      out_of_range_log_start = e.int_or("log_start_offset", -1);
      REQUIRE(e.t_us >= 30'000'000);  // on resume
    } else if (e.node == paused && e.name == "consumer-position" && out_of_range_offset >= 0 && paused_reset_to < 0) {
      REQUIRE(e.string_or("reset", "") == "earliest");
      paused_reset_to = e.int_or("offset", -1);
    } else if (e.node == late && e.name == "consumer-position") {
      late_start = e.int_or("offset", -1);
    } else if (e.node == late && e.name == "consumed" && late_first_read < 0) {
      late_first_read = e.int_or("from_offset", -1);
    }
  }
  for (NodeId broker : {1, 2, 3}) {
    INFO("broker " << broker);
    REQUIRE(rolled_at[broker].size() >= 15);  // about 45 KB of records in 16 KB segments, each replica
    REQUIRE(deleted[broker].size() >= 5);
    REQUIRE(deleted[broker].contains(0));  // the first segment went
    REQUIRE(log_start[broker] > 0);
  }
  // The paused consumer's position was deleted while it slept: OFFSET_OUT_OF_RANGE, then
  // auto.offset.reset=earliest moves it to the leader's log start, a segment boundary.
  REQUIRE(out_of_range_offset >= 0);
  REQUIRE(out_of_range_offset < out_of_range_log_start);
  REQUIRE(paused_reset_to >= out_of_range_log_start);
  REQUIRE(segment_boundaries.contains(paused_reset_to));
  // The late consumer starts at the log start, not 0, and reads from there.
  REQUIRE(late_start > 0);
  REQUIRE(segment_boundaries.contains(late_start));
  REQUIRE(late_first_read == late_start);

  // The disk agrees: each broker's segment files start at its log start offset, and the deleted
  // segments' files are gone.
  for (const auto& node : r.exported_files) {
    if (node.node > 3) continue;
    std::set<std::int64_t> bases;
    for (const auto& [path, bytes] : node.files) {
      if (path.rfind("events-0/", 0) != 0 || path.size() < 4 || path.substr(path.size() - 4) != ".log") continue;
      const std::string name = path.substr(9, path.size() - 13);
      REQUIRE(name.size() == 20);  // Kafka's zero-padded base offset
      bases.insert(std::stoll(name));
    }
    INFO("broker " << node.node);
    REQUIRE_FALSE(bases.empty());
    REQUIRE(*bases.begin() == log_start[node.node]);
    for (std::int64_t gone : deleted[node.node]) REQUIRE_FALSE(bases.contains(gone));
  }
}

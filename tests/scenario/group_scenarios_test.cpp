// Consumer groups on the simulator: the scenario files of scenarios/groups/ over several seeds,
// asserted on the trace (group-joined, offset-commit, consumed, consumer-position, crashes), plus
// the pieces with Kafka's documented answers: RangeAssignor and RoundRobinAssignor examples,
// Java's String.hashCode for coordinator placement, the OffsetCommitKey/Value bytes.
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports a false -Wrestrict inside std::string assignment (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "broker/client/assignor.h"
#include "broker/coordinator/group_hash.h"
#include "broker/coordinator/offset_records.h"
#include "sim/runner/kafka_cluster.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using kraftsim::testing::find_check;
using kraftsim::testing::seed_count;

namespace {

runner::Scenario load(const std::string& name) { return kraftsim::testing::load_scenario("groups", name); }

std::vector<std::int32_t> partitions_of(const std::string& text) {
  std::vector<std::int32_t> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    out.push_back(std::stoi(item.substr(item.rfind('-') + 1)));
    at = end + 1;
  }
  return out;
}

// What a run with one crashed consumer shows about the crashed member's partitions.
struct CrashStory {
  std::int64_t crash_us = -1;
  NodeId crashed = no_node;
  std::vector<std::int32_t> crashed_partitions;       // owned when it crashed
  std::map<std::int32_t, std::int64_t> last_commit;   // before the crash, per partition
  std::map<std::int32_t, std::int64_t> crashed_read;  // the crashed member's highest next_offset
  std::map<std::int32_t, std::int64_t> resumed_from;  // the first consumed from_offset by another member after
  std::map<std::int32_t, std::int64_t> resumed_position;  // consumer-position (committed) after the crash
  std::int64_t rebalance_after_crash_us = -1;         // group-rebalance for the session timeout
  // The crashed member's last poll of each partition: (t_us, from, next, records).
  std::map<std::int32_t, std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> last_poll;
};

CrashStory crash_story(const runner::RunResult& r, NodeId crashed) {
  CrashStory st;
  st.crashed = crashed;
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::process && e.name == "crashed" && e.node == crashed) st.crash_us = e.t_us;
    const bool before = st.crash_us < 0;
    if (e.name == "group-joined" && e.node == crashed && before) st.crashed_partitions = partitions_of(e.string_or("partitions", ""));
    if (e.name == "offset-commit" && before) st.last_commit[static_cast<std::int32_t>(e.int_or("partition", -1))] = e.int_or("offset", -1);
    if (e.name == "group-rebalance" && !before && st.rebalance_after_crash_us < 0 &&
        e.string_or("reason", "").find("session timeout") != std::string::npos) {
      st.rebalance_after_crash_us = e.t_us;
    }
    const auto partition = static_cast<std::int32_t>(e.int_or("partition", -1));
    if (e.name == "consumed" && e.node == crashed && before) {
      st.crashed_read[partition] = std::max(st.crashed_read[partition], e.int_or("next_offset", 0));
      st.last_poll[partition] = {e.t_us, e.int_or("from_offset", 0), e.int_or("next_offset", 0), e.int_or("records", 0)};
    }
    if (e.name == "consumed" && e.node != crashed && !before && !st.resumed_from.contains(partition) &&
        std::find(st.crashed_partitions.begin(), st.crashed_partitions.end(), partition) != st.crashed_partitions.end()) {
      st.resumed_from[partition] = e.int_or("from_offset", -1);
    }
    if (e.name == "consumer-position" && e.node != crashed && !before && !st.resumed_position.contains(partition) &&
        e.string_or("reset", "") == "committed") {
      st.resumed_position[partition] = e.int_or("offset", -1);
    }
  }
  return st;
}

// Runs seeds 1..n of the scenario (keeping the trace), requires every check to hold, then
// hands each result to `check`; a failure names the replay command.
template <typename F>
void for_seeds(const runner::Scenario& s, std::uint64_t n, F check) {
  for (std::uint64_t seed = 1; seed <= seed_count(n); ++seed) {
    const runner::RunResult r = runner::run_scenario(s, {seed, true});
    INFO(r.replay_command);
    for (const auto& c : r.checks) {
      INFO(c.id << ": " << c.detail);
      REQUIRE(c.status != runner::CheckStatus::violated);
    }
    check(r);
  }
}

// The members of the newest generation (consumer node -> the partitions it owns).
std::map<NodeId, std::vector<std::int32_t>> newest_generation(const runner::RunResult& r) {
  std::map<std::int64_t, std::map<NodeId, std::vector<std::int32_t>>> generations;
  for (const auto& e : r.trace_events) {
    if (e.name == "group-joined") generations[e.int_or("generation", -1)][e.node] = partitions_of(e.string_or("partitions", ""));
  }
  REQUIRE_FALSE(generations.empty());
  return generations.rbegin()->second;
}

}  // namespace

// ---------------------------------------------------------------- assignors and placement

TEST_CASE("RangeAssignor gives Kafka's documented example: C0 t0p0 t0p1 t1p0 t1p1, C1 t0p2 t1p2", "[groups][unit]") {
  // RangeAssignor's javadoc: two consumers, two topics of three partitions each.
  const std::map<std::string, protocol::Subscription> subs = {{"C0", {{"t0", "t1"}, {}}}, {"C1", {{"t0", "t1"}, {}}}};
  const auto a = client::assign(client::AssignmentStrategy::range, {{"t0", 3}, {"t1", 3}}, subs);
  using TP = replication::TopicPartition;
  REQUIRE(a.at("C0") == std::vector<TP>{{"t0", 0}, {"t0", 1}, {"t1", 0}, {"t1", 1}});
  REQUIRE(a.at("C1") == std::vector<TP>{{"t0", 2}, {"t1", 2}});
}

TEST_CASE("RoundRobinAssignor gives Kafka's documented examples, also with different subscriptions", "[groups][unit]") {
  using TP = replication::TopicPartition;
  // Same subscriptions: C0 t0p0 t0p2 t1p1, C1 t0p1 t1p0 t1p2.
  const std::map<std::string, protocol::Subscription> same = {{"C0", {{"t0", "t1"}, {}}}, {"C1", {{"t0", "t1"}, {}}}};
  const auto a = client::assign(client::AssignmentStrategy::roundrobin, {{"t0", 3}, {"t1", 3}}, same);
  REQUIRE(a.at("C0") == std::vector<TP>{{"t0", 0}, {"t0", 2}, {"t1", 1}});
  REQUIRE(a.at("C1") == std::vector<TP>{{"t0", 1}, {"t1", 0}, {"t1", 2}});
  // C0 subscribes to t0, C1 to t0 and t1, C2 to t0, t1, t2 (1, 2 and 3 partitions):
  // C0 t0p0, C1 t1p0, C2 t1p1 t2p0 t2p1 t2p2.
  const std::map<std::string, protocol::Subscription> mixed = {
      {"C0", {{"t0"}, {}}}, {"C1", {{"t0", "t1"}, {}}}, {"C2", {{"t0", "t1", "t2"}, {}}}};
  const auto b = client::assign(client::AssignmentStrategy::roundrobin, {{"t0", 1}, {"t1", 2}, {"t2", 3}}, mixed);
  REQUIRE(b.at("C0") == std::vector<TP>{{"t0", 0}});
  REQUIRE(b.at("C1") == std::vector<TP>{{"t1", 0}});
  REQUIRE(b.at("C2") == std::vector<TP>{{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}});
  // The same case with range leaves C0 and C1 one partition each of t0 and t1 only.
  const auto c = client::assign(client::AssignmentStrategy::range, {{"t0", 1}, {"t1", 2}, {"t2", 3}}, mixed);
  REQUIRE(c.at("C0") == std::vector<TP>{{"t0", 0}});
  REQUIRE(c.at("C1") == std::vector<TP>{{"t1", 0}});
  REQUIRE(c.at("C2") == std::vector<TP>{{"t1", 1}, {"t2", 0}, {"t2", 1}, {"t2", 2}});
}

TEST_CASE("CooperativeStickyAssignor keeps owned partitions and holds back the ones that move (KIP-429)", "[groups][unit]") {
  using TP = replication::TopicPartition;
  // Two members own 0-2 and 3-5; a third (owning nothing) joins.
  std::map<std::string, protocol::Subscription> subs = {{"A", {{"t"}, {{"t", 0}, {"t", 1}, {"t", 2}}}},
                                                        {"B", {{"t"}, {{"t", 3}, {"t", 4}, {"t", 5}}}},
                                                        {"C", {{"t"}, {}}}};
  const auto first = client::assign(client::AssignmentStrategy::cooperative_sticky, {{"t", 6}}, subs);
  REQUIRE(first.at("A") == std::vector<TP>{{"t", 0}, {"t", 1}});  // keeps two of its three
  REQUIRE(first.at("B") == std::vector<TP>{{"t", 3}, {"t", 4}});
  REQUIRE(first.at("C").empty());  // 2 and 5 move: nobody gets them in this generation
  // After A and B revoked 2 and 5, the next rebalance hands them to C.
  subs["A"].owned_partitions = first.at("A");
  subs["B"].owned_partitions = first.at("B");
  const auto second = client::assign(client::AssignmentStrategy::cooperative_sticky, {{"t", 6}}, subs);
  REQUIRE(second.at("A") == first.at("A"));
  REQUIRE(second.at("B") == first.at("B"));
  REQUIRE(second.at("C") == std::vector<TP>{{"t", 2}, {"t", 5}});
  // With nothing owned it is a balanced assignment like range's.
  const auto fresh = client::assign(client::AssignmentStrategy::cooperative_sticky, {{"t", 5}},
                                    {{"A", {{"t"}, {}}}, {"B", {{"t"}, {}}}});
  REQUIRE(fresh.at("A").size() + fresh.at("B").size() == 5);
  REQUIRE(fresh.at("A").size() == 3);
}

TEST_CASE("group ids map to __consumer_offsets partitions with Java's String.hashCode and Utils.abs", "[groups][unit]") {
  using coordinator::java_string_hash;
  using coordinator::partition_for_group;
  // Values java.lang.String.hashCode returns.
  REQUIRE(java_string_hash("") == 0);
  REQUIRE(java_string_hash("abc") == 96354);
  REQUIRE(java_string_hash("hello") == 99162322);
  REQUIRE(java_string_hash("Hello") == 69609650);
  REQUIRE(java_string_hash("\xC3\xA9") == 233);                 // "é": one UTF-16 unit
  REQUIRE(java_string_hash("\xF0\x9F\x98\x80") == 1772899);     // U+1F600: a surrogate pair
  REQUIRE(java_string_hash("polygenelubricants") == INT32_MIN);  // the famous Integer.MIN_VALUE
  // Utils.abs is n & 0x7fffffff: MIN_VALUE -> 0 (Math.abs would stay negative).
  REQUIRE(partition_for_group("polygenelubricants", 50) == 0);
  REQUIRE(partition_for_group("hello", 50) == 99162322 % 50);
  REQUIRE(partition_for_group("Hello", 3) == 69609650 % 3);
}

TEST_CASE("offset commits are stored as OffsetCommitKey v1 and OffsetCommitValue v3 bytes", "[groups][unit]") {
  const auto key = coordinator::encode_offset_commit_key({"g", "t", 7});
  REQUIRE(key == coordinator::RecordBytes{0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 7});
  const coordinator::OffsetCommitValue v{42, 3, "m", 1000};
  const auto value = coordinator::encode_offset_commit_value(v);
  REQUIRE(value == coordinator::RecordBytes{0, 3, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 3, 0, 1, 'm', 0, 0, 0, 0, 0, 0, 0x03, 0xE8});
  auto k = coordinator::decode_key(key);
  REQUIRE(k.ok());
  REQUIRE(k->offset_commit == coordinator::OffsetCommitKey{"g", "t", 7});
  auto back = coordinator::decode_offset_commit_value(value);
  REQUIRE(back.ok());
  REQUIRE(back.value() == v);
}

// ---------------------------------------------------------------- scenarios

TEST_CASE("a group of 3 on 6 partitions: one owner per partition in every generation, two consecutive partitions each with range", "[groups][scenario]") {
  const runner::Scenario s = load("range-3-consumers");
  for_seeds(s, 50, [](const runner::RunResult& r) {
    const auto* owner = find_check(r, "group-single-owner");
    REQUIRE(owner != nullptr);
    REQUIRE(owner->status == runner::CheckStatus::held);
    const auto last = newest_generation(r);
    REQUIRE(last.size() == 3);
    std::set<std::int32_t> all;
    for (const auto& [node, partitions] : last) {
      REQUIRE(partitions.size() == 2);
      REQUIRE(partitions[1] == partitions[0] + 1);  // RangeAssignor: a contiguous range
      all.insert(partitions.begin(), partitions.end());
    }
    REQUIRE(all == std::set<std::int32_t>{0, 1, 2, 3, 4, 5});
  });
}

TEST_CASE("roundrobin deals the 6 partitions to 3 members three apart", "[groups][scenario]") {
  const runner::Scenario s = load("roundrobin-3-consumers");
  for_seeds(s, 5, [](const runner::RunResult& r) {
    const auto last = newest_generation(r);
    REQUIRE(last.size() == 3);
    for (const auto& [node, partitions] : last) {
      REQUIRE(partitions.size() == 2);
      REQUIRE(partitions[1] == partitions[0] + 3);
    }
  });
}

TEST_CASE("a crashed member is removed after session.timeout.ms and its partitions resume from the last committed offset", "[groups][scenario]") {
  const runner::Scenario s = load("member-crash-rebalance");
  const NodeId crashed = runner::consumer_node_id(s, 2);
  for_seeds(s, 5, [&](const runner::RunResult& r) {
    const CrashStory st = crash_story(r, crashed);
    REQUIRE(st.crash_us == 20'000'000);
    REQUIRE_FALSE(st.crashed_partitions.empty());
    // The coordinator notices within session.timeout.ms (10 s) of the last heartbeat.
    REQUIRE(st.rebalance_after_crash_us > st.crash_us);
    REQUIRE(st.rebalance_after_crash_us <= st.crash_us + 10'000'000);
    for (std::int32_t p : st.crashed_partitions) {
      INFO("partition " << p);
      REQUIRE(st.last_commit.contains(p));
      REQUIRE(st.resumed_position.at(p) == st.last_commit.at(p));
      REQUIRE(st.resumed_from.at(p) == st.last_commit.at(p));
    }
  });
}

TEST_CASE("auto-commit and a crash re-deliver the records processed after the last commit, starting exactly at it", "[groups][scenario]") {
  const runner::Scenario s = load("auto-commit-crash-redelivers");
  const NodeId crashed = runner::consumer_node_id(s, 1);
  for_seeds(s, 5, [&](const runner::RunResult& r) {
    const CrashStory st = crash_story(r, crashed);
    REQUIRE_FALSE(st.crashed_partitions.empty());
    std::int64_t duplicates = 0;
    for (std::int32_t p : st.crashed_partitions) {
      INFO("partition " << p);
      const std::int64_t committed = st.last_commit.at(p);
      REQUIRE(st.resumed_from.at(p) == committed);  // the duplicates start at the last commit
      REQUIRE(st.crashed_read.at(p) >= committed);
      duplicates += st.crashed_read.at(p) - committed;
    }
    REQUIRE(duplicates > 0);  // at-least-once: some records were consumed twice
  });
}

TEST_CASE("committing before processing and a crash skip the records being processed", "[groups][scenario]") {
  const runner::Scenario s = load("commit-before-processing-skips");
  const NodeId crashed = runner::consumer_node_id(s, 1);
  const std::int64_t per_record_us = 20'000;
  for_seeds(s, 5, [&](const runner::RunResult& r) {
    const CrashStory st = crash_story(r, crashed);
    std::int64_t skipped = 0;
    for (std::int32_t p : st.crashed_partitions) {
      if (!st.last_poll.contains(p)) continue;
      const auto [t_us, from, next, records] = st.last_poll.at(p);
      // Its last poll was committed (next) and still being processed when it crashed (a poll's
      // records of every partition are processed one after the other)...
      std::int64_t poll_records = 0;
      for (const auto& [q, poll] : st.last_poll) poll_records += std::get<0>(poll) == t_us ? std::get<3>(poll) : 0;
      if (st.last_commit.at(p) != next || st.crash_us >= t_us + poll_records * per_record_us) continue;
      // ...and the new owner starts after it: nobody processes those records.
      REQUIRE(st.resumed_position.at(p) == next);
      skipped += next - from;
    }
    REQUIRE(skipped > 0);
  });
}

TEST_CASE("the coordinator's crash moves the group to the next leader of its partition: no rebalance, committed offsets kept", "[groups][scenario]") {
  const runner::Scenario s = load("coordinator-failover");
  const NodeId crashed_member = runner::consumer_node_id(s, 2);
  for_seeds(s, 5, [crashed_member](const runner::RunResult& r) {
    NodeId old_coordinator = no_node, new_coordinator = no_node;
    std::int64_t crash_us = -1, rebalances_before_member_crash = 0, loaded_records = -1;
    std::map<std::int32_t, std::int64_t> committed_before_crash, first_commit_after;
    for (const auto& e : r.trace_events) {
      const auto p = static_cast<std::int32_t>(e.int_or("partition", -1));
      if (e.name == "offset-commit" && crash_us < 0) {
        old_coordinator = e.node;
        committed_before_crash[p] = e.int_or("offset", -1);
      }
      if (e.kind == trace::Kind::process && e.name == "crashed" && e.node == old_coordinator && crash_us < 0) crash_us = e.t_us;
      if (crash_us < 0) continue;
      if (e.name == "coordinator-loaded" && e.node != old_coordinator && e.int_or("records", 0) > 0 && new_coordinator == no_node) {
        new_coordinator = e.node;
        loaded_records = e.int_or("records", 0);
      }
      if (e.name == "group-rebalance" && e.t_us < 38'000'000) ++rebalances_before_member_crash;
      if (e.name == "offset-commit" && e.node == new_coordinator && !first_commit_after.contains(p)) {
        first_commit_after[p] = e.int_or("offset", -1);
        REQUIRE(e.int_or("generation", -1) == 1);  // the members kept their generation
      }
    }
    REQUIRE(crash_us == 20'000'000);
    REQUIRE(new_coordinator != no_node);
    REQUIRE(loaded_records > 0);
    REQUIRE(rebalances_before_member_crash == 0);  // the loaded group carried on
    REQUIRE(committed_before_crash.size() == 6);
    for (const auto& [p, committed] : committed_before_crash) {
      INFO("partition " << p);
      REQUIRE(first_commit_after.at(p) >= committed);
    }
    // The member crashed at 38 s: its partitions resume from what it committed last, an offset
    // the new coordinator either loaded or received.
    const CrashStory st = crash_story(r, crashed_member);
    REQUIRE(st.crash_us == 38'000'000);
    REQUIRE_FALSE(st.crashed_partitions.empty());
    for (std::int32_t p : st.crashed_partitions) {
      INFO("partition " << p);
      REQUIRE(st.resumed_position.at(p) == st.last_commit.at(p));
    }
  });
}

TEST_CASE("group-single-owner catches members that ignore revocation, and holds without the switch", "[groups][scenario]") {
  runner::Scenario s = load("ignore-revocation-legacy");
  for (std::uint64_t seed = 1; seed <= seed_count(3); ++seed) {
    const runner::RunResult r = runner::run_scenario(s, {seed, false});
    INFO(r.replay_command);
    const auto* owner = find_check(r, "group-single-owner");
    REQUIRE(owner != nullptr);
    REQUIRE(owner->status == runner::CheckStatus::expected_violation);
    REQUIRE(owner->detail.find("is owned by member") != std::string::npos);
  }
  for (auto& c : s.consumers) c.ignore_revocation = false;
  s.expect_violated.clear();
  const runner::RunResult r = runner::run_scenario(s, {1, false});
  REQUIRE(find_check(r, "group-single-owner")->status == runner::CheckStatus::held);
}

TEST_CASE("with fewer brokers than offsets.topic.replication.factor the coordinator is not available", "[groups][scenario]") {
  runner::Scenario s = load("range-3-consumers");
  s.nodes.resize(1);
  s.topics[0].replication_factor = 1;
  s.topics[0].config.clear();
  s.duration = seconds(15);
  s.config["offsets.topic.replication.factor"] = "3";
  runner::RunResult r = runner::run_scenario(s, {1, true});
  std::int64_t joined = 0, refused = 0;
  for (const auto& e : r.trace_events) {
    if (e.name == "group-joined") ++joined;
    if (e.name == "offsets-topic-create" && e.string_or("error", "") == "INVALID_REPLICATION_FACTOR") ++refused;
  }
  REQUIRE(refused > 0);
  REQUIRE(joined == 0);
  s.config["offsets.topic.replication.factor"] = "1";
  r = runner::run_scenario(s, {1, true});
  joined = 0;
  for (const auto& e : r.trace_events) joined += e.name == "group-joined" ? 1 : 0;
  REQUIRE(joined == 3);
}

TEST_CASE("fetch.min.bytes makes the broker hold consumer fetches until enough bytes are readable", "[groups][scenario]") {
  runner::Scenario s = load("range-3-consumers");
  const auto fetches = [&s](std::int32_t min_bytes) {
    for (auto& c : s.consumers) c.fetch_min_bytes = min_bytes;
    const runner::RunResult r = runner::run_scenario(s, {1, true});
    std::int64_t sent = 0, records = 0;
    for (const auto& e : r.trace_events) {
      if (e.kind == trace::Kind::send && e.name == "Fetch" && e.int_or("replica", 0) == -1) ++sent;
      if (e.name == "consumed") records += e.int_or("records", 0);
    }
    return std::make_pair(sent, records);
  };
  const auto [fetches_min_1, records_min_1] = fetches(1);
  const auto [fetches_min_4k, records_min_4k] = fetches(4000);
  INFO(fetches_min_1 << " fetches with fetch.min.bytes=1, " << fetches_min_4k << " with 4000");
  REQUIRE(fetches_min_4k * 2 < fetches_min_1);        // fewer, fuller fetches
  REQUIRE(records_min_4k * 10 > records_min_1 * 9);  // the same records, a little later
}

TEST_CASE("a consumer that shuts down commits and leaves: the group rebalances at once, not after the session timeout", "[groups][scenario]") {
  runner::Scenario s = load("member-crash-rebalance");
  for (auto& f : s.faults) f.kind = runner::FaultKind::shutdown;
  const NodeId leaving = runner::consumer_node_id(s, 2);
  const runner::RunResult r = runner::run_scenario(s, {1, true});
  std::int64_t left_at = -1, committed_at = -1;
  std::string member;
  for (const auto& e : r.trace_events) {
    if (e.name == "group-joined" && e.node == leaving) member = std::string(e.string_or("member", ""));
    if (e.name == "offset-commit" && e.t_us >= 20'000'000 && e.string_or("member", "") == member && committed_at < 0) committed_at = e.t_us;
    if (e.name == "group-member-removed" && e.string_or("member", "") == member) {
      REQUIRE(e.string_or("reason", "") == "left the group (LeaveGroup)");
      left_at = e.t_us;
    }
  }
  // close(): the commit and the LeaveGroup go out together; the commit is answered once
  // replicated, the leave at once.
  REQUIRE(committed_at >= 20'000'000);
  REQUIRE(committed_at < 20'500'000);
  REQUIRE(left_at >= 20'000'000);
  REQUIRE(left_at < 20'500'000);
}

TEST_CASE("a poll loop slower than max.poll.interval.ms leaves the group and its records are read again", "[groups][scenario]") {
  runner::Scenario s = load("member-crash-rebalance");
  s.faults.clear();
  s.consumers[2].processing_time_per_record = milliseconds(100);  // 500 records: 50 s per poll
  s.consumers[2].max_poll_interval = milliseconds(15'000);
  for (auto& c : s.consumers) c.max_poll_interval = milliseconds(15'000);
  const NodeId slow = runner::consumer_node_id(s, 2);
  const runner::RunResult r = runner::run_scenario(s, {1, true});
  std::int64_t timed_out = -1, removed = -1;
  std::vector<std::int32_t> slow_partitions;
  std::set<std::int32_t> taken_over;  // the slow member's partitions joined by others after it left
  for (const auto& e : r.trace_events) {
    if (e.name == "group-joined" && e.node == slow && timed_out < 0) slow_partitions = partitions_of(e.string_or("partitions", ""));
    if (e.name == "consumer-poll-timeout" && e.node == slow && timed_out < 0) timed_out = e.t_us;
    if (e.name == "group-member-removed" && timed_out >= 0 && removed < 0 &&
        e.string_or("reason", "") == "left the group (LeaveGroup)") {
      removed = e.t_us;
    }
    if (e.name == "group-joined" && e.node != slow && removed >= 0) {
      for (std::int32_t p : partitions_of(e.string_or("partitions", ""))) {
        if (std::find(slow_partitions.begin(), slow_partitions.end(), p) != slow_partitions.end()) taken_over.insert(p);
      }
    }
  }
  REQUIRE(timed_out > 0);
  REQUIRE(removed >= timed_out);
  REQUIRE_FALSE(slow_partitions.empty());
  REQUIRE(taken_over.size() == slow_partitions.size());
}

TEST_CASE("an isolated coordinator, a broker crash and a paused and a crashed member: the group settles again", "[groups][scenario]") {
  // Regression: a FindCoordinator sent on a cut link was lost without a word and the member
  // waited for it forever; request.timeout.ms now fails it (seeds 3, 4 and 6 showed it).
  runner::Scenario s = load("coordinator-failover");
  s.duration = milliseconds(70'000);
  using testing::fault;
  s.faults = {fault(15'000, runner::FaultKind::isolate, {std::string("coordinator-of:billing")}),
              fault(25'000, runner::FaultKind::heal),
              fault(30'000, runner::FaultKind::crash, {std::string("random-broker")}),
              fault(38'000, runner::FaultKind::restart, testing::crashed()),
              fault(42'000, runner::FaultKind::pause, {std::string("consumer:0")}),
              fault(44'000, runner::FaultKind::resume, {std::string("consumer:0")}),
              fault(46'000, runner::FaultKind::crash, {std::string("consumer:1")}),
              fault(48'000, runner::FaultKind::restart, {std::string("consumer:1")})};
  for (std::uint64_t seed : {3, 4, 6}) {
    const runner::RunResult r = runner::run_scenario(s, {seed, false});
    INFO(r.replay_command);
    const auto* owner = find_check(r, "group-single-owner");
    INFO(owner->detail);
    REQUIRE(owner->status == runner::CheckStatus::held);
    REQUIRE(find_check(r, "consumer-read-stable")->status == runner::CheckStatus::held);
  }
}

TEST_CASE("cooperative-sticky: a joining member takes two partitions in two rebalances while the others keep theirs", "[groups][scenario]") {
  const runner::Scenario s = load("cooperative-sticky-join");
  for_seeds(s, 10, [](const runner::RunResult& r) {
    REQUIRE(find_check(r, "group-single-owner")->status == runner::CheckStatus::held);
    std::int64_t revoked_after_join = 0;
    for (const auto& e : r.trace_events) {
      if (e.name == "group-revoked" && e.t_us > 16'000'000) {
        revoked_after_join += static_cast<std::int64_t>(partitions_of(e.string_or("partitions", "")).size());
      }
    }
    REQUIRE(revoked_after_join == 2);  // eager assignors revoke all six
    const auto last = newest_generation(r);
    REQUIRE(last.size() == 3);
    for (const auto& [node, partitions] : last) REQUIRE(partitions.size() == 2);
  });
}

TEST_CASE("the consumers' history: every poll and commit is an operation, and after a crash the same offsets are polled twice", "[groups][scenario]") {
  const runner::Scenario s = load("auto-commit-crash-redelivers");
  const runner::RunResult r = runner::run_scenario(s, {1, true});
  INFO(r.replay_command);
  std::map<std::pair<NodeId, std::int64_t>, int> commit_completions;  // (process, id) -> completions
  std::map<std::pair<std::int64_t, std::int64_t>, std::set<NodeId>> polled_by;  // (partition, offset) -> processes
  std::int64_t polls = 0, commits_ok = 0;
  for (const auto& e : r.trace_events) {
    if (e.name != "history") continue;
    const std::string f(e.string_or("f", "")), type(e.string_or("type", ""));
    const auto process = static_cast<NodeId>(e.int_or("process", -1));
    if (f == "commit") {
      const std::pair key{process, e.int_or("id", -1)};
      if (type == "invoke") {
        REQUIRE(commit_completions.emplace(key, 0).second);
        REQUIRE_FALSE(std::string(e.string_or("offsets", "")).empty());
      } else {
        REQUIRE(commit_completions.contains(key));
        REQUIRE(++commit_completions[key] == 1);  // one outcome per commit
        commits_ok += type == "ok" ? 1 : 0;
      }
    }
    if (f == "poll" && type == "invoke") ++polls;
    if (f == "poll" && type == "ok") {
      for (std::int64_t o = e.int_or("from_offset", 0); o < e.int_or("next_offset", 0); ++o) {
        polled_by[{e.int_or("partition", -1), o}].insert(process);
      }
    }
  }
  REQUIRE(polls > 0);
  REQUIRE(commits_ok > 0);
  // At-least-once: some offsets the crashed member polled were polled again by another member.
  const NodeId crashed = runner::consumer_node_id(s, 1);
  std::int64_t twice = 0;
  for (const auto& [offset, processes] : polled_by) twice += processes.size() > 1 && processes.contains(crashed) ? 1 : 0;
  REQUIRE(twice > 0);
}

TEST_CASE("explicit commitSync after processing: a crash re-delivers at most the batch being processed", "[groups][scenario]") {
  const runner::Scenario s = load("explicit-commit-after-processing");
  const NodeId crashed = runner::consumer_node_id(s, 1);
  REQUIRE_FALSE(s.consumers[1].enable_auto_commit);
  for_seeds(s, 5, [&](const runner::RunResult& r) {
    const CrashStory st = crash_story(r, crashed);
    REQUIRE_FALSE(st.crashed_partitions.empty());
    std::int64_t duplicates = 0;
    for (std::int32_t p : st.crashed_partitions) {
      INFO("partition " << p);
      // The survivor starts at the last commit; a commitSync on the wire when the member died may
      // still land, so that is the last one the coordinator stored, not the last one sent before.
      REQUIRE(st.resumed_from.at(p) >= st.last_commit.at(p));
      REQUIRE(st.resumed_from.at(p) <= st.crashed_read.at(p));
      duplicates += st.crashed_read.at(p) - st.resumed_from.at(p);
    }
    REQUIRE(duplicates <= s.consumers[1].max_poll_records);  // only the batch in processing
    // One commit per processed poll: as many commit invokes as poll invokes, less the one cut short.
    std::int64_t polls = 0, commits = 0;
    for (const auto& e : r.trace_events) {
      if (e.name != "history" || e.int_or("process", -1) != crashed || e.string_or("type", "") != "invoke") continue;
      polls += e.string_or("f", "") == "poll" ? 1 : 0;
      commits += e.string_or("f", "") == "commit" ? 1 : 0;
    }
    REQUIRE(commits > 0);
    REQUIRE(polls - commits <= 1);
  });
}

TEST_CASE("max.poll.records caps every poll and max.partition.fetch.bytes caps every consumer fetch answer", "[groups][scenario]") {
  // The consumers start 12 s after the producer, so a backlog waits and polls and fetches fill up.
  auto run = [](std::int32_t max_poll_records, std::int32_t max_partition_fetch_bytes) {
    runner::Scenario s = load("range-3-consumers");
    std::set<std::int64_t> consumer_nodes;
    for (std::size_t i = 0; i < s.consumers.size(); ++i) {
      s.consumers[i].start = milliseconds(20000 + 200 * static_cast<std::int64_t>(i));
      s.consumers[i].max_poll_records = max_poll_records;
      s.consumers[i].max_partition_fetch_bytes = max_partition_fetch_bytes;
      consumer_nodes.insert(runner::consumer_node_id(s, i));
    }
    const auto r = runner::run_scenario(s, {.seed = 1, .keep_trace_events = true});
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> poll_records;  // (process, poll id) -> records
    std::int64_t fetch_bytes_max = 0;
    for (const auto& e : r.trace_events) {
      if (e.kind == trace::Kind::state && e.name == "history" && e.string_or("f", "") == "poll" && e.string_or("type", "") == "ok") {
        poll_records[{e.int_or("process", -1), e.int_or("id", -1)}] += e.int_or("records", 0);
      }
      if (e.kind == trace::Kind::send && e.name == "FetchResponse" && consumer_nodes.contains(e.int_or("to", -1))) {
        fetch_bytes_max = std::max(fetch_bytes_max, e.int_or("bytes", 0));
      }
    }
    std::int64_t poll_max = 0;
    for (const auto& [poll, records] : poll_records) poll_max = std::max(poll_max, records);
    return std::pair{poll_max, fetch_bytes_max};
  };
  const auto [poll_max, fetch_max] = run(7, 1024);
  const auto [poll_max_default, fetch_max_default] = run(500, 1048576);
  INFO("polls: " << poll_max << " vs " << poll_max_default << "; fetch answers: " << fetch_max << " vs " << fetch_max_default);
  REQUIRE(poll_max == 7);  // full polls, never more
  REQUIRE(poll_max_default > 7);
  // The answer's records stay within the limit (plus the response's own framing; Kafka returns
  // one whole batch even when it alone is larger, and these batches are a few hundred bytes).
  REQUIRE(fetch_max <= 1024 + 256);
  REQUIRE(fetch_max_default > 4 * 1024);
}

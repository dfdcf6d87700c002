// Topics and partitions on the simulator (seed 3.1.1 and 3.1.2): a replication factor above the
// broker count is refused by the controller and the topic never exists; keyed records keep one
// partition per key in send order, each partition is read by one member of a group at a time,
// and more partitions keep more members busy.
#include <catch2/catch.hpp>

// GCC 12 at -O2 reports a false -Wrestrict inside std::string assignment (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "broker/client/partitioner.h"
#include "sim/runner/kafka_cluster.h"
#include "sim/runner/run.h"
#include "sim/runner/scenario_loader.h"
#include "sim/runner/scenario_writer.h"
#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using kraftsim::testing::find_check;
using kraftsim::testing::seed_count;

namespace {

const trace::Event* topic_result(const runner::RunResult& r, const std::string& topic) {
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::state && e.name == "create-topic-result" && e.string_or("topic", "") == topic) return &e;
  }
  return nullptr;
}

bool topic_exists_anywhere(const runner::RunResult& r, const std::string& topic) {
  for (const auto& e : r.trace_events) {
    if (e.kind != trace::Kind::state || e.string_or("topic", "") != topic) continue;
    if (e.name == "metadata-committed" || e.name == "partition-log-opened" || e.name == "partition-state") return true;
  }
  return false;
}

}  // namespace

TEST_CASE("replication factor 4 on 3 brokers is refused with INVALID_REPLICATION_FACTOR and the topic never exists", "[kraft][controller][scenario]") {
  const runner::Scenario s = kraftsim::testing::load_scenario("replication", "replication-factor-above-brokers");
  REQUIRE(s.expect_create_topics.at("too-many-replicas") == "INVALID_REPLICATION_FACTOR");
  for (std::uint64_t seed = 1; seed <= seed_count(5); ++seed) {
    const runner::RunResult r = kraftsim::testing::require_all_hold(s, seed, true);
    INFO(r.replay_command);
    REQUIRE(r.passed);
    const runner::CheckResult* judged = find_check(r, "topics-created-as-expected");
    REQUIRE(judged != nullptr);
    REQUIRE(judged->status == runner::CheckStatus::held);
    const trace::Event* refused = topic_result(r, "too-many-replicas");
    REQUIRE(refused != nullptr);
    REQUIRE(refused->string_or("error", "") == "INVALID_REPLICATION_FACTOR");
    REQUIRE(refused->int_or("error_code", -1) == 38);  // Kafka's wire code
    REQUIRE(std::string(refused->string_or("message", "")).find("only 3 broker(s)") != std::string::npos);
    REQUIRE_FALSE(topic_exists_anywhere(r, "too-many-replicas"));
    // The other topic of the same request is created: the refusal is per topic.
    REQUIRE(topic_result(r, "orders")->int_or("error_code", -1) == 0);
    REQUIRE(topic_exists_anywhere(r, "orders"));
  }
}

TEST_CASE("topics-created-as-expected fails a run whose CreateTopics answers differ from the scenario's expect", "[kraft][controller][scenario]") {
  runner::Scenario s = kraftsim::testing::load_scenario("replication", "replication-factor-above-brokers");
  SECTION("a refusal expected for a topic that is created") {
    s.expect_create_topics["orders"] = "INVALID_REPLICATION_FACTOR";
    const runner::RunResult r = runner::run_scenario(s, {1, false});
    REQUIRE_FALSE(r.passed);
    const runner::CheckResult* c = find_check(r, "topics-created-as-expected");
    REQUIRE(c->status == runner::CheckStatus::violated);
    INFO(c->detail);
    // The controller commits the TopicRecord before it answers: both are violations.
    REQUIRE(c->detail.find("2 violations") != std::string::npos);
    REQUIRE(c->detail.find("yet node") != std::string::npos);
    REQUIRE(c->detail.find("committed its TopicRecord") != std::string::npos);
  }
  SECTION("a topic expected to be created that is refused") {
    s.expect_create_topics["too-many-replicas"] = "NONE";
    const runner::RunResult r = runner::run_scenario(s, {1, false});
    REQUIRE_FALSE(r.passed);
    REQUIRE(find_check(r, "topics-created-as-expected")->detail.find("INVALID_REPLICATION_FACTOR") != std::string::npos);
  }
  SECTION("without expectations the check does not apply") {
    s.expect_create_topics.clear();
    const runner::RunResult r = runner::run_scenario(s, {1, false});
    REQUIRE(r.passed);
    REQUIRE(find_check(r, "topics-created-as-expected")->status == runner::CheckStatus::not_applicable);
  }
}

TEST_CASE("expect.create_topics must name a scenario topic and a CreateTopics error", "[kraft][scenario]") {
  const std::string head =
      R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1}]}, "topics": [{"name": "t"}], "expect": {"create_topics": )";
  auto unknown_topic = runner::parse_scenario(head + R"({"u": "NONE"}}})", "f.json");
  REQUIRE_FALSE(unknown_topic.ok());
  REQUIRE(unknown_topic.error().message.find("/expect/create_topics/u") != std::string::npos);
  REQUIRE(unknown_topic.error().message.find("scenario's topics") != std::string::npos);
  auto unknown_error = runner::parse_scenario(head + R"({"t": "NOT_AN_ERROR"}}})", "f.json");
  REQUIRE_FALSE(unknown_error.ok());
  REQUIRE(unknown_error.error().message.find("INVALID_REPLICATION_FACTOR") != std::string::npos);
  // The scenario writer (explore, shrink) keeps the expectation.
  const runner::Scenario s = kraftsim::testing::load_scenario("replication", "replication-factor-above-brokers");
  auto written = runner::parse_scenario(runner::scenario_to_json(s).dump(), "written.json");
  REQUIRE(written.ok());
  REQUIRE(written->expect_create_topics == s.expect_create_topics);
}

namespace {

// What a run of the keyed-partitions scenario showed.
struct KeyedRun {
  runner::RunResult result;
  std::map<NodeId, std::int64_t> records_by_member;  // consumer node -> records it polled
  std::int64_t records_consumed = 0;
};

KeyedRun run_keyed(const runner::Scenario& s) {
  KeyedRun out{runner::run_scenario(s, {1, true}), {}, 0};
  for (const auto& e : out.result.trace_events) {
    if (e.kind != trace::Kind::state || e.name != "consumed") continue;
    out.records_by_member[e.node] += e.int_or("records", 0);
    out.records_consumed += e.int_or("records", 0);
  }
  return out;
}

}  // namespace

TEST_CASE("keyed records: one partition per key in send order, one member per partition at a time, more partitions keep more members busy", "[partitions][groups][scenario]") {
  const runner::Scenario s = kraftsim::testing::load_scenario("partitions", "keyed-partitions-parallel-consumers");
  REQUIRE(s.topics[0].partitions == 6);
  const KeyedRun six = run_keyed(s);
  const runner::RunResult& r = six.result;
  INFO(r.replay_command);
  REQUIRE(r.passed);

  // 1. The default partitioner: each key on partition murmur2(key) % 6, its records in send order.
  std::map<std::int64_t, std::string> key_of_send;  // history id -> key
  std::map<std::string, std::vector<std::pair<std::int32_t, std::int64_t>>> landed;  // key -> (partition, offset) by id
  for (const auto& e : r.trace_events) {
    if (e.kind != trace::Kind::state || e.name != "history" || e.string_or("f", "") != "send") continue;
    const std::string type(e.string_or("type", ""));
    if (type == "invoke") key_of_send[e.int_or("id", -1)] = e.string_or("key", "");
    if (type != "ok") continue;
    // A completion stands for the sends id..id+count-1 (keyed sends of one partition are
    // interleaved with other partitions', so runs are short here).
    for (std::int64_t i = 0; i < e.int_or("count", 0); ++i) {
      const std::string& key = key_of_send.at(e.int_or("id", -1) + i);
      landed[key].emplace_back(static_cast<std::int32_t>(e.int_or("partition", -1)), e.int_or("offset", -1) + i);
    }
  }
  REQUIRE(landed.size() == 60);
  std::set<std::int32_t> partitions_used;
  std::int64_t acknowledged = 0;
  for (const auto& [key, sends] : landed) {
    INFO("key " << key);
    const std::vector<std::uint8_t> bytes(key.begin(), key.end());
    const std::int32_t expected = client::partition_for_key(bytes, 6);
    for (std::size_t i = 0; i < sends.size(); ++i) {
      REQUIRE(sends[i].first == expected);
      if (i > 0) REQUIRE(sends[i].second > sends[i - 1].second);  // later send, later offset
    }
    partitions_used.insert(expected);
    acknowledged += static_cast<std::int64_t>(sends.size());
  }
  REQUIRE(acknowledged == 6000);
  REQUIRE(partitions_used.size() == 6);

  // 2. Each partition is read by one member per generation (and group-single-owner agrees).
  std::map<std::pair<std::int64_t, std::int64_t>, std::set<std::string>> readers;  // (partition, generation) -> members
  for (const auto& e : r.trace_events) {
    if (e.kind == trace::Kind::state && e.name == "consumed") {
      readers[{e.int_or("partition", -1), e.int_or("generation", -1)}].insert(std::string(e.string_or("member", "")));
    }
  }
  std::set<std::int64_t> partitions_read;
  for (const auto& [key, members] : readers) {
    INFO("partition " << key.first << " generation " << key.second);
    REQUIRE(members.size() == 1);
    partitions_read.insert(key.first);
  }
  REQUIRE(partitions_read.size() == 6);
  REQUIRE(find_check(r, "group-single-owner")->status == runner::CheckStatus::held);

  // 3. Parallelism: with 6 partitions all three members poll records and together keep up with
  // the producer; with 1 partition only its owner works, at 1 / (8 ms) = 125 records/s.
  REQUIRE(six.records_by_member.size() == 3);
  for (const auto& [member, records] : six.records_by_member) {
    INFO("consumer node " << member);
    REQUIRE(records > 1000);
  }
  REQUIRE(six.records_consumed == 6000);
  runner::Scenario single = s;
  single.topics[0].partitions = 1;
  const KeyedRun one = run_keyed(single);
  INFO("1 partition: " << one.records_consumed << " records consumed by " << one.records_by_member.size()
                       << " member(s); 6 partitions: " << six.records_consumed);
  REQUIRE(one.result.passed);
  REQUIRE(one.records_by_member.size() == 1);
  REQUIRE(one.records_consumed < six.records_consumed * 3 / 4);
}

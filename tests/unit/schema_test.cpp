// The JSON Schema and the loader describe the same format: every scenario file names the
// schema, and every key the schema allows at the top level, in a node, the network, the disk
// and a fault is one the loader accepts (and the other way round).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "broker/controller/errors.h"
#include "sim/check/checker_ids.h"
#include "sim/runner/scenario_loader.h"

using nlohmann::json;

namespace {
json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return json::parse(in);
}
std::set<std::string> keys_of(const json& properties) {
  std::set<std::string> out;
  for (const auto& [k, v] : properties.items()) out.insert(k);
  return out;
}
}  // namespace

TEST_CASE("every scenario file references the schema", "[schema]") {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(KRAFTSIM_SOURCE_DIR "/scenarios")) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find(".schema.") != std::string::npos) continue;
    INFO(entry.path());
    const json doc = read_json(entry.path().string());
    REQUIRE(doc.contains("$schema"));
    REQUIRE(doc["$schema"].get<std::string>().find("scenario.schema.json") != std::string::npos);
  }
}

TEST_CASE("the schema's fault kinds are exactly the loader's", "[schema]") {
  const json schema = read_json(KRAFTSIM_SOURCE_DIR "/scenarios/scenario.schema.json");
  auto kinds = keys_of(schema["$defs"]["fault"]["properties"]);
  kinds.erase("at_ms");
  // Ask the loader: a fault with no kind lists every kind it knows.
  auto r = kraftsim::runner::parse_scenario(
      R"({"name": "x", "duration_ms": 5, "cluster": {"nodes": [{"node.id": 1}]}, "faults": [{"at_ms": 1}]})", "t");
  REQUIRE_FALSE(r.ok());
  for (const auto& kind : kinds) {
    INFO(kind);
    REQUIRE(r.error().message.find("\"" + kind + "\"") != std::string::npos);
  }
  std::size_t listed = 0;
  for (std::size_t p = r.error().message.find('"'); p != std::string::npos; p = r.error().message.find('"', p + 1)) ++listed;
  REQUIRE(listed / 2 == kinds.size());
}

TEST_CASE("every key the schema allows is accepted by the loader", "[schema]") {
  const json schema = read_json(KRAFTSIM_SOURCE_DIR "/scenarios/scenario.schema.json");
  // A scenario using every documented key of the cluster, network, disk and pinger sections.
  json doc = {{"$schema", "./scenario.schema.json"}, {"name", "all-keys"}, {"description", "d"}, {"seed", 3},
              {"duration_ms", 100}, {"quiet_phase_ms", 10}, {"max_events", 1000}, {"program", "pinger"},
              {"pinger", {{"interval_ms", 10}, {"padding_bytes", 1}, {"sync_every", 2}}},
              {"topics", {{{"name", "t"}, {"partitions", 2}, {"replication.factor", 1}, {"config", {{"min.insync.replicas", 1}}}}}},
              {"metadata_writes_per_s", 0},
              {"producers", {{{"topic", "t"}, {"acks", "1"}, {"compression.type", "lz4"}, {"start_ms", 10},
                              {"records_per_s", 5}, {"records", 3}, {"value_bytes", 8}, {"keys", 2}, {"key_distribution", "zipf"}, {"zipf_exponent", 1.2}, {"batch.size", 100}, {"linger.ms", 0},
                              {"max.in.flight.requests.per.connection", 1},
                              {"request.timeout.ms", 1000}, {"delivery.timeout.ms", 5000}, {"retry.backoff.ms", 50},
                              {"retries", 3}, {"enable.idempotence", false}, {"buffer.memory", 100000},
                              {"max.block.ms", 1000}}}},
              {"consumers", {{{"topic", "t"}, {"start_ms", 10}, {"auto.offset.reset", "earliest"}, {"group.id", "g"},
                              {"partition.assignment.strategy", "roundrobin"}, {"enable.auto.commit", false},
                              {"auto.commit.interval.ms", 1000}, {"session.timeout.ms", 10000}, {"heartbeat.interval.ms", 1000},
                              {"max.poll.interval.ms", 60000}, {"max.poll.records", 10}, {"fetch.min.bytes", 100},
                              {"fetch.max.wait.ms", 100}, {"max.partition.fetch.bytes", 4096}, {"processing_ms_per_record", 1},
                              {"commit_before_processing", true}, {"commit_after_processing", false}, {"kraftsim.consumer.ignore.revocation", false}}}},
              {"test_only_mutations", json::array()},
              {"expect", {{"violated", json::array()}, {"may_violate", {"acked-write-durable"}}, {"create_topics", {{"t", "NONE"}}}}},
              {"cluster", {{"nodes", {{{"node.id", 1}, {"process.roles", "controller"}, {"formatted", true},
                                       {"format_cluster_id", "O0l-HBAiRmawtFPn_H4l8w"}, {"config", json::object()}}}},
                           {"cluster.id", "tUeiYSM4QW2qCFizw1jz8Q"}, {"controller.quorum.voters", "1@kafka1:9093"},
                           {"config", {{"broker.session.timeout.ms", 9000}}},
                           {"network", {{"latency_ms", {1, 2}}, {"distribution", "uniform"}, {"bandwidth_bytes_per_s", 0},
                                        {"disconnect_detection_ms", 5}, {"loss_probability", 0}, {"duplicate_probability", 0},
                                        {"reorder_probability", 0}}},
                           {"disk", {{"capacity_bytes", 1000000}, {"fsync_latency_us", 5}, {"read_miss_latency_us", 5},
                                     {"torn_writes", true}}}}},
              {"faults", json::array()}};
  REQUIRE(keys_of(doc["cluster"]["network"]) == keys_of(schema["properties"]["cluster"]["properties"]["network"]["properties"]));
  REQUIRE(keys_of(doc["cluster"]["disk"]) == keys_of(schema["properties"]["cluster"]["properties"]["disk"]["properties"]));
  REQUIRE(keys_of(doc["pinger"]) == keys_of(schema["properties"]["pinger"]["properties"]));
  REQUIRE(keys_of(doc["cluster"]) == keys_of(schema["properties"]["cluster"]["properties"]));
  REQUIRE(keys_of(doc["cluster"]["nodes"][0]) == keys_of(schema["properties"]["cluster"]["properties"]["nodes"]["items"]["properties"]));
  REQUIRE(keys_of(doc["topics"][0]) == keys_of(schema["properties"]["topics"]["items"]["properties"]));
  REQUIRE(keys_of(doc["expect"]) == keys_of(schema["properties"]["expect"]["properties"]));
  REQUIRE(keys_of(doc["consumers"][0]) == keys_of(schema["properties"]["consumers"]["items"]["properties"]));
  REQUIRE(keys_of(doc["producers"][0]) == keys_of(schema["properties"]["producers"]["items"]["properties"]));
  auto top = keys_of(schema["properties"]);
  top.erase("$comment");
  REQUIRE(keys_of(doc) == top);
  auto r = kraftsim::runner::parse_scenario(doc.dump(), "all-keys");
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
}

TEST_CASE("the schema's CreateTopics answers for expect.create_topics are exactly the loader's", "[schema]") {
  const json schema = read_json(KRAFTSIM_SOURCE_DIR "/scenarios/scenario.schema.json");
  std::set<std::string> in_schema;
  for (const auto& name : schema["properties"]["expect"]["properties"]["create_topics"]["additionalProperties"]["enum"]) {
    in_schema.insert(name.get<std::string>());
  }
  std::set<std::string> in_loader;
  for (std::string_view name : kraftsim::check::create_topics_error_names) {
    in_loader.insert(std::string(name));
    // Each is the name of a Kafka error code the controller or the admin client reports.
    bool known = false;
    for (int code = -1; code <= 110; ++code) {
      known = known || kraftsim::controller::to_string(static_cast<kraftsim::controller::ErrorCode>(code)) == name;
    }
    INFO(name);
    REQUIRE(known);
  }
  REQUIRE(in_schema == in_loader);
}

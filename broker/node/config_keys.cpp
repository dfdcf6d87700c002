// The configuration key table (see config_keys.h). Defaults and meanings are Kafka's
// (kafka.apache.org/documentation/#brokerconfigs, #topicconfigs); rows say where kraftsim
// differs.
#include "broker/node/config_keys.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace kraftsim::node {

namespace {

constexpr std::int64_t int32_max = 2147483647;

constexpr std::array keys = {
    ConfigKey{"node.id", KeyType::integer, KeyScope::broker, "", 0, int32_max, "", "The node's id in the cluster (KRaft)."},
    ConfigKey{"process.roles", KeyType::choice, KeyScope::broker, "", 0, 0, "broker|controller|broker,controller",
              "The roles this node plays."},
    ConfigKey{"controller.quorum.voters", KeyType::string, KeyScope::broker, "", 0, 0, "",
              "The controller quorum as id@host:port entries, e.g. 1@kafka1:9093,2@kafka2:9093."},
    ConfigKey{"cluster.id", KeyType::string, KeyScope::broker, "", 0, 0, "",
              "The cluster id written by kafka-storage.sh format (22-character base64url Uuid).",
              "Set per scenario; the runner formats each node's storage with it before the run."},
    ConfigKey{"controller.quorum.election.timeout.ms", KeyType::integer, KeyScope::broker, "1000", 1, int32_max, "",
              "Election timeout T; the effective timeout is T + random(T)."},
    ConfigKey{"controller.quorum.fetch.timeout.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "A follower that hears nothing from the leader this long starts an election; check-quorum uses 1.5x."},
    ConfigKey{"controller.quorum.election.backoff.max.ms", KeyType::integer, KeyScope::broker, "1000", 1, int32_max, "",
              "Cap of the binary exponential backoff between elections."},
    ConfigKey{"controller.quorum.request.timeout.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "Quorum RPC timeout before retrying."},
    ConfigKey{"controller.quorum.retry.backoff.ms", KeyType::integer, KeyScope::broker, "20", 0, int32_max, "",
              "Pause after a failed quorum RPC."},
    ConfigKey{"broker.heartbeat.interval.ms", KeyType::integer, KeyScope::broker, "2000", 1, int32_max, "",
              "How often a broker heartbeats to the active controller."},
    ConfigKey{"broker.session.timeout.ms", KeyType::integer, KeyScope::broker, "9000", 1, int32_max, "",
              "The controller fences a broker that has not heartbeated this long."},
    ConfigKey{"metadata.log.max.record.bytes.between.snapshots", KeyType::integer, KeyScope::broker, "20971520", 1,
              INT64_MAX, "", "Bytes of new metadata records after which a node writes a metadata snapshot."},
    ConfigKey{"metadata.log.max.snapshot.interval.ms", KeyType::integer, KeyScope::broker, "3600000", 0, INT64_MAX, "",
              "Longest time between metadata snapshots (0 disables time-based snapshots)."},
    ConfigKey{"metadata.max.idle.interval.ms", KeyType::integer, KeyScope::broker, "500", 0, int32_max, "",
              "The active controller writes a NoOpRecord this often (KIP-835); 0 disables it."},
    ConfigKey{"metadata.log.segment.bytes", KeyType::integer, KeyScope::broker, "1073741824", 12, int32_max, "",
              "Size of a metadata log segment before it rolls.",
              "Default 1 MiB in kraftsim (the runs are short); set it to see segments roll."},
    ConfigKey{"unclean.leader.election.enable", KeyType::boolean, KeyScope::both, "false", 0, 0, "",
              "Elect a replica outside the ISR when no ISR member is alive, at the risk of losing data (KIP-106)."},
    ConfigKey{"min.insync.replicas", KeyType::integer, KeyScope::both, "1", 1, int32_max, "",
              "With acks=all, the fewest in-sync replicas a produce needs."},
    ConfigKey{"default.replication.factor", KeyType::integer, KeyScope::broker, "1", 1, int32_max, "",
              "Replication factor of topics created without one."},
    ConfigKey{"num.partitions", KeyType::integer, KeyScope::broker, "1", 1, int32_max, "",
              "Partition count of topics created without one."},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return keys; }

const ConfigKey* find_config_key(std::string_view name) {
  for (const ConfigKey& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Result<std::string, std::string> validate_config_value(const ConfigKey& key, const std::string& value) {
  switch (key.type) {
    case KeyType::integer: {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() || v < key.min || v > key.max) {
        return unexpected(fmt::format("expected an integer in [{}, {}], got \"{}\"", key.min, key.max, value));
      }
      return value;
    }
    case KeyType::boolean:
      if (value != "true" && value != "false") return unexpected(fmt::format("expected true or false, got \"{}\"", value));
      return value;
    case KeyType::choice: {
      std::string_view rest = key.choices;
      while (!rest.empty()) {
        const auto bar = rest.find('|');
        const auto choice = rest.substr(0, bar);
        if (choice == value) return value;
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      return unexpected(fmt::format("expected one of {}, got \"{}\"", key.choices, value));
    }
    case KeyType::string:
    case KeyType::list:
      return value;
  }
  return value;
}

}  // namespace kraftsim::node

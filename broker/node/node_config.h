// A node's configuration with Kafka's key names: node.id, process.roles,
// controller.quorum.voters, cluster.id, plus every other key as a string for the layers that
// read them (replication, log, controller). Parsing returns an error naming the key and what was
// expected; a node never starts with a configuration that failed to parse.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "broker/env/node_id.h"

namespace kraftsim::node {

// One entry of controller.quorum.voters: "id@host:port".
struct Voter {
  NodeId id = no_node;
  std::string host;
  std::int32_t port = 0;
  bool operator==(const Voter&) const = default;
};

struct ConfigError {
  std::string key;      // the Kafka config key at fault
  std::string message;  // what was expected
};

// Parses "1@kafka1:9093,2@kafka2:9093,3@kafka3:9093" (Kafka's QuorumConfig.parseVoterConnections).
Result<std::vector<Voter>, ConfigError> parse_voters(const std::string& text);

struct NodeConfig {
  NodeId node_id = no_node;
  bool broker = true;      // process.roles contains "broker"
  bool controller = true;  // process.roles contains "controller"
  std::vector<Voter> voters;
  std::string cluster_id;  // what the operator formatted the storage with
  std::map<std::string, std::string> other;  // every other key, verbatim

  bool is_voter() const;
  std::string roles_string() const;  // "broker,controller" form
  // Reads an integer key of `other` with a default; an unparsable value was already rejected.
  std::int64_t int_or(const std::string& key, std::int64_t fallback) const;
  bool bool_or(const std::string& key, bool fallback) const;
};

// Builds a NodeConfig from Kafka-style properties, validating as Kafka's KafkaConfig does for
// KRaft mode: node.id required and >= 0; process.roles one of broker, controller,
// broker,controller; controller.quorum.voters well formed, without duplicate ids; a node with
// the controller role must be one of the voters.
Result<NodeConfig, ConfigError> parse_node_config(const std::map<std::string, std::string>& properties);

}  // namespace kraftsim::node

// meta.properties: the file `kafka-storage.sh format` writes into every log directory, and the
// first thing a KRaft node reads at start-up. Version 1 (KRaft) holds cluster.id, node.id and
// directory.id (KIP-858). A node whose storage holds no meta.properties refuses to start ("format
// the storage first"); one whose cluster.id differs from its configuration refuses too, naming
// both ids (Kafka's MetaPropertiesEnsemble.verify).
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "broker/env/files.h"
#include "broker/env/node_id.h"

namespace kraftsim::node {

inline constexpr const char* meta_properties_path = "meta.properties";

struct MetaProperties {
  int version = 1;
  std::string cluster_id;
  NodeId node_id = no_node;
  std::string directory_id;
  bool operator==(const MetaProperties&) const = default;
};

// Java properties text, as Kafka writes it (a comment header; key=value lines, sorted).
std::string encode_meta_properties(const MetaProperties& meta);
Result<MetaProperties, std::string> decode_meta_properties(const std::string& text);

// Reads it at start-up. Errors are user-facing sentences.
Result<MetaProperties, std::string> read_meta_properties(env::Files& files);

}  // namespace kraftsim::node

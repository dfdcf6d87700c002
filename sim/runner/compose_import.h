// `kraftsim import-compose`: turns a KRaft docker-compose file (the confluentinc/cp-kafka and
// apache/kafka images' environment: KAFKA_NODE_ID, KAFKA_PROCESS_ROLES,
// KAFKA_CONTROLLER_QUORUM_VOTERS, CLUSTER_ID, KAFKA_LISTENERS, KAFKA_CONTROLLER_LISTENER_NAMES,
// ...) into a scenario whose cluster section is that cluster. It checks what Kafka would refuse
// at start-up (a voter that is not a controller, a voter host no service answers to, a
// controller listener missing on a controller, a malformed CLUSTER_ID) and names the file, the
// service and the key of every error. It never runs anything.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace kraftsim::runner {

// Limits: a compose file is small; these keep a hostile one from costing much.
inline constexpr std::size_t compose_services_max = 256;
inline constexpr std::size_t compose_environment_max = 1024;  // variables per service

struct ComposeImportOptions {
  std::string name;                         // the scenario's name ("" = from the file name)
  std::int64_t duration_ms = 60'000;
  std::string schema = "./scenario.schema.json";  // the "$schema" reference for editors
};

// The scenario as JSON ("$schema", "$comment", name, description, seed, duration_ms, program,
// cluster), or one error line "FILE: service S: KEY: what was expected".
Result<nlohmann::ordered_json, std::string> import_compose(const std::string& yaml_text, const std::string& source_name,
                                                           const ComposeImportOptions& options);
Result<nlohmann::ordered_json, std::string> import_compose_file(const std::string& path,
                                                                const ComposeImportOptions& options);

// cp-kafka's and apache/kafka's mapping of an environment variable to a Kafka key: drop KAFKA_,
// lower-case, '_' -> '.', "__" -> '_', "___" -> '-' (KAFKA_MIN_INSYNC_REPLICAS -> min.insync.replicas).
std::string kafka_key_from_env(const std::string& variable);

}  // namespace kraftsim::runner

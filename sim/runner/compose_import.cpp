// Reading a docker-compose file (yaml-cpp) into a scenario's cluster section; see compose_import.h.
// Kafka's own start-up checks (KafkaConfig, KRaft mode) are the model for what is refused here.
#include "sim/runner/compose_import.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "base/assert.h"
#include "broker/common/uuid.h"
#include "broker/node/config_keys.h"
#include "broker/node/node_config.h"

namespace kraftsim::runner {
namespace {

// An error the user can fix: the message already names the file, the service and the key.
struct ImportError {
  std::string message;
};

// The keys the importer reads itself; every other KAFKA_ variable goes through kafka_key_from_env.
constexpr const char* env_node_id = "KAFKA_NODE_ID";
constexpr const char* env_roles = "KAFKA_PROCESS_ROLES";
constexpr const char* env_voters = "KAFKA_CONTROLLER_QUORUM_VOTERS";
constexpr const char* env_cluster_id = "CLUSTER_ID";
constexpr const char* env_listeners = "KAFKA_LISTENERS";
constexpr const char* env_controller_listeners = "KAFKA_CONTROLLER_LISTENER_NAMES";
constexpr const char* env_advertised = "KAFKA_ADVERTISED_LISTENERS";
constexpr const char* env_protocol_map = "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP";
constexpr const char* env_inter_broker = "KAFKA_INTER_BROKER_LISTENER_NAME";
// Read by the images but not by kraftsim (JVM options, logging, file locations).
constexpr std::array<const char*, 7> env_not_config_prefixes = {"KAFKA_HEAP_OPTS", "KAFKA_JVM_", "KAFKA_JMX_", "KAFKA_OPTS",
                                                                "KAFKA_LOG4J_", "KAFKA_GC_", "KAFKA_DEBUG"};

struct Listener {
  std::string name;
  std::string host;
  std::int32_t port = 0;
};

struct Service {
  std::string name;
  std::vector<std::pair<std::string, std::string>> environment;  // in file order
  std::optional<std::string> env(const std::string& key) const {
    for (const auto& [k, v] : environment) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

struct KafkaNode {
  const Service* service = nullptr;
  NodeId id = no_node;
  bool broker = false;
  bool controller = false;
  std::string cluster_id;
  std::vector<Listener> listeners;
  std::vector<std::string> controller_listener_names;
  std::map<std::string, std::string> config;  // Kafka keys from the other KAFKA_ variables
  std::string roles() const { return broker && controller ? "broker,controller" : broker ? "broker" : "controller"; }
};

// YAML merge keys ("<<: *common", "<<: [*a, *b]"), which compose files use to share a service's
// settings and which yaml-cpp leaves as an ordinary "<<" key: the mapping's own keys win, then
// the merged mappings' in order (YAML 1.1's merge key type).
YAML::Node with_merge_keys(const YAML::Node& map) {
  if (!map || !map.IsMap() || !map["<<"]) return map;
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& entry : map) {
    if (entry.first.Scalar() != "<<") out[entry.first.Scalar()] = entry.second;
  }
  const YAML::Node merge = map["<<"];
  std::vector<YAML::Node> sources;
  if (merge.IsMap()) sources.push_back(merge);
  if (merge.IsSequence()) {
    for (const auto& m : merge) sources.push_back(m);
  }
  for (const YAML::Node& source : sources) {
    if (!source.IsMap()) continue;
    for (const auto& entry : with_merge_keys(source)) {
      if (!out[entry.first.Scalar()]) out[entry.first.Scalar()] = entry.second;
    }
  }
  return out;
}

class Importer {
 public:
  Importer(std::string source, const ComposeImportOptions& options) : source_(std::move(source)), options_(options) {}

  nlohmann::ordered_json run(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      // e.mark is 0-based; people count lines from 1.
      fail_file(fmt::format("malformed YAML at line {}, column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    if (!root.IsMap()) fail_file("expected a docker-compose file: a mapping with a 'services' section");
    const YAML::Node services = root["services"];
    if (!services || !services.IsMap() || services.size() == 0) {
      fail_file("services: expected a mapping of service names to services");
    }
    if (services.size() > compose_services_max) {
      fail_file(fmt::format("services: {} services, at most {}", services.size(), compose_services_max));
    }
    services_.reserve(services.size());
    for (const auto& entry : services) read_service(entry.first.as<std::string>(), entry.second);
    for (const Service& s : services_) read_kafka_node(s);
    if (nodes_.empty()) {
      fail_file(fmt::format("no service sets {} and {}: not a KRaft cluster (ZooKeeper mode is not simulated)", env_roles,
                            env_node_id));
    }
    check_voters();
    for (const KafkaNode& n : nodes_) check_listeners(n);
    return scenario();
  }

 private:
  [[noreturn]] void fail_file(const std::string& what) const { throw ImportError{fmt::format("{}: {}", source_, what)}; }
  [[noreturn]] void fail(const Service& s, const std::string& key, const std::string& what) const {
    throw ImportError{fmt::format("{}: service {}: {}: {}", source_, s.name, key, what)};
  }

  // Environment as a mapping or as a list of "KEY=VALUE" strings (both compose forms).
  void read_service(const std::string& name, const YAML::Node& raw) {
    const YAML::Node node = with_merge_keys(raw);
    Service s;
    s.name = name;
    if (!node.IsMap()) fail(s, "service", "expected a mapping (image, environment, ...)");
    for (const char* key : {"container_name", "hostname"}) {
      if (node[key] && node[key].IsScalar()) add_host_name(node[key].Scalar(), services_.size());
    }
    add_host_name(name, services_.size());
    if (const YAML::Node networks = node["networks"]; networks && networks.IsMap()) {
      for (const auto& network : networks) {
        const YAML::Node aliases = network.second.IsMap() ? network.second["aliases"] : YAML::Node();
        if (!aliases || !aliases.IsSequence()) continue;
        for (const auto& alias : aliases) {
          if (alias.IsScalar()) add_host_name(alias.Scalar(), services_.size());
        }
      }
    }
    const YAML::Node environment = with_merge_keys(node["environment"]);
    if (environment && !environment.IsNull()) {
      if (environment.size() > compose_environment_max) {
        fail(s, "environment", fmt::format("{} variables, at most {}", environment.size(), compose_environment_max));
      }
      if (environment.IsMap()) {
        for (const auto& entry : environment) {
          const std::string key = entry.first.as<std::string>();
          if (!entry.second.IsScalar()) {
            fail(s, key, "no value: a value taken from the host's environment at `docker compose up` cannot be "
                         "imported; write the value");
          }
          add_variable(s, key, entry.second.Scalar());
        }
      } else if (environment.IsSequence()) {
        for (const auto& entry : environment) {
          if (!entry.IsScalar()) fail(s, "environment", "expected a list of \"KEY=VALUE\" strings");
          const std::string& line = entry.Scalar();
          const auto equals = line.find('=');
          if (equals == std::string::npos) {
            fail(s, line, "no value (\"KEY\" alone takes it from the host's environment); write \"KEY=VALUE\"");
          }
          add_variable(s, line.substr(0, equals), line.substr(equals + 1));
        }
      } else {
        fail(s, "environment", "expected a mapping or a list of \"KEY=VALUE\" strings");
      }
    }
    services_.push_back(std::move(s));
  }

  void add_host_name(const std::string& host, std::size_t service_index) { hosts_.emplace(host, service_index); }

  void add_variable(Service& s, const std::string& key, std::string value) {
    // Compose substitutes ${VAR} and $VAR from the host; "$$" is a literal '$'.
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '$') continue;
      if (i + 1 < value.size() && value[i + 1] == '$') {
        value.erase(i, 1);
        continue;
      }
      fail(s, key, fmt::format("\"{}\" uses variable substitution, which import-compose cannot resolve; write the value",
                               value));
    }
    if (s.env(key)) fail(s, key, "set twice");
    s.environment.emplace_back(key, std::move(value));
  }

  const std::string& required(const Service& s, const std::string& key, const std::string& why) const {
    for (const auto& [k, v] : s.environment) {
      if (k == key) return v;
    }
    fail(s, key, "not set: " + why);
  }

  void read_kafka_node(const Service& s) {
    const auto id_text = s.env(env_node_id);
    const auto roles_text = s.env(env_roles);
    if (!id_text && !roles_text) return;  // not a KRaft node (a UI, a client, ZooKeeper, ...)
    KafkaNode n;
    n.service = &s;
    required(s, env_node_id, fmt::format("a service with {} needs its node id", env_roles));
    required(s, env_roles, fmt::format("a service with {} needs process.roles (KRaft mode)", env_node_id));
    std::int64_t id = -1;
    const auto [ptr, ec] = std::from_chars(id_text->data(), id_text->data() + id_text->size(), id);
    if (ec != std::errc() || ptr != id_text->data() + id_text->size() || id < 0 || id > INT32_MAX) {
      fail(s, env_node_id, fmt::format("expected a node id from 0 to {}, got \"{}\"", INT32_MAX, *id_text));
    }
    n.id = static_cast<NodeId>(id);
    for (const KafkaNode& other : nodes_) {
      if (other.id == n.id) fail(s, env_node_id, fmt::format("node id {} is also service {}'s", n.id, other.service->name));
    }
    for (const std::string& role : split_list(*roles_text)) {
      if (role == "broker") n.broker = true;
      else if (role == "controller") n.controller = true;
      else fail(s, env_roles, fmt::format("unknown role \"{}\" (expected broker, controller or both)", role));
    }
    if (!n.broker && !n.controller) fail(s, env_roles, "expected broker, controller or broker,controller");
    KS_ASSERT(n.roles() == "broker" || n.roles() == "controller" || n.roles() == "broker,controller");

    n.cluster_id = required(s, env_cluster_id, "KRaft storage is formatted with the cluster id (kafka-storage.sh format -t)");
    auto uuid = uuid_from_string(n.cluster_id);
    if (!uuid.ok()) {
      fail(s, env_cluster_id, fmt::format("expected a cluster id as kafka-storage.sh random-uuid prints it (22 base64url "
                                          "characters): {}", uuid.error()));
    }
    if (uuid_is_reserved(*uuid)) fail(s, env_cluster_id, "the zero and \"one\" UUIDs are reserved");

    n.listeners = parse_listeners(s, s.env(env_listeners).value_or("PLAINTEXT://:9092"));  // Kafka's default
    const std::string controller_names = required(
        s, env_controller_listeners, "KRaft nodes name the listener the controllers are reached on (e.g. CONTROLLER)");
    n.controller_listener_names = split_list(controller_names);
    if (n.controller_listener_names.empty()) fail(s, env_controller_listeners, "expected at least one listener name");

    for (const auto& [key, value] : s.environment) {
      if (key.rfind("KAFKA_", 0) != 0 || is_read_here(key)) continue;
      const bool not_config = std::any_of(env_not_config_prefixes.begin(), env_not_config_prefixes.end(),
                                          [&key](const char* p) { return key.rfind(p, 0) == 0; });
      const std::string kafka_key = kafka_key_from_env(key);
      const node::ConfigKey* k = not_config ? nullptr : node::find_config_key(kafka_key);
      if (k == nullptr || k->scope == node::KeyScope::topic) {
        not_modelled_.insert(key);
        continue;
      }
      auto valid = node::validate_config_value(*k, value);
      if (!valid.ok()) fail(s, key, fmt::format("{}: {}", kafka_key, valid.error()));
      n.config.emplace(kafka_key, value);
    }
    nodes_.push_back(std::move(n));
  }

  static bool is_read_here(const std::string& key) {
    for (const char* k : {env_node_id, env_roles, env_voters, env_listeners, env_controller_listeners, env_advertised,
                          env_protocol_map, env_inter_broker}) {
      if (key == k) return true;
    }
    return false;
  }

  static std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
  }

  // Kafka's comma-separated lists: entries trimmed, empty entries dropped.
  static std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
      item = trim(item);
      if (!item.empty()) out.push_back(item);
    }
    return out;
  }

  // "NAME://host:port,..." as KafkaConfig reads listeners (the host may be empty or [IPv6]).
  std::vector<Listener> parse_listeners(const Service& s, const std::string& text) const {
    std::vector<Listener> out;
    for (const std::string& entry : split_list(text)) {
      const auto scheme = entry.find("://");
      const auto colon = entry.rfind(':');
      std::int64_t port = -1;
      if (scheme == std::string::npos || scheme == 0 || colon <= scheme + 2 ||
          std::from_chars(entry.data() + colon + 1, entry.data() + entry.size(), port).ptr != entry.data() + entry.size() ||
          colon + 1 == entry.size() || port < 0 || port > 65535) {
        fail(s, env_listeners, fmt::format("expected NAME://host:port entries (e.g. PLAINTEXT://0.0.0.0:9092), got \"{}\"",
                                           entry));
      }
      Listener l{entry.substr(0, scheme), entry.substr(scheme + 3, colon - scheme - 3), static_cast<std::int32_t>(port)};
      for (const Listener& other : out) {
        if (other.name == l.name) fail(s, env_listeners, fmt::format("listener {} appears twice", l.name));
      }
      out.push_back(std::move(l));
    }
    if (out.empty()) fail(s, env_listeners, "expected at least one listener");
    return out;
  }

  static const Listener* find_listener(const KafkaNode& n, const std::string& name) {
    for (const Listener& l : n.listeners) {
      if (l.name == name) return &l;
    }
    return nullptr;
  }

  // KAFKA_CONTROLLER_QUORUM_VOTERS: the same on every node, each voter a controller node that its
  // host names and that listens on its port (KIP-595 static voters).
  void check_voters() {
    KS_ASSERT(!nodes_.empty());
    const KafkaNode& first = nodes_.front();
    voters_text_ = required(*first.service, env_voters,
                            "kraftsim needs the static voter set (controller.quorum.bootstrap.servers, KIP-853, is not "
                            "simulated)");
    auto voters = node::parse_voters(voters_text_);
    if (!voters.ok()) fail(*first.service, env_voters, voters.error().message);
    for (const KafkaNode& n : nodes_) {
      const std::string& text = required(*n.service, env_voters, "every KRaft node must know the controller quorum");
      auto own = node::parse_voters(text);
      if (!own.ok()) fail(*n.service, env_voters, own.error().message);
      if (*own != *voters) {
        fail(*n.service, env_voters, fmt::format("\"{}\" differs from service {}'s \"{}\"; every node must list the same "
                                                 "voters", text, first.service->name, voters_text_));
      }
    }
    for (const node::Voter& v : *voters) {
      const auto node = std::find_if(nodes_.begin(), nodes_.end(), [&v](const KafkaNode& n) { return n.id == v.id; });
      if (node == nodes_.end()) {
        fail(*first.service, env_voters, fmt::format("voter {} is no service's {}", v.id, env_node_id));
      }
      if (!node->controller) {
        fail(*first.service, env_voters, fmt::format("voter {} is service {}, whose {} lacks controller", v.id,
                                                     node->service->name, env_roles));
      }
      // A single-node cluster (apache/kafka's quickstart) may name itself as localhost; with more
      // nodes, localhost inside another container is that container, not the voter.
      const bool loopback = v.host == "localhost" || v.host == "127.0.0.1" || v.host == "::1" || v.host == "[::1]";
      if (loopback && nodes_.size() == 1) continue;
      if (loopback) {
        fail(*first.service, env_voters, fmt::format("voter {}'s host \"{}\" is each container itself, so the other "
                                                     "nodes cannot reach it; name its service", v.id, v.host));
      }
      const auto host = hosts_.find(v.host);
      if (host == hosts_.end()) {
        fail(*first.service, env_voters, fmt::format("voter {}'s host \"{}\" is no service name, container_name, hostname "
                                                     "or network alias of this file", v.id, v.host));
      }
      if (&services_[host->second] != node->service) {
        fail(*first.service, env_voters, fmt::format("voter {}'s host \"{}\" is service {}, but node {} is service {}", v.id,
                                                     v.host, services_[host->second].name, v.id, node->service->name));
      }
      const Listener* listener = find_listener(*node, node->controller_listener_names.front());
      if (listener != nullptr && listener->port != v.port) {
        fail(*first.service, env_voters, fmt::format("voter {} is reached on port {}, but service {}'s {} listener is on "
                                                     "port {}", v.id, v.port, node->service->name, listener->name,
                                                     listener->port));
      }
    }
    for (const KafkaNode& n : nodes_) {
      const bool voter = std::any_of(voters->begin(), voters->end(), [&n](const node::Voter& v) { return v.id == n.id; });
      if (n.controller && !voter) {
        fail(*n.service, env_roles, fmt::format("node {} is a controller but not in {} (Kafka refuses to start it)", n.id,
                                                env_voters));
      }
    }
  }

  // What KafkaConfig checks of the listeners in KRaft mode.
  void check_listeners(const KafkaNode& n) const {
    const Service& s = *n.service;
    const std::string& controller_listener = n.controller_listener_names.front();
    if (n.controller && find_listener(n, controller_listener) == nullptr) {
      fail(s, env_controller_listeners, fmt::format("{} is not a listener of this controller ({} is \"{}\")",
                                                    controller_listener, env_listeners,
                                                    s.env(env_listeners).value_or("PLAINTEXT://:9092")));
    }
    if (!n.controller) {
      for (const std::string& name : n.controller_listener_names) {
        if (find_listener(n, name) != nullptr) {
          fail(s, env_listeners, fmt::format("a broker-only node must not listen on the controller listener {}", name));
        }
      }
    }
    // Listener names outside Kafka's default security protocol map need an explicit map; an
    // unmapped controller listener defaults to PLAINTEXT when the map is not set.
    std::set<std::string> mapped = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
    const auto map_text = s.env(env_protocol_map);
    if (map_text) {
      mapped.clear();
      for (const std::string& entry : split_list(*map_text)) {
        const auto colon = entry.find(':');
        if (colon == std::string::npos || colon == 0) {
          fail(s, env_protocol_map, fmt::format("expected NAME:PROTOCOL entries, got \"{}\"", entry));
        }
        mapped.insert(entry.substr(0, colon));
      }
    }
    for (const Listener& l : n.listeners) {
      const bool is_controller = std::find(n.controller_listener_names.begin(), n.controller_listener_names.end(), l.name) !=
                                 n.controller_listener_names.end();
      if (!mapped.contains(l.name) && !(is_controller && !map_text)) {
        fail(s, env_protocol_map, fmt::format("listener {} has no security protocol", l.name));
      }
    }
    if (n.broker) {
      const std::string inter_broker = s.env(env_inter_broker).value_or("PLAINTEXT");
      if (find_listener(n, inter_broker) == nullptr) {
        fail(s, env_inter_broker, fmt::format("{} is not a listener of this broker", inter_broker));
      }
      if (std::find(n.controller_listener_names.begin(), n.controller_listener_names.end(), inter_broker) !=
          n.controller_listener_names.end()) {
        fail(s, env_inter_broker, fmt::format("{} is the controller listener; brokers talk on another", inter_broker));
      }
    }
    if (const auto advertised = s.env(env_advertised)) {
      for (const std::string& entry : split_list(*advertised)) {
        const std::string name = entry.substr(0, entry.find("://"));
        if (find_listener(n, name) == nullptr) {
          fail(s, env_advertised, fmt::format("{} is not one of {}", name, env_listeners));
        }
      }
    }
  }

  std::string scenario_name() const {
    if (!options_.name.empty()) return options_.name;
    std::string stem = std::filesystem::path(source_).stem().string();
    return stem.empty() ? "imported-compose" : stem;
  }

  std::string listeners_text(const KafkaNode& n) const {
    std::string text;
    for (const Listener& l : n.listeners) {
      if (!text.empty()) text += ",";
      text += fmt::format("{}://{}:{}", l.name, l.host, l.port);
    }
    return text;
  }

  nlohmann::ordered_json scenario() const {
    KS_ASSERT(!nodes_.empty());
    KS_ASSERT(!voters_text_.empty());
    const std::string& cluster_id = nodes_.front().cluster_id;
    // A key every node sets to the same value is cluster-wide; otherwise it stays per node.
    std::map<std::string, std::string> shared = nodes_.front().config;
    for (const KafkaNode& n : nodes_) {
      for (auto it = shared.begin(); it != shared.end();) {
        const auto own = n.config.find(it->first);
        it = own == n.config.end() || own->second != it->second ? shared.erase(it) : std::next(it);
      }
    }
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
    std::vector<std::string> services, comments;
    for (const KafkaNode& n : nodes_) {
      nlohmann::ordered_json node{{"node.id", n.id}, {"process.roles", n.roles()}};
      if (n.cluster_id != cluster_id) {
        // Kafka refuses to let it join (INCONSISTENT_CLUSTER_ID); the scenario keeps that mistake.
        node["format_cluster_id"] = n.cluster_id;
        comments.push_back(fmt::format("service {} has CLUSTER_ID {}, not the cluster's {}: it is formatted for another "
                                       "cluster", n.service->name, n.cluster_id, cluster_id));
      }
      nlohmann::ordered_json config = nlohmann::ordered_json::object();
      for (const auto& [key, value] : n.config) {
        if (!shared.contains(key)) config[key] = value;
      }
      if (!config.empty()) node["config"] = config;
      nodes.push_back(node);
      services.push_back(n.service->name);
      comments.push_back(fmt::format("service {} = node {} ({}): listeners {}; controller listener {}", n.service->name, n.id,
                                     n.roles(), listeners_text(n), n.controller_listener_names.front()));
    }
    std::vector<std::string> others;
    for (const Service& s : services_) {
      if (std::find(services.begin(), services.end(), s.name) == services.end()) others.push_back(s.name);
    }
    if (!others.empty()) comments.push_back(fmt::format("not Kafka nodes: {}", fmt::join(others, ", ")));
    if (!not_modelled_.empty()) comments.push_back(fmt::format("not simulated: {}", fmt::join(not_modelled_, ", ")));

    KS_ASSERT(nodes.size() == nodes_.size());
    nlohmann::ordered_json cluster;
    cluster["cluster.id"] = cluster_id;
    cluster["controller.quorum.voters"] = voters_text_;
    cluster["nodes"] = nodes;
    if (!shared.empty()) {
      nlohmann::ordered_json config = nlohmann::ordered_json::object();
      for (const auto& [key, value] : shared) config[key] = value;
      cluster["config"] = config;
    }
    nlohmann::ordered_json j;
    j["$schema"] = options_.schema;
    j["$comment"] = fmt::format("Imported from {} by kraftsim import-compose. {}.", source_, fmt::join(comments, ". "));
    j["name"] = scenario_name();
    j["description"] = fmt::format(
        "The KRaft cluster of {}: {} nodes (services {}) with controller.quorum.voters={} and CLUSTER_ID {}. "
        "Add topics, clients and faults to make it teach something.",
        std::filesystem::path(source_).filename().string(), nodes_.size(), fmt::join(services, ", "), voters_text_,
        cluster_id);
    j["seed"] = 1;
    j["duration_ms"] = options_.duration_ms;
    j["program"] = "kafka";
    j["cluster"] = cluster;
    return j;
  }

  std::string source_;
  ComposeImportOptions options_;
  std::vector<Service> services_;                 // in file order; KafkaNode points into it
  std::map<std::string, std::size_t> hosts_;      // a name another container can reach -> service index
  std::vector<KafkaNode> nodes_;                  // in file order
  std::set<std::string> not_modelled_;            // KAFKA_ variables kraftsim does not read
  std::string voters_text_;
};

}  // namespace

std::string kafka_key_from_env(const std::string& variable) {
  std::string name = variable.rfind("KAFKA_", 0) == 0 ? variable.substr(6) : variable;
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    if (name.compare(i, 3, "___") == 0) {
      out += '-';
      i += 3;
    } else if (name.compare(i, 2, "__") == 0) {
      out += '_';
      i += 2;
    } else if (name[i] == '_') {
      out += '.';
      i += 1;
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
      i += 1;
    }
  }
  return out;
}

Result<nlohmann::ordered_json, std::string> import_compose(const std::string& yaml_text, const std::string& source_name,
                                                           const ComposeImportOptions& options) {
  KS_ASSERT(options.duration_ms > 0);
  try {
    Importer importer(source_name, options);
    return importer.run(yaml_text);
  } catch (const ImportError& e) {
    return unexpected(e.message);
  } catch (const YAML::Exception& e) {
    // A value of the wrong YAML type (a mapping where a name was expected, ...).
    return unexpected(fmt::format("{}: line {}: {}", source_name, e.mark.line + 1, e.msg));
  }
}

Result<nlohmann::ordered_json, std::string> import_compose_file(const std::string& path,
                                                                const ComposeImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(fmt::format("{}: cannot open the compose file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unexpected(fmt::format("{}: cannot read the compose file", path));
  return import_compose(text.str(), path, options);
}

}  // namespace kraftsim::runner

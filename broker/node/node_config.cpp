// Node configuration parsing (see node_config.h).
#include "broker/node/node_config.h"

#include <fmt/format.h>

#include <charconv>
#include <set>

namespace kraftsim::node {

namespace {

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  out.push_back(current);
  return out;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

Result<std::vector<Voter>, ConfigError> parse_voters(const std::string& text) {
  const std::string key = "controller.quorum.voters";
  auto fail = [&](const std::string& what) {
    return unexpected(ConfigError{key, fmt::format("{} (expected id@host:port entries separated by commas, e.g. "
                                                   "\"1@kafka1:9093,2@kafka2:9093,3@kafka3:9093\"; got \"{}\")",
                                                   what, text)});
  };
  if (trim(text).empty()) return fail("no voters");
  std::vector<Voter> voters;
  std::set<NodeId> ids;
  for (const std::string& raw_entry : split(text, ',')) {
    const std::string entry = trim(raw_entry);
    const auto at = entry.find('@');
    if (at == std::string::npos) return fail(fmt::format("entry \"{}\" has no '@'", entry));
    const auto colon = entry.rfind(':');
    if (colon == std::string::npos || colon < at) return fail(fmt::format("entry \"{}\" has no ':port'", entry));
    const auto id = parse_int(entry.substr(0, at));
    if (!id || *id < 0 || *id > INT32_MAX) return fail(fmt::format("entry \"{}\" has an invalid node id", entry));
    const std::string host = entry.substr(at + 1, colon - at - 1);
    if (host.empty()) return fail(fmt::format("entry \"{}\" has an empty host", entry));
    const auto port = parse_int(entry.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) return fail(fmt::format("entry \"{}\" has an invalid port", entry));
    if (!ids.insert(static_cast<NodeId>(*id)).second) return fail(fmt::format("node id {} appears twice", *id));
    voters.push_back(Voter{static_cast<NodeId>(*id), host, static_cast<std::int32_t>(*port)});
  }
  return voters;
}

bool NodeConfig::is_voter() const {
  for (const Voter& v : voters) {
    if (v.id == node_id) return true;
  }
  return false;
}

std::string NodeConfig::roles_string() const {
  if (broker && controller) return "broker,controller";
  return broker ? "broker" : "controller";
}

std::int64_t NodeConfig::int_or(const std::string& key, std::int64_t fallback) const {
  auto it = other.find(key);
  if (it == other.end()) return fallback;
  return parse_int(it->second).value_or(fallback);
}

bool NodeConfig::bool_or(const std::string& key, bool fallback) const {
  auto it = other.find(key);
  if (it == other.end()) return fallback;
  return it->second == "true";
}

Result<NodeConfig, ConfigError> parse_node_config(const std::map<std::string, std::string>& properties) {
  NodeConfig c;
  auto get = [&](const std::string& key) -> std::optional<std::string> {
    auto it = properties.find(key);
    if (it == properties.end()) return std::nullopt;
    return it->second;
  };

  const auto node_id = get("node.id");
  if (!node_id) return unexpected(ConfigError{"node.id", "required in KRaft mode"});
  const auto id = parse_int(*node_id);
  if (!id || *id < 0 || *id > INT32_MAX) {
    return unexpected(ConfigError{"node.id", fmt::format("expected an integer >= 0, got \"{}\"", *node_id)});
  }
  c.node_id = static_cast<NodeId>(*id);

  const std::string roles = get("process.roles").value_or("");
  if (roles == "broker") {
    c.broker = true;
    c.controller = false;
  } else if (roles == "controller") {
    c.broker = false;
    c.controller = true;
  } else if (roles == "broker,controller" || roles == "controller,broker") {
    c.broker = c.controller = true;
  } else {
    return unexpected(ConfigError{"process.roles", fmt::format("expected broker, controller or broker,controller, got \"{}\"", roles)});
  }

  const auto voters_text = get("controller.quorum.voters");
  if (!voters_text) return unexpected(ConfigError{"controller.quorum.voters", "required in KRaft mode"});
  auto voters = parse_voters(*voters_text);
  if (!voters.ok()) return unexpected(voters.error());
  c.voters = std::move(voters.value());
  if (c.controller && !c.is_voter()) {
    return unexpected(ConfigError{"controller.quorum.voters",
                                  fmt::format("node {} has the controller role but is not among the voters \"{}\"",
                                              c.node_id, *voters_text)});
  }
  if (!c.controller && c.is_voter()) {
    return unexpected(ConfigError{"process.roles",
                                  fmt::format("node {} is a voter in controller.quorum.voters but has no controller role", c.node_id)});
  }

  c.cluster_id = get("cluster.id").value_or("");
  for (const auto& [key, value] : properties) {
    if (key != "node.id" && key != "process.roles" && key != "controller.quorum.voters" && key != "cluster.id") {
      c.other.emplace(key, value);
    }
  }
  return c;
}

}  // namespace kraftsim::node

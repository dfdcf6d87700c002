// meta.properties encoding, decoding and start-up checks (see meta_properties.h).
#include "broker/node/meta_properties.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "broker/common/uuid.h"

namespace kraftsim::node {

std::string encode_meta_properties(const MetaProperties& meta) {
  // Kafka writes a "#<timestamp>" comment via java.util.Properties.store; a simulated run has no
  // wall clock, so the comment is fixed.
  std::string out = "#\n#Written by kraftsim format\n";
  out += fmt::format("cluster.id={}\n", meta.cluster_id);
  if (!meta.directory_id.empty()) out += fmt::format("directory.id={}\n", meta.directory_id);
  out += fmt::format("node.id={}\n", meta.node_id);
  out += fmt::format("version={}\n", meta.version);
  return out;
}

Result<MetaProperties, std::string> decode_meta_properties(const std::string& text) {
  std::map<std::string, std::string> values;
  std::size_t line_start = 0;
  int line_number = 0;
  while (line_start < text.size()) {
    auto line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    const std::string line = text.substr(line_start, line_end - line_start);
    ++line_number;
    line_start = line_end + 1;
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) return unexpected(fmt::format("line {}: expected key=value, got \"{}\"", line_number, line));
    values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  MetaProperties meta;
  auto int_of = [&](const char* key, int& out) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) return fmt::format("{} is missing", key);
    const auto& s = it->second;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size()) return fmt::format("{} is not an integer: \"{}\"", key, s);
    return std::nullopt;
  };
  if (auto e = int_of("version", meta.version)) return unexpected(*e);
  if (meta.version != 1) {
    return unexpected(fmt::format("version {} is not a KRaft meta.properties (expected version=1)", meta.version));
  }
  int node_id = 0;
  if (auto e = int_of("node.id", node_id)) return unexpected(*e);
  meta.node_id = node_id;
  auto cid = values.find("cluster.id");
  if (cid == values.end() || cid->second.empty()) return unexpected(std::string("cluster.id is missing"));
  meta.cluster_id = cid->second;
  if (auto did = values.find("directory.id"); did != values.end()) meta.directory_id = did->second;
  return meta;
}

Result<MetaProperties, std::string> read_meta_properties(env::Files& files) {
  if (!files.exists(meta_properties_path)) {
    return unexpected(std::string("no meta.properties found: format the storage first (kafka-storage.sh format)"));
  }
  auto size = files.size(meta_properties_path);
  if (!size.ok()) return unexpected(fmt::format("cannot stat meta.properties: {}", env::to_string(size.error().code)));
  auto bytes = files.read(meta_properties_path, 0, *size);
  if (!bytes.ok()) return unexpected(fmt::format("cannot read meta.properties: {}", env::to_string(bytes.error().code)));
  auto meta = decode_meta_properties(std::string(bytes->begin(), bytes->end()));
  if (!meta.ok()) return unexpected(fmt::format("meta.properties is malformed: {}", meta.error()));
  return meta;
}

}  // namespace kraftsim::node

// File names and checkpoint formats of a partition directory (see partition_log_files.h).
#include "broker/log/partition_log_files.h"

#include <fmt/format.h>

#include <charconv>

namespace kraftsim::log {

namespace {

constexpr std::size_t segment_file_stem_digits = 20;

bool legal_topic_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Consumes `expected` at the front of `text`.
bool consume(std::string_view& text, std::string_view expected) {
  if (text.substr(0, expected.size()) != expected) return false;
  text.remove_prefix(expected.size());
  return true;
}

// Consumes a non-negative decimal integer at the front of `text`.
std::optional<std::int64_t> consume_int(std::string_view& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  auto value = parse_int64(text.substr(0, digits));
  text.remove_prefix(digits);
  return value;
}

}  // namespace

std::optional<std::string> check_topic_partition(const TopicPartition& topic_partition) {
  const std::string& topic = topic_partition.topic;
  if (topic.empty()) return "the topic name is empty";
  if (topic.size() > topic_name_length_max) {
    return fmt::format("the topic name is {} characters, more than {}", topic.size(), topic_name_length_max);
  }
  if (topic == "." || topic == "..") return fmt::format("\"{}\" is not a valid topic name", topic);
  for (char c : topic) {
    if (!legal_topic_character(c)) return fmt::format("topic \"{}\" holds a character outside [a-zA-Z0-9._-]", topic);
  }
  if (topic_partition.partition < 0) return fmt::format("partition {} is negative", topic_partition.partition);
  return std::nullopt;
}

std::string partition_directory_name(const TopicPartition& topic_partition) {
  return fmt::format("{}-{}", topic_partition.topic, topic_partition.partition);
}

std::string segment_file_stem(std::int64_t base_offset) { return fmt::format("{:020d}", base_offset); }

std::optional<std::int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != segment_file_stem_digits + suffix.size()) return std::nullopt;
  if (name.substr(segment_file_stem_digits) != suffix) return std::nullopt;
  const std::string_view stem = name.substr(0, segment_file_stem_digits);
  for (char c : stem) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return parse_int64(stem);
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string encode_checkpoint_file(std::int32_t version, const std::vector<std::string>& entry_lines) {
  std::string out = fmt::format("{}\n{}\n", version, entry_lines.size());
  for (const std::string& line : entry_lines) {
    out += line;
    out += '\n';
  }
  return out;
}

Result<std::vector<std::string>, std::string> parse_checkpoint_file(std::string_view text, std::int32_t expected_version) {
  if (text.size() > checkpoint_file_bytes_max) return unexpected(fmt::format("{} bytes, too large", text.size()));
  if (text.empty() || text.back() != '\n') return unexpected(std::string("does not end with a newline (torn write?)"));
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() < 2) return unexpected(std::string("missing the version or count line"));
  const auto version = parse_int64(lines[0]);
  if (!version || *version != expected_version) {
    return unexpected(fmt::format("version \"{}\", expected {}", lines[0], expected_version));
  }
  const auto count = parse_int64(lines[1]);
  if (!count || *count < 0 || static_cast<std::uint64_t>(*count) > checkpoint_entries_max) {
    return unexpected(fmt::format("invalid entry count \"{}\"", lines[1]));
  }
  if (static_cast<std::size_t>(*count) != lines.size() - 2) {
    return unexpected(fmt::format("count says {} entries, the file holds {}", *count, lines.size() - 2));
  }
  return std::vector<std::string>(lines.begin() + 2, lines.end());
}

std::optional<std::vector<std::string>> split_fields(std::string_view line, std::size_t fields) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = line.find(' ', start);
    const std::size_t end = space == std::string_view::npos ? line.size() : space;
    if (end == start || out.size() == fields) return std::nullopt;  // an empty or an extra field
    out.emplace_back(line.substr(start, end - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  if (out.size() != fields) return std::nullopt;
  return out;
}

std::string encode_recovery_point_checkpoint(const TopicPartition& topic_partition, std::int64_t recovery_point) {
  return encode_checkpoint_file(
      0, {fmt::format("{} {} {}", topic_partition.topic, topic_partition.partition, recovery_point)});
}

Result<std::optional<std::int64_t>, std::string> parse_recovery_point_checkpoint(std::string_view text,
                                                                                 const TopicPartition& topic_partition) {
  auto lines = parse_checkpoint_file(text, 0);
  if (!lines.ok()) return unexpected(lines.error());
  std::optional<std::int64_t> found;
  for (const std::string& line : *lines) {
    const auto fields = split_fields(line, 3);
    if (!fields) return unexpected(fmt::format("entry \"{}\" is not \"topic partition offset\"", line));
    const auto partition = parse_int64((*fields)[1]);
    const auto offset = parse_int64((*fields)[2]);
    if (!partition || !offset || *offset < 0) return unexpected(fmt::format("entry \"{}\" has a bad number", line));
    if ((*fields)[0] == topic_partition.topic && *partition == topic_partition.partition) found = *offset;
  }
  return found;
}

std::string encode_clean_shutdown_marker(const CleanShutdownMarker& marker) {
  return fmt::format(R"({{"version":0,"logEndOffset":{},"activeSegmentBaseOffset":{},"activeSegmentSizeBytes":{}}})",
                     marker.log_end_offset, marker.active_segment_base_offset, marker.active_segment_size_bytes);
}

Result<CleanShutdownMarker, std::string> parse_clean_shutdown_marker(std::string_view text) {
  CleanShutdownMarker marker;
  std::string_view rest = text;
  std::optional<std::int64_t> log_end, base, size;
  const bool ok = consume(rest, R"({"version":0,"logEndOffset":)") && (log_end = consume_int(rest)) &&
                  consume(rest, R"(,"activeSegmentBaseOffset":)") && (base = consume_int(rest)) &&
                  consume(rest, R"(,"activeSegmentSizeBytes":)") && (size = consume_int(rest)) && consume(rest, "}") &&
                  rest.empty();
  if (!ok) return unexpected(fmt::format("not a clean shutdown marker: \"{}\"", text.substr(0, 200)));
  marker.log_end_offset = *log_end;
  marker.active_segment_base_offset = *base;
  marker.active_segment_size_bytes = static_cast<std::uint64_t>(*size);
  return marker;
}

}  // namespace kraftsim::log

// Trace: append, canonical hashing, JSON Lines output and parsing.
#include "trace/trace.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "base/assert.h"

namespace kraftsim::trace {

namespace {
constexpr const char* kind_names[kind_count] = {"run",  "send",  "deliver", "drop",  "timer", "fault",
                                                "process", "link", "disk",    "state", "check"};
// Keys the envelope uses; a field may not reuse them.
bool is_envelope_key(std::string_view key) {
  return key == "seq" || key == "t_us" || key == "node" || key == "kind" || key == "name";
}
}  // namespace

const char* to_string(Kind kind) {
  const int index = static_cast<int>(kind);
  KS_ASSERT(index >= 0 && index < kind_count);
  return kind_names[index];
}

bool kind_from_string(std::string_view text, Kind& out) {
  for (int i = 0; i < kind_count; ++i) {
    if (text == kind_names[i]) {
      out = static_cast<Kind>(i);
      return true;
    }
  }
  return false;
}

const Value* Event::find(std::string_view key) const {
  for (const Field& f : fields) {
    if (f.key == key) return &f.value;
  }
  return nullptr;
}

std::int64_t Event::int_or(std::string_view key, std::int64_t fallback) const {
  const Value* v = find(key);
  if (v == nullptr || v->index() != 0) return fallback;
  return std::get<0>(*v);
}

std::string Event::string_or(std::string_view key, std::string_view fallback) const {
  const Value* v = find(key);
  if (v == nullptr || v->index() != 1) return std::string(fallback);
  return std::get<1>(*v);
}

void hash_event(Hasher& hasher, const Event& event) {
  hasher.add_u64(event.seq);
  hasher.add_i64(event.t_us);
  hasher.add_i64(event.node);
  hasher.add_u64(static_cast<std::uint64_t>(event.kind));
  hasher.add_bytes(event.name);
  hasher.add_u64(event.fields.size());
  for (const Field& f : event.fields) {
    hasher.add_bytes(f.key);
    hasher.add_u64(f.value.index());
    switch (f.value.index()) {
      case 0: hasher.add_i64(std::get<0>(f.value)); break;
      case 1: hasher.add_bytes(std::get<1>(f.value)); break;
      case 2: hasher.add_u64(std::get<2>(f.value) ? 1 : 0); break;
      default: KS_ASSERT(false);
    }
  }
}

void Trace::append(Event event) {
  KS_ASSERT_MSG(event.t_us >= last_t_us_, "trace events must be appended in time order");
  for (const Field& f : event.fields) KS_ASSERT_MSG(!is_envelope_key(f.key), "field key reserved");
  last_t_us_ = event.t_us;
  event.seq = count_++;
  per_kind_[static_cast<int>(event.kind)]++;
  hash_event(hasher_, event);
  if (observer_) observer_(event);
  if (keep_events_) events_.push_back(std::move(event));
}

std::string to_json_line(const Event& event) {
  nlohmann::ordered_json j;
  j["seq"] = event.seq;
  j["t_us"] = event.t_us;
  j["node"] = event.node;
  j["kind"] = to_string(event.kind);
  j["name"] = event.name;
  for (const Field& f : event.fields) {
    switch (f.value.index()) {
      case 0: j[f.key] = std::get<0>(f.value); break;
      case 1: j[f.key] = std::get<1>(f.value); break;
      case 2: j[f.key] = std::get<2>(f.value); break;
      default: KS_ASSERT(false);
    }
  }
  return j.dump();
}

void write_jsonl(std::ostream& out, const std::vector<Event>& events) {
  for (const Event& e : events) out << to_json_line(e) << '\n';
}

bool parse_json_line(std::string_view line, Event& out, std::string& error) {
  const auto j = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return false;
  }
  auto require = [&](const char* key, auto check) {
    if (!j.contains(key) || !check(j[key])) {
      error = fmt::format("missing or invalid \"{}\"", key);
      return false;
    }
    return true;
  };
  auto is_int = [](const nlohmann::ordered_json& v) { return v.is_number_integer(); };
  auto is_str = [](const nlohmann::ordered_json& v) { return v.is_string(); };
  if (!require("seq", is_int) || !require("t_us", is_int) || !require("node", is_int) ||
      !require("kind", is_str) || !require("name", is_str)) {
    return false;
  }
  Event e;
  e.seq = j["seq"].get<std::uint64_t>();
  e.t_us = j["t_us"].get<std::int64_t>();
  e.node = j["node"].get<std::int32_t>();
  if (!kind_from_string(j["kind"].get<std::string>(), e.kind)) {
    error = fmt::format("unknown kind \"{}\"", j["kind"].get<std::string>());
    return false;
  }
  e.name = j["name"].get<std::string>();
  for (const auto& [key, value] : j.items()) {
    if (is_envelope_key(key)) continue;
    if (value.is_boolean()) {
      e.fields.emplace_back(key, value.get<bool>());
    } else if (value.is_number_integer()) {
      e.fields.emplace_back(key, value.get<std::int64_t>());
    } else if (value.is_string()) {
      e.fields.emplace_back(key, value.get<std::string>());
    } else {
      error = fmt::format("field \"{}\" must be an integer, string or boolean", key);
      return false;
    }
  }
  out = std::move(e);
  return true;
}

std::string format_fingerprint(std::uint64_t fingerprint) { return fmt::format("0x{:016x}", fingerprint); }

}  // namespace kraftsim::trace

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

template <typename FieldRange, typename KeyOf>
auto find_field(const FieldRange& fields, std::string_view key, KeyOf key_of) -> decltype(&fields.begin()->value) {
  for (const auto& f : fields) {
    if (key_of(f) == key) return &f.value;
  }
  return nullptr;
}
std::string_view key_of_ref(const FieldRef& f) { return f.key.text(); }
std::string_view key_of_stored(const Field& f) { return f.key; }

// The value's alternative I (0: integer, 1: text), or the fallback when absent or of another type.
template <std::size_t I, typename V, typename Fallback>
Fallback alternative_or(const V* value, Fallback fallback) {
  if (value == nullptr || value->index() != I) return fallback;
  return std::get<I>(*value);
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

const ValueRef* EventRef::find(std::string_view key) const { return find_field(fields, key, key_of_ref); }
std::int64_t EventRef::int_or(std::string_view key, std::int64_t fallback) const {
  return alternative_or<0>(find(key), fallback);
}
std::string_view EventRef::string_or(std::string_view key, std::string_view fallback) const {
  return alternative_or<1>(find(key), fallback);
}

const Value* Event::find(std::string_view key) const { return find_field(fields, key, key_of_stored); }
std::int64_t Event::int_or(std::string_view key, std::int64_t fallback) const {
  return alternative_or<0>(find(key), fallback);
}
std::string Event::string_or(std::string_view key, std::string_view fallback) const {
  return std::string(alternative_or<1>(find(key), fallback));
}

Event Event::from(const EventRef& ref) {
  Event e;
  e.seq = ref.seq;
  e.t_us = ref.t_us;
  e.node = ref.node;
  e.kind = ref.kind;
  e.name = std::string(ref.name);
  e.fields.reserve(ref.fields.size());
  for (const FieldRef& f : ref.fields) {
    std::visit([&](const auto& v) { e.fields.emplace_back(std::string(f.key.text()), v); }, f.value);
  }
  return e;
}

StoredEventRef::StoredEventRef(const Event& event) {
  fields_.reserve(event.fields.size());
  for (const Field& f : event.fields) {
    const Key key = Key::borrowed(f.key);
    std::visit([&](const auto& v) { fields_.push_back(FieldRef::of(key, ValueRef(v))); }, f.value);
  }
  ref_ = EventRef{event.seq, event.t_us, event.node, event.kind, event.name, fields_};
}

// The canonical form, one word per item wherever that loses nothing: the time; the node, kind
// and field count packed with the sequence number; the name; per field its key (by the key's
// hash) and type, with an integer or boolean value folded into the same word, or followed by
// the text (length-delimited). Every word costs a multiply in a dependent chain (about 6
// cycles), and the fingerprint folds every event of a run.
void hash_event(Hasher& into, const EventRef& event) {
  // Odd, so value -> value * spread is a bijection: distinct values give distinct words.
  constexpr std::uint64_t spread = 0x9e3779b97f4a7c15ULL;
  KS_ASSERT(event.fields.size() < (std::size_t{1} << 24));
  Hasher hasher = into;  // a local copy stays in a register; the caller's is written once
  hasher.add_i64(event.t_us);
  hasher.add_u64((static_cast<std::uint64_t>(static_cast<std::uint32_t>(event.node)) << 32 |
                  static_cast<std::uint64_t>(event.kind) << 24 | event.fields.size()) +
                 event.seq * spread);
  hasher.add_bytes(event.name);
  for (const FieldRef& f : event.fields) {
    const std::uint64_t key = f.key.hash() ^ f.value.index();
    switch (f.value.index()) {
      case 0: hasher.add_u64(key + static_cast<std::uint64_t>(std::get<0>(f.value)) * spread); break;
      case 1:
        hasher.add_u64(key);
        hasher.add_bytes(std::get<1>(f.value));
        break;
      case 2: hasher.add_u64(key + (std::get<2>(f.value) ? spread : 0)); break;
      default: KS_ASSERT(false);
    }
  }
  into = hasher;
}

void hash_event(Hasher& hasher, const Event& event) { hash_event(hasher, StoredEventRef(event).get()); }

void Trace::append(std::int64_t t_us, std::int32_t node, Kind kind, std::string_view name, FieldSpan fields) {
  KS_ASSERT_MSG(t_us >= last_t_us_, "trace events must be appended in time order");
  last_t_us_ = t_us;
  const EventRef event{count_++, t_us, node, kind, name, fields.span()};
  per_kind_[static_cast<int>(kind)]++;
  hash_event(hasher_, event);
  if (observer_ && observed_kinds_.contains(kind)) observer_(event);
  if (keep_events_) events_.push_back(Event::from(event));
}

void Trace::append(const Event& event) {
  const StoredEventRef ref(event);
  append(event.t_us, event.node, event.kind, event.name, FieldSpan(ref.get().fields));
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

// ObjectReader: strict, pointer-naming reads of user JSON.
#include "sim/runner/json_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace kraftsim::runner {

std::string describe_json_type(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

std::string pointer_escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

ObjectReader::ObjectReader(const nlohmann::json& object, std::string pointer)
    : object_(object), pointer_(std::move(pointer)) {
  if (!object_.is_object()) {
    throw InputError(pointer_.empty() ? "/" : pointer_, "expected an object, got " + describe_json_type(object_));
  }
}

std::string ObjectReader::child_pointer(const std::string& key) const { return pointer_ + "/" + pointer_escape(key); }

const nlohmann::json& ObjectReader::raw(const std::string& key) {
  seen_.insert(key);
  if (!object_.contains(key)) throw InputError(child_pointer(key), "required field is missing");
  return object_.at(key);
}

std::int64_t ObjectReader::integer(const std::string& key, std::int64_t min, std::int64_t max) {
  const auto& v = raw(key);
  if (!v.is_number_integer()) {
    throw InputError(child_pointer(key), fmt::format("expected an integer in [{}, {}], got {}", min, max,
                                                     describe_json_type(v)));
  }
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw InputError(child_pointer(key), fmt::format("expected an integer in [{}, {}], got {}", min, max, v.dump()));
  }
  const auto value = v.get<std::int64_t>();
  if (value < min || value > max) {
    throw InputError(child_pointer(key), fmt::format("expected an integer in [{}, {}], got {}", min, max, value));
  }
  return value;
}

std::int64_t ObjectReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                                      std::int64_t max) {
  if (!has(key)) return fallback;
  return integer(key, min, max);
}

std::uint64_t ObjectReader::unsigned_or(const std::string& key, std::uint64_t fallback) {
  if (!has(key)) return fallback;
  const auto& v = raw(key);
  if (!v.is_number_integer() || (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)) {
    throw InputError(child_pointer(key), "expected a non-negative integer, got " + describe_json_type(v) +
                                             (v.is_number() ? " " + v.dump() : ""));
  }
  return v.get<std::uint64_t>();
}

double ObjectReader::number_or(const std::string& key, double fallback, double min, double max) {
  if (!has(key)) return fallback;
  const auto& v = raw(key);
  if (!v.is_number()) {
    throw InputError(child_pointer(key), fmt::format("expected a number in [{}, {}], got {}", min, max,
                                                     describe_json_type(v)));
  }
  const double value = v.get<double>();
  if (!std::isfinite(value) || value < min || value > max) {
    throw InputError(child_pointer(key), fmt::format("expected a number in [{}, {}], got {}", min, max, v.dump()));
  }
  return value;
}

bool ObjectReader::boolean_or(const std::string& key, bool fallback) {
  if (!has(key)) return fallback;
  const auto& v = raw(key);
  if (!v.is_boolean()) throw InputError(child_pointer(key), "expected true or false, got " + describe_json_type(v));
  return v.get<bool>();
}

std::string ObjectReader::string(const std::string& key) {
  const auto& v = raw(key);
  if (!v.is_string()) throw InputError(child_pointer(key), "expected a string, got " + describe_json_type(v));
  return v.get<std::string>();
}

std::string ObjectReader::string_or(const std::string& key, const std::string& fallback) {
  if (!has(key)) return fallback;
  return string(key);
}

std::string ObjectReader::choice_or(const std::string& key, const std::string& fallback,
                                    const std::vector<std::string>& allowed) {
  if (!has(key)) return fallback;
  std::string value = string(key);
  for (const auto& a : allowed) {
    if (a == value) return value;
  }
  throw InputError(child_pointer(key), fmt::format("expected one of {}, got \"{}\"",
                                                   fmt::format("\"{}\"", fmt::join(allowed, "\", \"")), value));
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : object_.items()) {
    if (key == "$schema" || key == "$comment") continue;
    if (!seen_.contains(key)) throw InputError(child_pointer(key), "unknown key");
  }
}

}  // namespace kraftsim::runner

// Strict reading of user-written JSON (scenario files): every value is checked for type and
// range, every unknown key is an error, and every error names the JSON pointer of the field and
// what was expected. Errors are thrown as InputError inside the loader and returned as values
// at its boundary; nothing here asserts on user input.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kraftsim::runner {

struct InputError : std::runtime_error {
  InputError(std::string pointer_, const std::string& message)
      : std::runtime_error(pointer_.empty() ? message : pointer_ + ": " + message), pointer(std::move(pointer_)) {}
  std::string pointer;  // JSON pointer of the offending field ("" = the document)
};

std::string describe_json_type(const nlohmann::json& value);

// Reads the fields of one JSON object; finish() rejects keys nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& object, std::string pointer);

  bool has(const std::string& key) const { return object_.contains(key); }
  std::string child_pointer(const std::string& key) const;
  const nlohmann::json& raw(const std::string& key);  // marks the key as read

  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max);
  std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::uint64_t unsigned_or(const std::string& key, std::uint64_t fallback);
  double number_or(const std::string& key, double fallback, double min, double max);
  bool boolean_or(const std::string& key, bool fallback);
  std::string string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  std::string choice_or(const std::string& key, const std::string& fallback, const std::vector<std::string>& allowed);

  void finish() const;  // throws on unknown keys
  const std::string& pointer() const { return pointer_; }

 private:
  const nlohmann::json& object_;
  std::string pointer_;
  std::set<std::string> seen_;
};

// Escapes a key for use in a JSON pointer (RFC 6901: ~ -> ~0, / -> ~1).
std::string pointer_escape(const std::string& key);

}  // namespace kraftsim::runner

// The typed event stream of a run: every send, delivery, drop, timer, fault, process change,
// disk summary and node-reported state change is one Event. Checkers and reports read it; the
// run's fingerprint is a hash over it. The JSON Lines form is documented in docs/trace-format.md
// and is a stable interface: add fields, never rename or repurpose them.
//
// This library sits below broker/ and sim/ alike (it depends on base/ only), so node code can
// report state changes through its Env without seeing the simulator.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace kraftsim::trace {

// Node id used for events that belong to the world rather than to a node (faults on links, the
// run itself).
inline constexpr std::int32_t world_node = -1;

enum class Kind : std::uint8_t {
  run,      // run started / ended
  send,     // a node handed a message to the network
  deliver,  // the network delivered a message to a node
  drop,     // the network or a dead/paused endpoint dropped a message (field "reason")
  timer,    // a node timer fired
  fault,    // the fault injector changed the world (crash, partition, disk fault, ...)
  process,  // a node process changed state (started, crashed, power-lost, paused, ...)
  link,     // the network noticed a broken connection and told an endpoint
  disk,     // a disk summary: fsync done, I/O error, ...
  state,    // a node reported a protocol state change (role, epoch, leader, HW, ...)
  check,    // a checker reported a verdict
};
inline constexpr int kind_count = 11;

const char* to_string(Kind kind);
bool kind_from_string(std::string_view text, Kind& out);

// Field values are integers, strings or booleans only: no floating point, so the canonical form
// (and the fingerprint) cannot depend on float formatting.
using Value = std::variant<std::int64_t, std::string, bool>;

struct Field {
  std::string key;
  Value value;

  template <typename T>
  Field(std::string k, T&& v) : key(std::move(k)), value(to_value(std::forward<T>(v))) {}

  bool operator==(const Field&) const = default;

 private:
  template <typename T>
  static Value to_value(T&& v) {
    using D = std::decay_t<T>;
    if constexpr (std::is_same_v<D, bool>) {
      return Value(std::in_place_index<2>, v);
    } else if constexpr (std::is_integral_v<D> || std::is_enum_v<D>) {
      return Value(std::in_place_index<0>, static_cast<std::int64_t>(v));
    } else {
      return Value(std::in_place_index<1>, std::string(std::forward<T>(v)));
    }
  }
};

using Fields = std::vector<Field>;

struct Event {
  std::uint64_t seq = 0;  // position in the trace, from 0
  std::int64_t t_us = 0;  // virtual time in microseconds
  std::int32_t node = world_node;
  Kind kind = Kind::run;
  std::string name;  // message type, timer name, fault kind, state name, ...
  Fields fields;

  const Value* find(std::string_view key) const;
  std::int64_t int_or(std::string_view key, std::int64_t fallback) const;
  std::string string_or(std::string_view key, std::string_view fallback) const;
  bool operator==(const Event&) const = default;
};

}  // namespace kraftsim::trace

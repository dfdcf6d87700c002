// The typed event stream of a run: every send, delivery, drop, timer, fault, process change,
// disk summary and node-reported state change is one event. Checkers and reports read it; the
// run's fingerprint is a hash over it. The JSON Lines form is documented in docs/trace-format.md
// and is a stable interface: add fields, never rename or repurpose them.
//
// An event exists in two forms. While it is appended it is borrowed (EventRef: a name and
// FieldRefs that point at the producer's data): the trace hashes it and shows it to its observer
// without copying or allocating anything. Only a trace that keeps its events copies it into the
// owning form (Event), which is also what parsing a JSON Lines file produces.
//
// This library sits below broker/ and sim/ alike (it depends on base/ only), so node code can
// report state changes through its Env without seeing the simulator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <forward_list>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/assert.h"
#include "base/hash.h"

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

// A set of kinds: what an observer wants to see.
class KindSet {
 public:
  constexpr KindSet() = default;
  constexpr KindSet(std::initializer_list<Kind> kinds) {
    for (Kind k : kinds) bits_ |= bit(k);
  }
  static constexpr KindSet all() { return KindSet(all_bits); }
  constexpr bool contains(Kind kind) const { return (bits_ & bit(kind)) != 0; }
  constexpr KindSet operator|(KindSet other) const { return KindSet(bits_ | other.bits_); }

 private:
  static constexpr std::uint32_t all_bits = (1u << kind_count) - 1;
  static constexpr std::uint32_t bit(Kind kind) { return 1u << static_cast<unsigned>(kind); }
  constexpr explicit KindSet(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

// Keys the envelope uses ("seq", "t_us", "node", "kind", "name"); a field may not reuse them.
constexpr bool is_envelope_key(std::string_view key) {
  return key.size() <= 4 && (key == "seq" || key == "t_us" || key == "node" || key == "kind" || key == "name");
}

// A field key and its hash. Keys written in code are string literals: the constructor is
// consteval, so the hash is computed (and a reserved key rejected) at compile time and a key
// costs nothing at run time. A key made from other text (a stored or parsed event) borrows it.
class Key {
 public:
  template <std::size_t N>
  consteval Key(const char (&text)[N])  // NOLINT(google-explicit-constructor): literals convert
      : text_(text, N - 1), hash_(hash_string(text_)) {
    if (is_envelope_key(text_)) throw "a field key may not be an envelope key";  // compile error
  }
  // The text must outlive the key.
  static Key borrowed(std::string_view text) {
    KS_ASSERT_MSG(!is_envelope_key(text), "field key reserved");
    return Key(text, hash_string(text));
  }

  constexpr std::string_view text() const { return text_; }
  constexpr std::uint64_t hash() const { return hash_; }

 private:
  constexpr Key(std::string_view text, std::uint64_t hash) : text_(text), hash_(hash) {}
  std::string_view text_;
  std::uint64_t hash_;
};

// Field values are integers, text or booleans only: no floating point, so the canonical form
// (and the fingerprint) cannot depend on float formatting. Value owns its text; ValueRef borrows
// it. Both list the alternatives in the same order (the index is part of the canonical form).
using Value = std::variant<std::int64_t, std::string, bool>;
using ValueRef = std::variant<std::int64_t, std::string_view, bool>;

// A borrowed field: a key and a value whose text, if any, must stay alive until the event is
// appended. In a braced list passed to Trace::append or Env::record, temporaries live long
// enough; a std::string temporary is refused anyway, because a FieldRef kept in a variable
// would dangle (own such text with Fields::add instead).
struct FieldRef {
  Key key;
  ValueRef value;

  template <typename T>
  constexpr FieldRef(Key k, const T& v) : key(k), value(to_value_ref(v)) {}
  FieldRef(Key k, std::string&& v) = delete;
  static constexpr FieldRef of(Key k, ValueRef v) { return FieldRef(k, v, 0); }

 private:
  constexpr FieldRef(Key k, ValueRef v, int /*tag*/) : key(k), value(v) {}
  template <typename T>
  static constexpr ValueRef to_value_ref(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return ValueRef(std::in_place_index<2>, v);
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      return ValueRef(std::in_place_index<0>, static_cast<std::int64_t>(v));
    } else {
      return ValueRef(std::in_place_index<1>, std::string_view(v));
    }
  }
};

// The fields of one event as handed to Trace::append or Env::record: a braced list of FieldRefs
// (the list lives until the end of the call) or a Fields builder. Borrowed, like FieldRef.
class FieldSpan {
 public:
  constexpr FieldSpan() = default;
  constexpr FieldSpan(std::initializer_list<FieldRef> fields) : fields_(fields.begin(), fields.size()) {}
  constexpr FieldSpan(std::span<const FieldRef> fields) : fields_(fields) {}
  constexpr std::span<const FieldRef> span() const { return fields_; }

 private:
  std::span<const FieldRef> fields_;
};

// Builds the fields of one event piece by piece (the describe() functions of messages and
// records). Up to fields_max fields are held inline, so building allocates nothing; text given
// as a std::string rvalue is owned here so that its view stays valid. Neither copyable nor
// movable: the views point into it.
class Fields {
 public:
  static constexpr std::size_t fields_max = 32;

  Fields() = default;
  Fields(std::initializer_list<FieldRef> fields) {
    for (const FieldRef& f : fields) push(f);
  }
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  // Borrowed: text in `value` must outlive the appended event.
  template <typename T>
  void add(Key key, const T& value) {
    push(FieldRef(key, value));
  }
  // Owned: the text is kept here.
  void add(Key key, std::string&& value) {
    owned_.push_front(std::move(value));
    push(FieldRef(key, std::string_view(owned_.front())));
  }

  std::size_t size() const { return size_; }
  std::span<const FieldRef> span() const {
    if (size_ == 0) return {};
    return {std::launder(reinterpret_cast<const FieldRef*>(storage_)), size_};
  }
  operator FieldSpan() const { return FieldSpan(span()); }  // NOLINT(google-explicit-constructor)

 private:
  void push(const FieldRef& field) {
    KS_ASSERT_MSG(size_ < fields_max, "too many fields in one trace event");
    ::new (static_cast<void*>(storage_ + size_ * sizeof(FieldRef))) FieldRef(field);
    ++size_;
  }

  static_assert(std::is_trivially_copyable_v<FieldRef> && std::is_trivially_destructible_v<FieldRef>);
  alignas(FieldRef) std::byte storage_[fields_max * sizeof(FieldRef)];
  std::size_t size_ = 0;
  std::forward_list<std::string> owned_;  // stable addresses for owned text
};

// A stored field: owns its key and value.
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

// An event while it is appended: what observers (checkers) read. Valid only during the call.
struct EventRef {
  std::uint64_t seq = 0;  // position in the trace, from 0
  std::int64_t t_us = 0;  // virtual time in microseconds
  std::int32_t node = world_node;
  Kind kind = Kind::run;
  std::string_view name;  // message type, timer name, fault kind, state name, ...
  std::span<const FieldRef> fields;

  const ValueRef* find(std::string_view key) const;
  std::int64_t int_or(std::string_view key, std::int64_t fallback) const;
  std::string_view string_or(std::string_view key, std::string_view fallback) const;
};

// A stored event: owns its name and fields (a trace that keeps its events; a parsed JSONL line).
struct Event {
  std::uint64_t seq = 0;
  std::int64_t t_us = 0;
  std::int32_t node = world_node;
  Kind kind = Kind::run;
  std::string name;
  std::vector<Field> fields;

  const Value* find(std::string_view key) const;
  std::int64_t int_or(std::string_view key, std::int64_t fallback) const;
  std::string string_or(std::string_view key, std::string_view fallback) const;
  bool operator==(const Event&) const = default;

  // The owning copy of a borrowed event.
  static Event from(const EventRef& ref);
};

// A stored event seen as an EventRef, to feed stored or parsed events to code that reads
// EventRefs (hashing, checkers in tests). Borrows from the event, which must outlive it.
class StoredEventRef {
 public:
  explicit StoredEventRef(const Event& event);
  StoredEventRef(const StoredEventRef&) = delete;
  StoredEventRef& operator=(const StoredEventRef&) = delete;
  const EventRef& get() const { return ref_; }

 private:
  std::vector<FieldRef> fields_;
  EventRef ref_;
};

}  // namespace kraftsim::trace

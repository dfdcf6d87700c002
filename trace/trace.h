// The run's trace: appends events in order, keeps a running fingerprint, and (optionally)
// keeps the events themselves for reports and JSON Lines output. A run that needs only the
// verdict and the fingerprint turns keeping off: then an event is hashed and shown to the
// observer in its borrowed form and never copied.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "trace/event.h"

namespace kraftsim::trace {

class Trace {
 public:
  using Observer = std::function<void(const EventRef&)>;

  explicit Trace(bool keep_events = true) : keep_events_(keep_events) {}

  // Appends an event; assigns its sequence number, folds it into the fingerprint, and tells the
  // observer (if it wants this kind). Events must be appended in non-decreasing time order.
  // The name and fields are borrowed for the duration of the call.
  void append(std::int64_t t_us, std::int32_t node, Kind kind, std::string_view name, FieldSpan fields = {});
  // Appends a stored event (its sequence number is reassigned).
  void append(const Event& event);

  // Called after each append of an event whose kind is in `kinds` (checkers that run after
  // every event they care about). One observer at most.
  void set_observer(Observer observer, KindSet kinds = KindSet::all()) {
    observer_ = std::move(observer);
    observed_kinds_ = kinds;
  }

  std::uint64_t fingerprint() const { return hasher_.value(); }
  std::uint64_t size() const { return count_; }
  bool keeps_events() const { return keep_events_; }
  const std::vector<Event>& events() const { return events_; }
  std::vector<Event> take_events() { return std::move(events_); }
  std::uint64_t count_of(Kind kind) const { return per_kind_[static_cast<int>(kind)]; }

 private:
  bool keep_events_;
  std::uint64_t count_ = 0;
  std::int64_t last_t_us_ = 0;
  std::uint64_t per_kind_[kind_count] = {};
  Hasher hasher_;
  std::vector<Event> events_;
  Observer observer_;
  KindSet observed_kinds_ = KindSet::all();
};

// Folds one event into a hasher in canonical form (used by Trace and by re-fingerprinting a
// JSONL file: both must agree).
void hash_event(Hasher& hasher, const EventRef& event);
void hash_event(Hasher& hasher, const Event& event);

// JSON Lines, one object per event: {"seq":..,"t_us":..,"node":..,"kind":..,"name":..,<fields>}.
std::string to_json_line(const Event& event);
void write_jsonl(std::ostream& out, const std::vector<Event>& events);
// Parses one line written by to_json_line. Returns false (and sets error) on malformed input.
bool parse_json_line(std::string_view line, Event& out, std::string& error);

// "0x" + 16 lowercase hex digits: the printed form of a fingerprint.
std::string format_fingerprint(std::uint64_t fingerprint);

}  // namespace kraftsim::trace

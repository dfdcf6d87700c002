// Test support: trace events built in code, fed to checkers one by one (a checker reads borrowed
// EventRefs; these own their data and lend it).
#pragma once

#include <cstdint>

#include "trace/event.h"

namespace kraftsim::testing {

// An event as a checker sees it (borrowed), built from a braced list of fields.
struct FedEvent {
  trace::Event event;
  trace::StoredEventRef ref{event};
  operator const trace::EventRef&() const { return ref.get(); }  // NOLINT(google-explicit-constructor)
};

inline FedEvent event_at(std::int64_t t_ms, std::int32_t node, trace::Kind kind, const char* name,
                         trace::FieldSpan fields = {}) {
  return FedEvent{trace::Event::from(trace::EventRef{0, t_ms * 1000, node, kind, name, fields.span()})};
}

inline FedEvent state(std::int64_t t_ms, std::int32_t node, const char* name, trace::FieldSpan fields) {
  return event_at(t_ms, node, trace::Kind::state, name, fields);
}

}  // namespace kraftsim::testing

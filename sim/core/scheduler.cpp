// Scheduler implementation: a binary min-heap of (time, sequence) entries with lazy deletion of
// cancelled events, plus a slab of callbacks (sim/core/slab.h).
#include "sim/core/scheduler.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::sim {

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::time_reached: return "time_reached";
    case StopReason::predicate_held: return "predicate_held";
    case StopReason::budget_exhausted: return "budget_exhausted";
    case StopReason::no_more_events: return "no_more_events";
  }
  return "unknown";
}

EventId Scheduler::schedule_at(Time at, EventFn fn) {
  KS_ASSERT_MSG(at >= now_, "an event cannot be scheduled in the past");
  KS_ASSERT(static_cast<bool>(fn));
  KS_ASSERT_MSG(callbacks_.size() < pending_events_max, "pending event limit reached");

  const EventId id = callbacks_.insert(std::move(fn));
  heap_.push_back(Entry{at.us(), next_sequence_++, id.slot, id.generation});
  std::push_heap(heap_.begin(), heap_.end(), later);
  if (heap_.size() > 2 * callbacks_.size() + 16) compact();
  return id;
}

bool Scheduler::is_pending(EventId id) const { return callbacks_.contains(id); }

bool Scheduler::cancel(EventId id) { return callbacks_.erase(id); }

const Scheduler::Entry* Scheduler::peek_live() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    if (callbacks_.contains(EventId{top.slot, top.generation})) return &top;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
  return nullptr;
}

void Scheduler::dispatch_top() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const Entry entry = heap_.back();
  heap_.pop_back();
  KS_ASSERT(entry.at_us >= now_.us());

  // The slot is freed before the callback runs, so the callback can reuse it at once.
  EventFn fn = callbacks_.take(EventId{entry.slot, entry.generation});
  now_ = Time::from_us(entry.at_us);
  ++dispatched_;
  fn();  // may schedule or cancel
}

bool Scheduler::step() {
  if (peek_live() == nullptr) return false;
  dispatch_top();
  return true;
}

void Scheduler::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return !callbacks_.contains(EventId{e.slot, e.generation}); });
  std::make_heap(heap_.begin(), heap_.end(), later);
  KS_ASSERT(heap_.size() == callbacks_.size());
}

}  // namespace kraftsim::sim

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
  heap_push(Entry{at.us(), next_sequence_++, id.slot, id.generation});
  if (heap_.size() > 2 * callbacks_.size() + 16) compact();
  return id;
}

bool Scheduler::is_pending(EventId id) const { return callbacks_.contains(id); }

bool Scheduler::cancel(EventId id) { return callbacks_.erase(id); }

const Scheduler::Entry* Scheduler::peek_live() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    if (callbacks_.contains(EventId{top.slot, top.generation})) return &top;
    heap_pop();
  }
  return nullptr;
}

void Scheduler::dispatch_top() {
  const Entry entry = heap_.front();
  heap_pop();
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

void Scheduler::heap_push(const Entry& entry) {
  std::size_t i = heap_.size();
  heap_.push_back(entry);
  while (i > 0) {
    const std::size_t parent = (i - 1) / heap_arity;
    if (!earlier(entry, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = entry;
}

void Scheduler::heap_pop() {
  KS_ASSERT(!heap_.empty());
  const Entry last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0, last);
}

void Scheduler::sift_down(std::size_t index, const Entry& entry) {
  const std::size_t n = heap_.size();
  std::size_t i = index;
  for (;;) {
    const std::size_t first = heap_arity * i + 1;
    if (first >= n) break;
    const std::size_t end = std::min(first + heap_arity, n);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (earlier(heap_[c], heap_[best])) best = c;
    }
    if (!earlier(heap_[best], entry)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = entry;
}

void Scheduler::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return !callbacks_.contains(EventId{e.slot, e.generation}); });
  if (heap_.size() > 1) {
    for (std::size_t i = (heap_.size() - 2) / heap_arity + 1; i-- > 0;) {  // every parent, the last first
      const Entry entry = heap_[i];  // a copy: the sift overwrites heap_[i]
      sift_down(i, entry);
    }
  }
  KS_ASSERT(heap_.size() == callbacks_.size());
}

}  // namespace kraftsim::sim

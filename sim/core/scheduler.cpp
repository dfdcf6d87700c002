// Scheduler implementation: a binary min-heap of (time, sequence) entries with lazy deletion of
// cancelled events, plus a slab of callback slots reused through a free list.
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
  KS_ASSERT_MSG(live_count_ < pending_events_max, "pending event limit reached");

  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  std::uint32_t generation = next_generation_++;
  if (next_generation_ == 0) next_generation_ = 1;  // 0 means "free"; wrap-around skips it
  Slot& s = slots_[slot];
  KS_ASSERT(s.generation == 0);
  s.fn = std::move(fn);
  s.generation = generation;

  heap_.push_back(Entry{at.us(), next_sequence_++, slot, generation});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++live_count_;
  if (heap_.size() > 4096 && heap_.size() > 2 * live_count_ + 1024) compact();
  return EventId{slot, generation};
}

bool Scheduler::is_pending(EventId id) const {
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].generation == id.generation;
}

bool Scheduler::cancel(EventId id) {
  if (!is_pending(id)) return false;
  Slot& s = slots_[id.slot];
  s.fn.reset();
  s.generation = 0;
  free_slots_.push_back(id.slot);
  --live_count_;
  return true;
}

const Scheduler::Entry* Scheduler::peek_live() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    if (slots_[top.slot].generation == top.generation) return &top;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
  return nullptr;
}

void Scheduler::dispatch_top() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  const Entry entry = heap_.back();
  heap_.pop_back();
  Slot& s = slots_[entry.slot];
  KS_ASSERT(s.generation == entry.generation);
  KS_ASSERT(entry.at_us >= now_.us());

  EventFn fn = std::move(s.fn);
  s.generation = 0;
  free_slots_.push_back(entry.slot);
  --live_count_;
  now_ = Time::from_us(entry.at_us);
  ++dispatched_;
  fn();  // may schedule or cancel; the slot was freed first so it can be reused at once
}

bool Scheduler::step() {
  if (peek_live() == nullptr) return false;
  dispatch_top();
  return true;
}

void Scheduler::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return slots_[e.slot].generation != e.generation; });
  std::make_heap(heap_.begin(), heap_.end(), later);
  KS_ASSERT(heap_.size() == live_count_);
}

}  // namespace kraftsim::sim

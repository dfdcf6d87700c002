// The discrete-event scheduler: virtual time advances only by running the next event.
//
// Events are ordered by (time, insertion sequence): two events at the same instant run in the
// order they were scheduled, so a run never depends on heap internals, pointers or addresses.
// Timers are cancellable; a cancelled event never runs. The run loop stops at a time, when a
// predicate holds, or when an event budget is spent (a limit on everything: a livelocked run
// ends with a clear reason instead of hanging).
#pragma once

#include <cstdint>
#include <vector>

#include "base/callback.h"
#include "base/time.h"
#include "sim/core/slab.h"

namespace kraftsim::sim {

// Identifies a scheduled event (slot + generation); a handle to an event that ran or was
// cancelled names nothing, even after its slot is reused.
using EventId = SlabHandle;

using EventFn = Callback<void(), 48>;

enum class StopReason {
  time_reached,      // every event up to the stop time has run; now() == stop time
  predicate_held,    // the stop predicate returned true after an event
  budget_exhausted,  // the event budget was spent
  no_more_events,    // nothing is pending
};

const char* to_string(StopReason reason);

class Scheduler {
 public:
  // Pending events at most; scheduling beyond it is an invariant failure (a runaway model).
  static constexpr std::size_t pending_events_max = 1u << 24;

  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Time now() const { return now_; }

  // Schedules fn at an absolute time, which must not be in the past.
  EventId schedule_at(Time at, EventFn fn);
  EventId schedule_after(Duration delay, EventFn fn) { return schedule_at(now_ + delay, std::move(fn)); }

  // Cancels a pending event. Returns false if it already ran, was cancelled, or is invalid.
  bool cancel(EventId id);
  bool is_pending(EventId id) const;

  std::size_t pending_count() const { return callbacks_.size(); }
  std::uint64_t events_dispatched() const { return dispatched_; }

  // Runs the single next event, if any. Returns false when nothing is pending.
  bool step();

  // Runs events in order until one of: the next event is later than `until` (then now() is set
  // to `until`), `stop_when()` returns true after an event, or `max_events` have run.
  template <typename Predicate>
  StopReason run(Time until, std::uint64_t max_events, Predicate&& stop_when) {
    std::uint64_t budget = max_events;
    for (;;) {
      if (budget == 0) return StopReason::budget_exhausted;
      const Entry* next = peek_live();
      if (next == nullptr) {
        if (until != Time::max()) now_ = until;
        return until == Time::max() ? StopReason::no_more_events : StopReason::time_reached;
      }
      if (next->at_us > until.us()) {
        now_ = until;
        return StopReason::time_reached;
      }
      dispatch_top();
      --budget;
      if (stop_when()) return StopReason::predicate_held;
    }
  }

  StopReason run_until(Time until, std::uint64_t max_events = UINT64_MAX) {
    return run(until, max_events, [] { return false; });
  }

 private:
  struct Entry {
    std::int64_t at_us;
    std::uint64_t sequence;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  // The queue is a 4-ary min-heap by (at_us, sequence): half the depth of a binary heap, so a
  // pop moves half as many entries (most of a run's time in the scheduler was std::pop_heap's
  // sift; docs/PERFORMANCE.md). The order is total, so the heap's shape never shows in a run.
  static bool earlier(const Entry& a, const Entry& b) {
    return a.at_us != b.at_us ? a.at_us < b.at_us : a.sequence < b.sequence;
  }
  static constexpr std::size_t heap_arity = 4;
  void heap_push(const Entry& entry);
  void heap_pop();                                          // removes heap_.front()
  void sift_down(std::size_t index, const Entry& entry);  // places entry at index or below
  const Entry* peek_live();  // drops cancelled entries from the top of the heap
  void dispatch_top();
  void compact();            // rebuilds the heap without cancelled entries

  Time now_ = Time::zero();
  std::uint64_t next_sequence_ = 0;
  std::uint64_t dispatched_ = 0;
  std::vector<Entry> heap_;
  Slab<EventFn> callbacks_;  // the pending events' callbacks; heap entries name them
};

}  // namespace kraftsim::sim

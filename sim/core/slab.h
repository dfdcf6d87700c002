// A pool of values addressed by handles (slot + generation): insert, find and erase without
// allocating once the pool has grown to its working size, and a stale handle (its value erased,
// the slot perhaps reused) finds nothing. The scheduler keeps its pending callbacks here and
// NodeHost its pending timers and disk operations: thousands per simulated second, each of
// which would otherwise cost a tree node.
//
// Handles carry no meaning beyond identity: nothing may depend on their values or on the slot
// order (for_each visits slots in index order, which depends on the history of frees).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace kraftsim::sim {

struct SlabHandle {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // 0 never names a live value
  bool valid() const { return generation != 0; }
  auto operator<=>(const SlabHandle&) const = default;

  // One word, for handles that cross an interface as an opaque integer (never 0 when valid).
  std::uint64_t packed() const { return std::uint64_t{generation} << 32 | slot; }
  static SlabHandle unpacked(std::uint64_t word) {
    return SlabHandle{static_cast<std::uint32_t>(word), static_cast<std::uint32_t>(word >> 32)};
  }
};

// T must be default-constructible and movable; an erased slot holds T{} (so a callback's
// captured state is released at once), a taken one the moved-from value.
template <typename T>
class Slab {
 public:
  static constexpr std::size_t slots_max = std::size_t{1} << 31;

  SlabHandle insert(T value) {
    std::uint32_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
    } else {
      KS_ASSERT_MSG(slots_.size() < slots_max, "slab slot limit reached");
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    const std::uint32_t generation = next_generation_++;
    if (next_generation_ == 0) next_generation_ = 1;  // 0 means "free"; wrap-around skips it
    Slot& s = slots_[slot];
    KS_ASSERT(s.generation == 0);
    s.value = std::move(value);
    s.generation = generation;
    ++size_;
    return SlabHandle{slot, generation};
  }

  bool contains(SlabHandle handle) const {
    return handle.valid() && handle.slot < slots_.size() && slots_[handle.slot].generation == handle.generation;
  }
  T* find(SlabHandle handle) { return contains(handle) ? &slots_[handle.slot].value : nullptr; }
  const T* find(SlabHandle handle) const { return contains(handle) ? &slots_[handle.slot].value : nullptr; }

  // Moves the value out and frees its slot; the handle must be live.
  T take(SlabHandle handle) {
    KS_ASSERT(contains(handle));
    T value = std::move(slots_[handle.slot].value);
    free_slot(handle.slot);  // the moved-from value holds nothing worth releasing
    return value;
  }
  // Returns false if the handle is stale or invalid.
  bool erase(SlabHandle handle) {
    if (!contains(handle)) return false;
    release(handle.slot);
    return true;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Visits every live value (in slot order: see the header comment).
  template <typename F>
  void for_each(F&& f) {
    for (Slot& s : slots_) {
      if (s.generation != 0) f(s.value);
    }
  }
  void clear() {
    for (std::uint32_t slot = 0; slot < slots_.size(); ++slot) {
      if (slots_[slot].generation != 0) release(slot);
    }
    KS_ASSERT(size_ == 0);
  }

 private:
  struct Slot {
    T value{};
    std::uint32_t generation = 0;  // of the live value in this slot; 0 when free
  };

  void release(std::uint32_t slot) {
    slots_[slot].value = T{};
    free_slot(slot);
  }
  void free_slot(std::uint32_t slot) {
    slots_[slot].generation = 0;
    free_slots_.push_back(slot);
    --size_;
  }

  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t next_generation_ = 1;
  std::size_t size_ = 0;
};

}  // namespace kraftsim::sim

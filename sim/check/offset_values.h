// One replica's records as the end-of-run checkers read them: offset -> value, in offset order.
// A flat sorted array of (offset, view) pairs whose text lives in a ValueArena that the
// replicas of one partition share: at the end of a long run a partition holds millions of
// records, and a std::map of std::string per replica cost two allocations per record and
// replica (the followers hold byte-identical copies of the leader's batches, so their values
// are decoded once). Read-only for checkers; the interface is the subset of std::map's they use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kraftsim::check {

// Append-only text storage whose views stay valid for the arena's lifetime (chunks never move).
class ValueArena {
 public:
  std::string_view keep(std::string_view text);

 private:
  static constexpr std::size_t chunk_bytes = 1 << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t last_capacity_bytes_ = 0;  // of chunks_.back(); 0 before the first chunk
  std::size_t last_used_bytes_ = 0;      // bytes used in chunks_.back()
};

class OffsetValues {
 public:
  using value_type = std::pair<std::int64_t, std::string_view>;
  using const_iterator = std::vector<value_type>::const_iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator lower_bound(std::int64_t offset) const;
  const_iterator find(std::int64_t offset) const;  // end() when absent
  std::size_t count(std::int64_t offset) const { return find(offset) == end() ? 0 : 1; }

  // Sets the value at `offset`; a later set of the same offset wins, as assignment in a map.
  // `value` must live in `arena` (or be static).
  void set(std::int64_t offset, std::string_view value);
  // Keeps the arena the views point into alive as long as these values.
  void share(std::shared_ptr<const ValueArena> arena);

 private:
  std::vector<value_type> entries_;
  std::vector<std::shared_ptr<const ValueArena>> arenas_;
};

}  // namespace kraftsim::check

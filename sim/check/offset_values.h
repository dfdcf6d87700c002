// One replica's records as the end-of-run checkers read them: offset -> value, in offset order.
// A flat sorted array of (offset, value) pairs whose values live in a ValueArena that the
// replicas of one partition share: at the end of a long run a partition holds millions of
// records, and a std::map of std::string per replica cost two allocations per record and
// replica (the followers hold byte-identical copies of the leader's batches, so their values
// are decoded once). A value is kept as its head and a hash of the whole (RecordValue): the
// checkers compare values, read the producers' "value-<producer>-<seq>" prefix and quote a
// head as evidence, so the rest of a 200-byte text would only cost memory. Read-only for
// checkers; the interface is the subset of std::map's they use.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kraftsim::check {

// A record's value as the checkers compare it. Two values are equal when their sizes, heads and
// 64-bit hashes (hash_string of the whole value, as the consumers' digests use) are.
struct RecordValue {
  static constexpr std::size_t head_bytes_max = 64;  // longer than any producer prefix
  std::string_view head;  // the first min(size, head_bytes_max) bytes
  std::uint64_t size_bytes = 0;
  std::uint64_t hash = 0;
  bool operator==(const RecordValue&) const = default;
};

// Append-only storage of values whose pointers stay valid for the arena's lifetime (chunks
// never move).
class ValueArena {
 public:
  const RecordValue* keep(std::string_view text);

 private:
  static constexpr std::size_t chunk_bytes = 1 << 20;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t last_capacity_bytes_ = 0;  // of chunks_.back(); 0 before the first chunk
  std::size_t last_used_bytes_ = 0;      // bytes used in chunks_.back()
  std::deque<RecordValue> values_;
};

class OffsetValues {
 public:
  using value_type = std::pair<std::int64_t, const RecordValue*>;
  using const_iterator = std::vector<value_type>::const_iterator;

  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator lower_bound(std::int64_t offset) const;
  const_iterator find(std::int64_t offset) const;  // end() when absent
  std::size_t count(std::int64_t offset) const { return find(offset) == end() ? 0 : 1; }

  // Sets the value at `offset`; a later set of the same offset wins, as assignment in a map.
  // `value` must live in an arena passed to share().
  void set(std::int64_t offset, const RecordValue* value);
  void reserve(std::size_t entries) { entries_.reserve(entries); }
  // Keeps the arena the values point into alive as long as these values.
  void share(std::shared_ptr<const ValueArena> arena);

 private:
  std::vector<value_type> entries_;
  std::vector<std::shared_ptr<const ValueArena>> arenas_;
};

}  // namespace kraftsim::check

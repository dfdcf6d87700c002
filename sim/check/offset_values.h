// One replica's records as the end-of-run checkers read them: offset -> value, in offset order.
//
// At the end of a long run a partition holds millions of records on each of its replicas, and
// the followers hold byte-identical copies of the leader's batches. So a batch is decoded once
// per partition into an array of (offset, value) entries that lives in a ValueArena the
// replicas share, and a replica's OffsetValues is a list of runs: spans of such arrays, one per
// batch, in offset order. Building a replica's view costs one entry per batch, not per record
// (a flat array of pairs per replica was 16 bytes per record and replica, and its page faults).
//
// A value is kept as a hash of the whole and, when it is a producer's record, which one
// (RecordValue): the checkers compare values, ask which producer record an offset holds and
// name it in evidence, so the 200 bytes of a value would only cost memory (and in a VM, fresh
// memory costs about 2 ms per MB in page faults: docs/PERFORMANCE.md). Read-only for checkers;
// the interface is the subset of std::map's they use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace kraftsim::check {

// A record's value as the checkers compare it: equal when the sizes, the 64-bit hashes
// (client::record_value_hash, as the consumers' digests use) and so the producer records are.
struct RecordValue {
  std::uint64_t hash = 0;
  std::uint64_t size_bytes = 0;
  // The producer record this value is, when it is exactly client::producer_value(producer,
  // record, size): "value-<producer>-<record>" padded with '.'; -1 and -1 for any other value
  // (client::parse_record_value).
  std::int64_t producer = -1;
  std::int64_t record = -1;
  bool operator==(const RecordValue&) const = default;

  static RecordValue of(std::string_view text);
  bool is_producer_record() const { return producer >= 0; }
  // For evidence: "value-7-12" (a producer's record) or "a 37-byte value".
  std::string describe() const;
};

// Append-only storage whose pointers stay valid for the arena's lifetime (chunks never move):
// record values and the entry arrays that runs point into. A bump allocator: the
// values of one partition are millions of small objects that all die together.
class ValueArena {
 public:
  using Entry = std::pair<std::int64_t, const RecordValue*>;  // offset, value

  ValueArena() = default;
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;

  const RecordValue* keep(std::string_view text);
  // RecordValue::of(client::producer_value(producer, seq, value_bytes)), without the text.
  const RecordValue* keep_producer_value(std::int64_t producer, std::int64_t seq, std::int64_t value_bytes);
  // Room for `count` entries, uninitialized until written (the caller fills them all).
  Entry* entries(std::size_t count);

 private:
  void* allocate(std::size_t bytes, std::size_t alignment);
  static constexpr std::size_t chunk_bytes = 1 << 20;
  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  std::byte* next_ = nullptr;  // free space of chunks_.back(): [next_, end_)
  std::byte* end_ = nullptr;
};

// A producer record in a replica's log, and where its first copy in that log is.
struct ProducerRecordAt {
  std::int64_t producer = 0, record = 0, offset = 0;
  std::int64_t first_offset = 0;  // of the first copy of the same record (== offset for the first)
};

class OffsetValues {
 public:
  using value_type = ValueArena::Entry;
  using Run = std::span<const value_type>;  // entries with increasing offsets

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = OffsetValues::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return (*runs_)[run_][at_]; }
    pointer operator->() const { return &(*runs_)[run_][at_]; }
    const_iterator& operator++() {
      if (++at_ == (*runs_)[run_].size()) {
        ++run_;
        at_ = 0;
      }
      return *this;
    }
    // The entries from here to the end of the current run (not past the end()), which lie next
    // to each other in memory: two replicas' views whose iterators point at the same entry
    // share the shorter of their two stretches (a batch decoded once for both).
    std::span<const value_type> rest_of_run() const { return (*runs_)[run_].subspan(at_); }
    // Moves n entries on, n <= rest_of_run().size().
    const_iterator& skip_in_run(std::size_t n) {
      const std::size_t size = (*runs_)[run_].size();
      KS_ASSERT(n <= size - at_);
      at_ += n;
      if (at_ == size) {
        ++run_;
        at_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const const_iterator& other) const { return run_ == other.run_ && at_ == other.at_; }

   private:
    friend class OffsetValues;
    const_iterator(const std::vector<Run>* runs, std::size_t run, std::size_t at) : runs_(runs), run_(run), at_(at) {}
    const std::vector<Run>* runs_ = nullptr;
    std::size_t run_ = 0;  // runs_->size() at the end
    std::size_t at_ = 0;   // within the run; 0 at the end
  };

  const_iterator begin() const { return {&runs_, 0, 0}; }
  const_iterator end() const { return {&runs_, runs_.size(), 0}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const_iterator lower_bound(std::int64_t offset) const;
  const_iterator find(std::int64_t offset) const;  // end() when absent
  std::size_t count(std::int64_t offset) const { return find(offset) == end() ? 0 : 1; }

  // Appends a run whose entries live in an arena passed to share(), as long as these values.
  // A run that starts above every offset so far is the usual case (a log's batches in offset
  // order). Otherwise the values are merged as a map would be: a later entry for an offset
  // wins.
  void add_run(Run run);
  // Sets one value (a run of one entry, kept here); a later set of the same offset wins.
  void set(std::int64_t offset, const RecordValue* value);
  // Keeps the arena the values point into alive as long as these values.
  void share(std::shared_ptr<const ValueArena> arena);

  // The producer records among these values, in offset order, each with the offset of its
  // first copy here. Computed on first use and kept until the values change: two checkers
  // (producer-order, idempotent-no-duplicates) read it for each partition's final leader.
  const std::vector<ProducerRecordAt>& producer_records() const;

 private:
  std::vector<Run> runs_;  // non-empty, in offset order, not overlapping
  std::size_t size_ = 0;
  std::vector<std::shared_ptr<const ValueArena>> arenas_;
  std::vector<std::unique_ptr<value_type[]>> owned_;  // runs made here (set, merges)
  mutable std::unique_ptr<const std::vector<ProducerRecordAt>> producer_records_;  // null until asked or after a change
};

}  // namespace kraftsim::check

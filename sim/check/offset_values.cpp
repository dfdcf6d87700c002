// OffsetValues and ValueArena (see offset_values.h).
#include "sim/check/offset_values.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include "base/assert.h"
#include "broker/client/record_value.h"

namespace kraftsim::check {

void* ValueArena::allocate(std::size_t bytes, std::size_t alignment) {
  KS_ASSERT(bytes <= chunk_bytes && alignment <= alignof(std::max_align_t));
  std::size_t pad = next_ == nullptr ? 0 : (alignment - reinterpret_cast<std::uintptr_t>(next_) % alignment) % alignment;
  if (next_ == nullptr || static_cast<std::size_t>(end_ - next_) < pad + bytes) {
    // No zeroing: every byte handed out is written first.
    chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(chunk_bytes));
    next_ = chunks_.back().get();
    end_ = next_ + chunk_bytes;
    pad = 0;  // new[] memory is aligned for any fundamental type
  }
  std::byte* at = next_ + pad;
  next_ = at + bytes;
  return at;
}

RecordValue RecordValue::of(std::string_view text) {
  const client::ParsedValue parsed = client::parse_record_value(text);
  RecordValue value;
  value.size_bytes = text.size();
  value.hash = parsed.hash;
  value.producer = parsed.producer;
  value.record = parsed.seq;
  return value;
}

std::string RecordValue::describe() const {
  if (is_producer_record()) return fmt::format("value-{}-{}", producer, record);
  return fmt::format("a {}-byte value", size_bytes);
}

const RecordValue* ValueArena::keep(std::string_view text) {
  auto* value = static_cast<RecordValue*>(allocate(sizeof(RecordValue), alignof(RecordValue)));
  return ::new (value) RecordValue(RecordValue::of(text));
}

const RecordValue* ValueArena::keep_producer_value(std::int64_t producer, std::int64_t seq, std::int64_t value_bytes) {
  KS_ASSERT(producer >= 0 && producer <= std::numeric_limits<NodeId>::max() && seq >= 0);
  auto* value = static_cast<RecordValue*>(allocate(sizeof(RecordValue), alignof(RecordValue)));
  RecordValue v;
  v.size_bytes = client::producer_value_size(static_cast<NodeId>(producer), seq, value_bytes);
  v.hash = client::producer_value_hash(producer, seq, v.size_bytes);
  v.producer = producer;
  v.record = seq;
  return ::new (value) RecordValue(v);
}

ValueArena::Entry* ValueArena::entries(std::size_t count) {
  static_assert(std::is_trivially_destructible_v<Entry>);
  if (count == 0) return nullptr;
  if (count * sizeof(Entry) > chunk_bytes) {  // a huge batch: a chunk of its own
    chunks_.push_back(std::make_unique_for_overwrite<std::byte[]>(count * sizeof(Entry)));
    return reinterpret_cast<Entry*>(chunks_.back().get());
  }
  return static_cast<Entry*>(allocate(count * sizeof(Entry), alignof(Entry)));
}

OffsetValues::const_iterator OffsetValues::lower_bound(std::int64_t offset) const {
  // The first run whose last offset is at or past `offset`, then the entry within it.
  const auto run = std::partition_point(runs_.begin(), runs_.end(), [offset](const Run& r) { return r.back().first < offset; });
  if (run == runs_.end()) return end();
  const auto at = std::partition_point(run->begin(), run->end(), [offset](const value_type& e) { return e.first < offset; });
  return {&runs_, static_cast<std::size_t>(run - runs_.begin()), static_cast<std::size_t>(at - run->begin())};
}

OffsetValues::const_iterator OffsetValues::find(std::int64_t offset) const {
  const auto it = lower_bound(offset);
  return it != end() && it->first == offset ? it : end();
}

void OffsetValues::add_run(Run run) {
  if (run.empty()) return;
  producer_records_.reset();
  KS_ASSERT(std::adjacent_find(run.begin(), run.end(), [](const value_type& a, const value_type& b) { return a.first >= b.first; }) ==
            run.end());  // increasing offsets
  if (runs_.empty() || runs_.back().back().first < run.front().first) {  // the usual case
    runs_.push_back(run);
    size_ += run.size();
    return;
  }
  // Out of order or overlapping (a segment read after a later one): merge into one owned run,
  // the new entries winning, as assignment in a map.
  std::map<std::int64_t, const RecordValue*> merged;
  for (const Run& r : runs_) {
    for (const value_type& e : r) merged[e.first] = e.second;
  }
  for (const value_type& e : run) merged[e.first] = e.second;
  auto owned = std::make_unique<value_type[]>(merged.size());
  std::size_t i = 0;
  for (const auto& [offset, value] : merged) owned[i++] = value_type{offset, value};
  runs_.assign(1, Run(owned.get(), merged.size()));
  size_ = merged.size();
  owned_.push_back(std::move(owned));
}

void OffsetValues::set(std::int64_t offset, const RecordValue* value) {
  auto owned = std::make_unique<value_type[]>(1);
  owned[0] = value_type{offset, value};
  const Run run(owned.get(), 1);
  owned_.push_back(std::move(owned));
  add_run(run);
}

void OffsetValues::share(std::shared_ptr<const ValueArena> arena) {
  if (arenas_.empty() || arenas_.back() != arena) arenas_.push_back(std::move(arena));
}

// A producer numbers its records per partition from 0, so the first offset of each record is
// kept in an array per producer indexed by record number (a set or a sort per producer cost
// most of this for the millions of records of a long run); a record number past
// records_dense_max (not a kraftsim producer's) goes to a map instead.
const std::vector<ProducerRecordAt>& OffsetValues::producer_records() const {
  if (producer_records_ != nullptr) return *producer_records_;
  constexpr std::int64_t records_dense_max = std::int64_t{1} << 26;
  auto out = std::make_unique<std::vector<ProducerRecordAt>>();
  out->reserve(size());
  std::map<std::int64_t, std::vector<std::int64_t>> first_offsets;  // producer -> record -> offset (-1: not yet)
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> sparse;  // (producer, record) -> offset
  std::int64_t last_producer = -1;
  std::vector<std::int64_t>* last = nullptr;  // first_offsets[last_producer]
  for (const auto& [offset, value] : *this) {
    if (!value->is_producer_record()) continue;
    const std::int64_t producer = value->producer, record = value->record;
    std::int64_t first = offset;
    if (record >= 0 && record < records_dense_max) {
      if (last == nullptr || producer != last_producer) {
        last = &first_offsets[producer];
        last_producer = producer;
        // Room for as many records as these values hold, in one block: growing one record at a
        // time doubled its way there, touching about twice the fresh memory (a reservation
        // touches no page; only the records written are).
        if (last->capacity() == 0) last->reserve(size());
      }
      if (static_cast<std::size_t>(record) >= last->size()) last->resize(static_cast<std::size_t>(record) + 1, -1);
      std::int64_t& seen = (*last)[static_cast<std::size_t>(record)];
      if (seen < 0) seen = offset;
      first = seen;
    } else {
      first = sparse.try_emplace({producer, record}, offset).first->second;
    }
    out->push_back(ProducerRecordAt{producer, record, offset, first});
  }
  producer_records_ = std::move(out);
  return *producer_records_;
}

}  // namespace kraftsim::check

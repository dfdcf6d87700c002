// OffsetValues and ValueArena (see offset_values.h).
#include "sim/check/offset_values.h"

#include <algorithm>
#include <cstring>

#include "base/hash.h"

namespace kraftsim::check {

const RecordValue* ValueArena::keep(std::string_view text) {
  RecordValue& value = values_.emplace_back();
  value.size_bytes = text.size();
  value.hash = hash_string(text);
  const std::string_view head = text.substr(0, RecordValue::head_bytes_max);
  if (head.empty()) return &value;
  if (head.size() > last_capacity_bytes_ - last_used_bytes_) {
    last_capacity_bytes_ = chunk_bytes;
    // No zeroing: every byte handed out is written first.
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(last_capacity_bytes_));
    last_used_bytes_ = 0;
  }
  char* at = chunks_.back().get() + last_used_bytes_;
  std::memcpy(at, head.data(), head.size());
  last_used_bytes_ += head.size();
  value.head = {at, head.size()};
  return &value;
}

OffsetValues::const_iterator OffsetValues::lower_bound(std::int64_t offset) const {
  return std::lower_bound(entries_.begin(), entries_.end(), offset,
                          [](const value_type& entry, std::int64_t o) { return entry.first < o; });
}

OffsetValues::const_iterator OffsetValues::find(std::int64_t offset) const {
  const auto it = lower_bound(offset);
  return it != entries_.end() && it->first == offset ? it : entries_.end();
}

void OffsetValues::set(std::int64_t offset, const RecordValue* value) {
  if (entries_.empty() || entries_.back().first < offset) {  // the usual case: batches in offset order
    entries_.emplace_back(offset, value);
    return;
  }
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                                   [](const value_type& entry, std::int64_t o) { return entry.first < o; });
  if (it != entries_.end() && it->first == offset) {
    entries_[static_cast<std::size_t>(it - entries_.begin())].second = value;
  } else {
    entries_.insert(it, value_type{offset, value});
  }
}

void OffsetValues::share(std::shared_ptr<const ValueArena> arena) {
  if (arenas_.empty() || arenas_.back() != arena) arenas_.push_back(std::move(arena));
}

}  // namespace kraftsim::check

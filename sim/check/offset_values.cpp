// OffsetValues and ValueArena (see offset_values.h).
#include "sim/check/offset_values.h"

#include <algorithm>
#include <cstring>

namespace kraftsim::check {

std::string_view ValueArena::keep(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > last_capacity_bytes_ - last_used_bytes_) {
    // A value larger than a chunk gets a chunk of its own size.
    last_capacity_bytes_ = std::max(chunk_bytes, text.size());
    chunks_.push_back(std::make_unique<char[]>(last_capacity_bytes_));
    last_used_bytes_ = 0;
  }
  char* at = chunks_.back().get() + last_used_bytes_;
  std::memcpy(at, text.data(), text.size());
  last_used_bytes_ += text.size();
  return {at, text.size()};
}

OffsetValues::const_iterator OffsetValues::lower_bound(std::int64_t offset) const {
  return std::lower_bound(entries_.begin(), entries_.end(), offset,
                          [](const value_type& entry, std::int64_t o) { return entry.first < o; });
}

OffsetValues::const_iterator OffsetValues::find(std::int64_t offset) const {
  const auto it = lower_bound(offset);
  return it != entries_.end() && it->first == offset ? it : entries_.end();
}

void OffsetValues::set(std::int64_t offset, std::string_view value) {
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

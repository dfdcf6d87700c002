// RecentReads: a ring of the last reads, by reference (see recent_reads.h).
#include "sim/world/recent_reads.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace kraftsim::sim {

void RecentReads::remember(const FileBytes& file, std::uint64_t offset, std::uint64_t length) {
  if (length < bytes_min) return;
  Entry& entry = entries_[next_slot_];
  entry.extents.clear();  // drops the oldest read's references; keeps the vector's capacity
  file.share(offset, length, entry.extents);
  entry.length = length;
  entry.next = 0;
  entry.key_at_start = key_at(entry, 0);
  entry.key_at_next = entry.key_at_start;
  next_slot_ = (next_slot_ + 1) % entries_max;
  count_ = std::min(count_ + 1, entries_max);
}

namespace {

// Calls on_piece(bytes, done) for the contiguous pieces of extents' bytes [at, at + count), in
// order (`done` bytes came before); stops early, returning false, when on_piece does.
template <typename OnPiece>
bool visit_range(std::span<const FileBytes::Extent> extents, std::uint64_t at, std::size_t count, OnPiece on_piece) {
  std::uint64_t skip = at;
  std::size_t done = 0;
  for (const FileBytes::Extent& extent : extents) {
    if (done == count) break;
    if (skip >= extent.length) {
      skip -= extent.length;
      continue;
    }
    const std::size_t take = std::min<std::size_t>(extent.length - skip, count - done);
    if (!on_piece(std::span(extent.buffer->data() + extent.at + skip, take), done)) return false;
    done += take;
    skip = 0;
  }
  KS_ASSERT(done == count);
  return true;
}

}  // namespace

std::uint64_t RecentReads::key_at(const Entry& entry, std::uint64_t at) {
  KS_ASSERT(at + sizeof(std::uint64_t) <= entry.length);
  std::array<std::uint8_t, sizeof(std::uint64_t)> bytes{};
  visit_range(entry.extents, at, bytes.size(), [&](std::span<const std::uint8_t> piece, std::size_t done) {
    std::memcpy(bytes.data() + done, piece.data(), piece.size());
    return true;
  });
  std::uint64_t key = 0;
  std::memcpy(&key, bytes.data(), sizeof key);
  return key;
}

bool RecentReads::holds_at(const Entry& entry, std::uint64_t at, std::span<const std::uint8_t> bytes) {
  if (at > entry.length || bytes.size() > entry.length - at) return false;
  return visit_range(entry.extents, at, bytes.size(), [&](std::span<const std::uint8_t> piece, std::size_t done) {
    return std::memcmp(piece.data(), bytes.data() + done, piece.size()) == 0;
  });
}

std::optional<RecentReads::Match> RecentReads::find(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < bytes_min) return std::nullopt;
  std::uint64_t key = 0;
  std::memcpy(&key, bytes.data(), sizeof key);
  for (std::size_t i = 1; i <= count_; ++i) {
    Entry& entry = entries_[(next_slot_ + entries_max - i) % entries_max];
    // Right after the last match (a follower's next batch), else at the start (its first).
    const std::array<std::uint64_t, 2> candidates = {entry.next, 0};
    const std::array<std::uint64_t, 2> keys = {entry.key_at_next, entry.key_at_start};
    const std::size_t candidate_count = entry.next == 0 ? 1 : 2;
    for (std::size_t c = 0; c < candidate_count; ++c) {
      const std::uint64_t at = candidates[c];
      if (keys[c] != key || !holds_at(entry, at, bytes)) continue;
      entry.next = at + bytes.size();
      // With fewer than 8 bytes left any key will do: holds_at refuses what does not fit.
      entry.key_at_next = entry.next + sizeof(std::uint64_t) <= entry.length ? key_at(entry, entry.next) : 0;
      shared_appends_ += 1;
      shared_bytes_ += bytes.size();
      return Match{entry.extents, at};
    }
  }
  return std::nullopt;
}

}  // namespace kraftsim::sim

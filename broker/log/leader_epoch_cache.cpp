// The leader epoch cache and its checkpoint format (see leader_epoch_cache.h).
#include "broker/log/leader_epoch_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "broker/log/partition_log_files.h"

namespace kraftsim::log {

namespace {

bool strictly_increasing(const std::vector<EpochEntry>& entries) {
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].epoch <= entries[i - 1].epoch) return false;
    if (entries[i].start_offset <= entries[i - 1].start_offset) return false;
  }
  return true;
}

}  // namespace

void LeaderEpochCache::check_invariants() const {
  KS_ASSERT(entries_.size() <= leader_epoch_entries_max);
  KS_ASSERT_MSG(strictly_increasing(entries_), "leader epoch entries must grow in epoch and start offset");
  KS_ASSERT(entries_.empty() || entries_.front().epoch >= 0);
  KS_ASSERT(entries_.empty() || entries_.front().start_offset >= 0);
}

bool LeaderEpochCache::assign(std::int32_t epoch, std::int64_t start_offset) {
  KS_ASSERT(epoch >= 0);
  KS_ASSERT(start_offset >= 0);
  // isUpdateNeeded: a new epoch, or the latest epoch starting earlier than recorded.
  if (!entries_.empty() && entries_.back().epoch == epoch && start_offset >= entries_.back().start_offset) return false;
  // maybeTruncateNonMonotonicEntries: drop, from the end, what the new entry would contradict.
  while (!entries_.empty() && (entries_.back().epoch >= epoch || entries_.back().start_offset >= start_offset)) {
    entries_.pop_back();
  }
  KS_ASSERT_MSG(entries_.size() < leader_epoch_entries_max, "leader epoch cache full");
  entries_.push_back(EpochEntry{epoch, start_offset});
  check_invariants();
  return true;
}

std::optional<std::int32_t> LeaderEpochCache::latest_epoch() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

std::optional<EpochEntry> LeaderEpochCache::latest_entry() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

std::optional<EpochEntry> LeaderEpochCache::earliest_entry() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front();
}

std::optional<std::int32_t> LeaderEpochCache::epoch_for_offset(std::int64_t offset) const {
  const auto after = std::upper_bound(entries_.begin(), entries_.end(), offset,
                                      [](std::int64_t o, const EpochEntry& e) { return o < e.start_offset; });
  if (after == entries_.begin()) return std::nullopt;
  return std::prev(after)->epoch;
}

EpochEndOffset LeaderEpochCache::end_offset_for(std::int32_t requested_epoch, std::int64_t log_end_offset) const {
  if (requested_epoch == undefined_epoch || entries_.empty()) return EpochEndOffset{};
  // The latest epoch is still being written: it ends at the log end.
  if (entries_.back().epoch == requested_epoch) return EpochEndOffset{requested_epoch, log_end_offset};
  // higherEntry: the first epoch above the requested one.
  const auto higher = std::upper_bound(entries_.begin(), entries_.end(), requested_epoch,
                                       [](std::int32_t epoch, const EpochEntry& e) { return epoch < e.epoch; });
  if (higher == entries_.end()) return EpochEndOffset{};  // above every known epoch
  if (higher == entries_.begin()) {
    // Below every known epoch: its data is gone from this log; the follower should start where
    // ours starts (KIP-279).
    return EpochEndOffset{requested_epoch, higher->start_offset};
  }
  const EpochEntry& floor = *std::prev(higher);
  KS_ASSERT(floor.epoch <= requested_epoch);
  KS_ASSERT(floor.start_offset < higher->start_offset);
  return EpochEndOffset{floor.epoch, higher->start_offset};
}

bool LeaderEpochCache::truncate_from_end(std::int64_t end_offset) {
  if (end_offset < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return false;
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  check_invariants();
  return true;
}

bool LeaderEpochCache::truncate_from_start(std::int64_t start_offset) {
  if (start_offset < 0 || entries_.empty() || entries_.front().start_offset >= start_offset) return false;
  // The last entry starting at or before start_offset survives, moved up to start_offset.
  const auto after = std::upper_bound(entries_.begin(), entries_.end(), start_offset,
                                      [](std::int64_t o, const EpochEntry& e) { return o < e.start_offset; });
  KS_ASSERT(after != entries_.begin());
  const std::int32_t surviving_epoch = std::prev(after)->epoch;
  entries_.erase(entries_.begin(), after);
  entries_.insert(entries_.begin(), EpochEntry{surviving_epoch, start_offset});
  check_invariants();
  return true;
}

std::optional<LeaderEpochCache> LeaderEpochCache::from_entries(std::vector<EpochEntry> entries) {
  if (entries.size() > leader_epoch_entries_max || !strictly_increasing(entries)) return std::nullopt;
  if (!entries.empty() && (entries.front().epoch < 0 || entries.front().start_offset < 0)) return std::nullopt;
  LeaderEpochCache cache;
  cache.entries_ = std::move(entries);
  cache.check_invariants();
  return cache;
}

std::string encode_leader_epoch_checkpoint(const std::vector<EpochEntry>& entries) {
  std::vector<std::string> lines;
  lines.reserve(entries.size());
  for (const EpochEntry& e : entries) lines.push_back(fmt::format("{} {}", e.epoch, e.start_offset));
  return encode_checkpoint_file(0, lines);
}

Result<std::vector<EpochEntry>, std::string> parse_leader_epoch_checkpoint(std::string_view text) {
  auto lines = parse_checkpoint_file(text, 0);
  if (!lines.ok()) return unexpected(lines.error());
  std::vector<EpochEntry> entries;
  for (const std::string& line : *lines) {
    const auto fields = split_fields(line, 2);
    if (!fields) return unexpected(fmt::format("entry \"{}\" is not \"epoch startOffset\"", line));
    const auto epoch = parse_int64((*fields)[0]);
    const auto start = parse_int64((*fields)[1]);
    if (!epoch || !start || *epoch < 0 || *epoch > std::numeric_limits<std::int32_t>::max() || *start < 0) {
      return unexpected(fmt::format("entry \"{}\" has a bad number", line));
    }
    entries.push_back(EpochEntry{static_cast<std::int32_t>(*epoch), *start});
  }
  if (!strictly_increasing(entries)) return unexpected(std::string("entries are not strictly increasing"));
  if (entries.size() > leader_epoch_entries_max) return unexpected(std::string("too many entries"));
  return entries;
}

}  // namespace kraftsim::log

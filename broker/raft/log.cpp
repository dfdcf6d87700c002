// RaftLog (log.h): the entries, the epoch cache and Kafka's epoch lookups.
#include "broker/raft/log.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::raft {

RaftLog::RaftLog(std::optional<SnapshotId> snapshot, std::vector<Entry> entries) : snapshot_(snapshot) {
  start_offset_ = snapshot ? snapshot->end_offset : 0;
  KS_ASSERT(start_offset_ >= 0);
  for (Entry& entry : entries) {
    if (entry.offset < start_offset_) {
      // Covered by the snapshot: the entry just before its end must agree with its id.
      if (snapshot && entry.offset == start_offset_ - 1) KS_ASSERT_MSG(entry.epoch == snapshot->epoch, "snapshot id disagrees with the log");
      continue;
    }
    KS_ASSERT_MSG(entry.offset == end_offset(), "persisted log is not contiguous");
    append(std::move(entry));
  }
  check_invariants();
}

Epoch RaftLog::last_epoch() const {
  if (!entries_.empty()) return entries_.back().epoch;
  if (snapshot_) return snapshot_->epoch;
  return 0;
}

const Entry& RaftLog::at(Offset offset) const {
  KS_ASSERT(offset >= start_offset_);
  KS_ASSERT(offset < end_offset());
  const Entry& entry = entries_[static_cast<std::size_t>(offset - start_offset_)];
  KS_ASSERT(entry.offset == offset);
  return entry;
}

std::optional<Epoch> RaftLog::epoch_at(Offset offset) const {
  if (offset >= start_offset_ && offset < end_offset()) return at(offset).epoch;
  if (snapshot_ && offset == snapshot_->end_offset - 1 && offset == start_offset_ - 1) return snapshot_->epoch;
  return std::nullopt;
}

std::vector<Entry> RaftLog::read(Offset from, std::size_t entries_max, std::size_t bytes_max) const {
  KS_ASSERT(from >= start_offset_);
  KS_ASSERT(from <= end_offset());
  std::vector<Entry> out;
  std::size_t bytes = 0;
  for (Offset o = from; o < end_offset() && out.size() < entries_max; ++o) {
    const Entry& entry = at(o);
    if (!out.empty() && bytes + entry.payload.size() > bytes_max) break;
    bytes += entry.payload.size();
    out.push_back(entry);
  }
  KS_ASSERT(out.size() <= entries_max);
  return out;
}

OffsetAndEpoch RaftLog::end_offset_for_epoch(Epoch epoch) const {
  // The first cached epoch greater than `epoch`; the one before it is the answer.
  const auto after = std::upper_bound(epochs_.begin(), epochs_.end(), epoch,
                                      [](Epoch e, const EpochStart& s) { return e < s.epoch; });
  if (after != epochs_.begin()) {
    const EpochStart& found = *(after - 1);
    const Offset end = after != epochs_.end() ? after->start_offset : end_offset();
    KS_ASSERT(end > found.start_offset);
    return {end, found.epoch};
  }
  if (snapshot_ && snapshot_->epoch <= epoch) return {snapshot_->end_offset, snapshot_->epoch};
  return {start_offset_, 0};
}

FetchValidation RaftLog::validate_offset_and_epoch(Offset fetch_offset, Epoch last_fetched_epoch) const {
  KS_ASSERT(fetch_offset >= 0);
  KS_ASSERT(last_fetched_epoch >= 0);
  if (start_offset_ == 0 && fetch_offset == 0) return {};
  if (snapshot_ && (fetch_offset < start_offset_ ||
                    (fetch_offset == start_offset_ && last_fetched_epoch != snapshot_->epoch) ||
                    last_fetched_epoch < snapshot_->epoch)) {
    // The follower's position is inside (or diverges inside) what the snapshot covers: the
    // leader cannot name a truncation point any more, the follower must load the snapshot.
    FetchValidation v;
    v.kind = FetchValidation::Kind::snapshot;
    v.snapshot = *snapshot_;
    return v;
  }
  const OffsetAndEpoch end = end_offset_for_epoch(last_fetched_epoch);
  if (end.epoch != last_fetched_epoch || end.offset < fetch_offset) {
    FetchValidation v;
    v.kind = FetchValidation::Kind::diverging;
    v.diverging = end;
    return v;
  }
  return {};
}

Offset RaftLog::truncation_offset_for(OffsetAndEpoch leader_end) const {
  KS_ASSERT(leader_end.offset >= 0);
  KS_ASSERT(leader_end.epoch >= 0);
  Offset truncation = 0;
  if (leader_end.epoch == 0) {
    truncation = std::min(leader_end.offset, end_offset());
  } else {
    const OffsetAndEpoch local = end_offset_for_epoch(leader_end.epoch);
    // Same epoch on both sides: the shorter of the two ends. Otherwise our largest epoch below
    // the leader's answer ends where our log stops agreeing (KIP-279), and we will ask again.
    truncation = local.epoch == leader_end.epoch ? std::min(local.offset, leader_end.offset) : local.offset;
  }
  return std::clamp(truncation, start_offset_, end_offset());
}

void RaftLog::append(Entry entry) {
  KS_ASSERT_MSG(entry.offset == end_offset(), "append must be at the log end offset");
  KS_ASSERT_MSG(entry.epoch >= last_epoch(), "epochs never decrease along the log");
  KS_ASSERT(entry.epoch >= 1);
  if (epochs_.empty() || epochs_.back().epoch != entry.epoch) epochs_.push_back({entry.epoch, entry.offset});
  entries_.push_back(std::move(entry));
}

void RaftLog::truncate_suffix(Offset end) {
  KS_ASSERT(end >= start_offset_);
  KS_ASSERT(end <= end_offset());
  while (end_offset() > end) entries_.pop_back();
  while (!epochs_.empty() && epochs_.back().start_offset >= end) epochs_.pop_back();
  KS_ASSERT(end_offset() == end);
}

void RaftLog::drop_prefix(SnapshotId id) {
  KS_ASSERT(id.end_offset > start_offset_);
  KS_ASSERT(id.end_offset <= end_offset());
  KS_ASSERT_MSG(epoch_at(id.end_offset - 1) == id.epoch, "snapshot id must name an entry of the log");
  while (start_offset_ < id.end_offset) {
    entries_.pop_front();
    ++start_offset_;
  }
  // Drop epochs that ended before the new start; the first remaining one starts there.
  while (epochs_.size() > 1 && epochs_[1].start_offset <= start_offset_) epochs_.erase(epochs_.begin());
  if (entries_.empty()) {
    epochs_.clear();
  } else {
    KS_ASSERT(!epochs_.empty());
    epochs_.front().start_offset = start_offset_;
    KS_ASSERT(epochs_.front().epoch == entries_.front().epoch);
  }
  snapshot_ = id;
}

void RaftLog::reset_to_snapshot(SnapshotId id) {
  KS_ASSERT(id.end_offset >= start_offset_);
  KS_ASSERT(id.epoch >= 1);
  entries_.clear();
  epochs_.clear();
  start_offset_ = id.end_offset;
  snapshot_ = id;
  KS_ASSERT(end_offset() == id.end_offset);
}

void RaftLog::check_invariants() const {
  Offset expected = start_offset_;
  Epoch previous = snapshot_ ? snapshot_->epoch : 0;
  std::size_t epoch_index = 0;
  for (const Entry& entry : entries_) {
    KS_ASSERT(entry.offset == expected);
    KS_ASSERT(entry.epoch >= previous);
    if (expected == start_offset_ || entry.epoch != previous) {
      KS_ASSERT(epoch_index < epochs_.size());
      KS_ASSERT(epochs_[epoch_index].epoch == entry.epoch);
      KS_ASSERT(epochs_[epoch_index].start_offset == entry.offset);
      ++epoch_index;
    }
    previous = entry.epoch;
    ++expected;
  }
  KS_ASSERT(epoch_index == epochs_.size());
}

}  // namespace kraftsim::raft

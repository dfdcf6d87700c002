// MetadataLogStore: segment files, snapshots and recovery of the metadata log (see header).
#include "broker/node/metadata_log_store.h"

#include <fmt/format.h>

#include <algorithm>
#include "base/assert.h"
#include "broker/log/record_batch.h"

namespace kraftsim::node {

namespace {

constexpr const char* dir = "__cluster_metadata-0";
constexpr std::uint8_t leader_change_control_type = 2;  // Kafka ControlRecordType.LEADER_CHANGE

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::optional<raft::Offset> parse_digits(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  raft::Offset v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<env::Bytes, std::string> read_all(env::Files& files, const std::string& path) {
  auto size = files.size(path);
  if (!size.ok()) return unexpected(fmt::format("{}: {}", path, env::to_string(size.error().code)));
  auto bytes = files.read(path, 0, *size);
  if (!bytes.ok()) return unexpected(fmt::format("{}: {}", path, env::to_string(bytes.error().code)));
  return std::move(bytes.value());
}

}  // namespace

std::string segment_file_name(raft::Offset base_offset) { return fmt::format("{:020d}.log", base_offset); }

env::Bytes encode_entry(const raft::Entry& entry) {
  log::RecordBatch batch;
  batch.base_offset = entry.offset;
  batch.partition_leader_epoch = entry.epoch;
  batch.control = entry.control;
  batch.base_timestamp = 0;
  batch.max_timestamp = 0;
  log::Record record;
  if (entry.control) {
    // A control record's key is (version int16 = 0, type int16); type 2 is LEADER_CHANGE
    // (Kafka's ControlRecordType). The value is the core's LeaderChange encoding.
    record.key = log::Bytes{0, 0, 0, leader_change_control_type};
  }
  record.value = entry.payload;
  batch.records.push_back(std::move(record));
  return log::encode_batch(batch);
}

std::vector<DecodedEntry> decode_segment(env::ByteView bytes, std::uint64_t& valid_bytes) {
  std::vector<DecodedEntry> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto header = log::peek_batch_header(bytes.subspan(at), log::CrcCheck::verify);
    if (!header.ok()) break;  // torn, corrupt or truncated: nothing after it is trusted
    auto batch = log::decode_batch(bytes.subspan(at, header->size_bytes()));
    if (!batch.ok() || batch->records.size() != 1 || !batch->records[0].value) break;
    raft::Entry e;
    e.offset = batch->base_offset;
    e.epoch = batch->partition_leader_epoch;
    e.control = batch->control;
    e.payload = std::move(*batch->records[0].value);
    if (!out.empty() && e.offset != out.back().entry.offset + 1) break;  // not contiguous: untrusted
    out.push_back(DecodedEntry{std::move(e), at});
    at += header->size_bytes();
  }
  valid_bytes = at;
  return out;
}

MetadataLogStore::MetadataLogStore(std::uint64_t segment_bytes) : segment_bytes_(segment_bytes) {
  KS_ASSERT(segment_bytes_ > 0);
}

std::string MetadataLogStore::snapshot_path(const raft::SnapshotId& id) const {
  return fmt::format("{}/{:020d}-{:010d}.checkpoint", dir, id.end_offset, id.epoch);
}

Result<RecoveredLog, std::string> MetadataLogStore::recover(env::Files& files) {
  segments_.clear();
  dirty_.clear();
  RecoveredLog out;

  std::vector<std::pair<raft::Offset, std::string>> segment_files;
  std::vector<std::pair<raft::SnapshotId, std::string>> snapshots;
  for (const std::string& name : files.list(dir)) {
    const std::string path = fmt::format("{}/{}", dir, name);
    if (ends_with(name, ".log")) {
      auto base = parse_digits(name.substr(0, name.size() - 4));
      if (!base) return unexpected(fmt::format("{}: not a segment file name", path));
      segment_files.emplace_back(*base, path);
    } else if (ends_with(name, ".checkpoint") && name.size() == 20 + 1 + 10 + 11) {
      auto end = parse_digits(name.substr(0, 20));
      auto epoch = parse_digits(name.substr(21, 10));
      if (end && epoch) snapshots.emplace_back(raft::SnapshotId{*end, static_cast<raft::Epoch>(*epoch)}, path);
    } else if (ends_with(name, ".tmp")) {
      (void)files.remove(path);  // an unfinished write (Kafka deletes its .part files)
    }
  }

  // The newest snapshot whose frame validates.
  std::sort(snapshots.begin(), snapshots.end(), [](const auto& a, const auto& b) {
    return a.first.end_offset != b.first.end_offset ? a.first.end_offset > b.first.end_offset : a.first.epoch > b.first.epoch;
  });
  for (const auto& [id, path] : snapshots) {
    auto bytes = read_all(files, path);
    if (!bytes.ok()) continue;
    std::uint64_t valid = 0;
    auto decoded = decode_segment(*bytes, valid);
    if (decoded.size() == 1 && valid == bytes->size() && decoded[0].entry.offset == id.end_offset &&
        decoded[0].entry.epoch == id.epoch) {
      out.snapshot = raft::SnapshotImage{id, std::move(decoded[0].entry.payload)};
      break;
    }
  }

  std::sort(segment_files.begin(), segment_files.end());
  for (std::size_t i = 0; i < segment_files.size(); ++i) {
    const auto& [base, path] = segment_files[i];
    auto bytes = read_all(files, path);
    if (!bytes.ok()) return unexpected(bytes.error());
    std::uint64_t valid = 0;
    auto decoded = decode_segment(*bytes, valid);
    const bool starts_right = decoded.empty() || decoded.front().entry.offset == base;
    if (!starts_right) {
      valid = 0;
      decoded.clear();
    }
    // A later segment that starts at or before what we have supersedes the overlap (a follower
    // reset its log to a snapshot and the old segments' deletion did not survive).
    while (!out.entries.empty() && out.entries.back().offset >= base) out.entries.pop_back();
    if (!out.entries.empty() && base != out.entries.back().offset + 1) out.entries.clear();  // a gap
    for (auto it = segments_.begin(); it != segments_.end();) {
      if (it->second.end_offset > base) {
        (void)files.remove(it->second.path);
        it = segments_.erase(it);
      } else {
        ++it;
      }
    }
    Segment seg{path, valid, base, {}};
    for (auto& d : decoded) {
      seg.positions.emplace_back(d.entry.offset, d.position);
      seg.end_offset = d.entry.offset + 1;
      out.entries.push_back(std::move(d.entry));
    }
    segments_.emplace(base, std::move(seg));
    if (valid < bytes->size()) {
      // A torn or corrupt tail: cut it, and drop every later segment (nothing after a bad batch
      // is trusted, as Kafka's log recovery does).
      out.truncated_bytes += bytes->size() - valid;
      if (files.truncate(path, valid).ok()) mark_dirty(path);
      for (std::size_t j = i + 1; j < segment_files.size(); ++j) {
        auto size = files.size(segment_files[j].second);
        out.truncated_bytes += size.ok() ? *size : 0;
        (void)files.remove(segment_files[j].second);
      }
      break;
    }
  }
  return out;
}

MetadataLogStore::Segment& MetadataLogStore::active_segment(env::Files& files, raft::Offset next_offset) {
  if (segments_.empty() || segments_.rbegin()->second.size_bytes >= segment_bytes_) {
    Segment seg{fmt::format("{}/{}", dir, segment_file_name(next_offset)), 0, next_offset, {}};
    if (!files.exists(seg.path)) (void)files.create_exclusive(seg.path);
    else (void)files.truncate(seg.path, 0);
    directory_dirty_ = true;
    segments_.emplace(next_offset, std::move(seg));
  }
  return segments_.rbegin()->second;
}

void MetadataLogStore::remove_segment_file(env::Files& files, const std::string& path) {
  (void)files.remove(path);
  std::erase(dirty_, path);
  directory_dirty_ = true;
}

void MetadataLogStore::mark_dirty(const std::string& path) {
  if (std::find(dirty_.begin(), dirty_.end(), path) == dirty_.end()) dirty_.push_back(path);
}

void MetadataLogStore::apply(env::Files& files, const raft::LogOp& op) {
  switch (op.kind) {
    case raft::LogOp::Kind::append:
      for (const raft::Entry& e : op.entries) {
        Segment& seg = active_segment(files, e.offset);
        KS_ASSERT(seg.positions.empty() || seg.end_offset == e.offset);
        const env::Bytes frame = encode_entry(e);
        if (!files.append(seg.path, frame).ok()) return;  // disk full: the flush will not cover it
        seg.positions.emplace_back(e.offset, seg.size_bytes);
        seg.size_bytes += frame.size();
        seg.end_offset = e.offset + 1;
        mark_dirty(seg.path);
      }
      break;
    case raft::LogOp::Kind::truncate_suffix:
      for (auto it = segments_.begin(); it != segments_.end();) {
        Segment& seg = it->second;
        if (it->first >= op.offset && it != segments_.begin()) {
          remove_segment_file(files, seg.path);
          it = segments_.erase(it);
          continue;
        }
        auto pos = std::find_if(seg.positions.begin(), seg.positions.end(),
                                [&](const auto& p) { return p.first >= op.offset; });
        if (pos != seg.positions.end()) {
          seg.size_bytes = pos->second;
          (void)files.truncate(seg.path, seg.size_bytes);
          seg.positions.erase(pos, seg.positions.end());
          seg.end_offset = op.offset;
          mark_dirty(seg.path);
        }
        ++it;
      }
      break;
    case raft::LogOp::Kind::drop_prefix:
      // Whole segments below the new log start go (Kafka deletes segments, never rewrites them).
      for (auto it = segments_.begin(); it != segments_.end();) {
        auto next = std::next(it);
        if (next != segments_.end() && it->second.end_offset <= op.offset) {
          remove_segment_file(files, it->second.path);
          it = segments_.erase(it);
        } else {
          ++it;
        }
      }
      break;
    case raft::LogOp::Kind::reset:
      for (auto& [base, seg] : segments_) remove_segment_file(files, seg.path);
      segments_.clear();
      {
        Segment seg{fmt::format("{}/{}", dir, segment_file_name(op.offset)), 0, op.offset, {}};
        if (files.exists(seg.path)) (void)files.truncate(seg.path, 0);
        else (void)files.create_exclusive(seg.path);
        directory_dirty_ = true;
        mark_dirty(seg.path);
        segments_.emplace(op.offset, std::move(seg));
      }
      break;
  }
}

std::vector<std::string> MetadataLogStore::take_dirty_segments() {
  std::vector<std::string> out;
  out.swap(dirty_);
  return out;
}

bool MetadataLogStore::take_directory_dirty() {
  const bool dirty = directory_dirty_;
  directory_dirty_ = false;
  return dirty;
}

}  // namespace kraftsim::node

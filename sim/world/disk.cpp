// The simulated disk: namespaces, undo overlays, page cache and faults (model in disk.h).
// Nothing here reads a clock, allocates randomness or iterates an unordered container.
#include "sim/world/disk.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <span>
#include <limits>
#include <utility>

#include "base/assert.h"

namespace kraftsim::sim {
namespace {

using env::IoErrc;
using env::IoStatus;

IoStatus failure(IoErrc code, std::string_view path) { return IoStatus::failure(code, std::string(path)); }

template <typename T>
env::IoResult<T> error_result(IoErrc code, std::string_view path) {
  return unexpected(env::IoError{code, std::string(path)});
}

// A file path: non-empty, bounded, relative, and made of real names only (files.h contract).
bool valid_path(std::string_view path) {
  if (path.empty() || path.size() > Disk::path_bytes_max) return false;
  std::size_t begin = 0;
  while (true) {
    const std::size_t slash = path.find('/', begin);
    const std::string_view component =
        path.substr(begin, slash == std::string_view::npos ? std::string_view::npos : slash - begin);
    // An empty component also catches a leading '/', a trailing '/' and "//".
    if (component.empty() || component == "." || component == "..") return false;
    if (slash == std::string_view::npos) return true;
    begin = slash + 1;
  }
}

// A directory: the root "" or anything that would be a valid file path.
bool valid_dir(std::string_view dir) { return dir.empty() || valid_path(dir); }

// "a/b/" for "a/b", "" for the root: every path inside dir starts with it.
std::string dir_prefix(std::string_view dir) { return dir.empty() ? std::string() : std::string(dir) + "/"; }

// Calls on_file(path) for each file directly inside dir and on_directory(name) once per
// subdirectory, skipping whole subtrees: keys sharing a prefix are contiguous in a std::map,
// and '0' is the character right after '/', so lower_bound("d0") is the first key past "d/...".
template <typename Names, typename OnFile, typename OnDirectory>
void visit_children(const Names& names, std::string_view dir, OnFile on_file, OnDirectory on_directory) {
  const std::string prefix = dir_prefix(dir);
  auto it = names.lower_bound(prefix);
  while (it != names.end() && it->first.starts_with(prefix)) {
    const std::string& path = it->first;
    const std::size_t slash = path.find('/', prefix.size());
    if (slash == std::string::npos) {
      on_file(path);
      ++it;
      continue;
    }
    KS_ASSERT(slash > prefix.size());  // valid paths have no empty component
    on_directory(std::string_view(path).substr(prefix.size(), slash - prefix.size()));
    static_assert('/' + 1 == '0');
    const auto next = names.lower_bound(path.substr(0, slash) + '0');
    KS_ASSERT(next == names.end() || next->first > path);  // progress: the subtree is behind us
    it = next;
  }
}

std::uint64_t page_count_to_cover(std::uint64_t bytes, std::uint64_t page_size_bytes) {
  return bytes / page_size_bytes + (bytes % page_size_bytes == 0 ? 0 : 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RangeSet

void Disk::RangeSet::insert(std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return;
  // Start at the range that may touch begin from the left, then swallow every range that
  // overlaps or touches [begin, end], so ranges stay disjoint and non-touching.
  auto it = ranges_.upper_bound(begin);
  if (it != ranges_.begin() && std::prev(it)->second >= begin) {
    // A range starting at or before begin touches it (an append into the last cached page, the
    // common case): grow that range in place instead of replacing its node.
    auto grown = std::prev(it);
    while (it != ranges_.end() && it->first <= end) {
      end = std::max(end, it->second);
      it = ranges_.erase(it);
    }
    grown->second = std::max(grown->second, end);
    KS_ASSERT(count_in(grown->first, grown->second) == grown->second - grown->first);
    return;
  }
  while (it != ranges_.end() && it->first <= end) {
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace_hint(it, begin, end);
  KS_ASSERT(count_in(begin, end) == end - begin);
}

void Disk::RangeSet::erase_from(std::uint64_t begin) {
  auto it = ranges_.lower_bound(begin);
  if (it != ranges_.begin()) {
    auto previous = std::prev(it);
    if (previous->second > begin) previous->second = begin;
    KS_ASSERT(previous->first < previous->second);
  }
  ranges_.erase(it, ranges_.end());
  KS_ASSERT(ranges_.empty() || std::prev(ranges_.end())->second <= begin);
}

std::uint64_t Disk::RangeSet::count_in(std::uint64_t begin, std::uint64_t end) const {
  if (begin >= end) return 0;
  auto it = ranges_.upper_bound(begin);
  if (it != ranges_.begin() && std::prev(it)->second > begin) it = std::prev(it);
  std::uint64_t count = 0;
  for (; it != ranges_.end() && it->first < end; ++it) {
    count += std::min(end, it->second) - std::max(begin, it->first);
  }
  KS_ASSERT(count <= end - begin);
  return count;
}

// ---------------------------------------------------------------------------------------------
// Construction and lookups

Disk::Disk(DiskConfig config) : config_(config) {
  KS_ASSERT(config_.page_size_bytes > 0);
  KS_ASSERT(config_.fsync_latency >= Duration());
  KS_ASSERT(config_.read_miss_latency_per_page >= Duration());
}

const Disk::Inode* Disk::find_current(std::string_view path) const {
  const auto it = current_names_.find(path);
  if (it == current_names_.end()) return nullptr;
  const Inode& inode = inodes_.at(it->second);
  KS_ASSERT(inode.current_name_count > 0);
  return &inode;
}

Disk::Inode* Disk::find_current(std::string_view path) {
  // The same lookup; the caller owns a non-const Disk, so handing out a mutable inode is fine.
  return const_cast<Inode*>(std::as_const(*this).find_current(path));
}

bool Disk::exists(std::string_view path) const { return valid_path(path) && current_names_.contains(path); }

env::IoResult<std::uint64_t> Disk::size(std::string_view path) const {
  if (!valid_path(path)) return error_result<std::uint64_t>(IoErrc::invalid_argument, path);
  const Inode* inode = find_current(path);
  if (inode == nullptr) return error_result<std::uint64_t>(IoErrc::not_found, path);
  return static_cast<std::uint64_t>(inode->data.size());
}

std::vector<std::string> Disk::list(std::string_view dir) const {
  std::vector<std::string> names;
  if (!valid_dir(dir)) return names;
  const std::size_t prefix_size = dir_prefix(dir).size();
  visit_children(
      current_names_, dir, [&](const std::string& path) { names.push_back(path.substr(prefix_size)); },
      [&](std::string_view name) { names.emplace_back(name); });
  // Visiting order is key order, not name order ("d.x" sorts before "d/a" but after "d").
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// ---------------------------------------------------------------------------------------------
// Writes

IoStatus Disk::check_name_free(std::string_view path, IoErrc if_directory) const {
  KS_ASSERT(valid_path(path));
  KS_ASSERT(!current_names_.contains(path));
  // ENOTDIR: an ancestor directory of path is a file.
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    if (current_names_.contains(path.substr(0, slash))) return failure(IoErrc::invalid_argument, path);
  }
  // EISDIR / EEXIST: path is the directory of some file.
  const std::string prefix = dir_prefix(path);
  const auto it = current_names_.lower_bound(prefix);
  if (it != current_names_.end() && it->first.starts_with(prefix)) return failure(if_directory, path);
  return IoStatus::success();
}

IoStatus Disk::check_space(std::string_view path, std::uint64_t growth) {
  // Written so that neither side can overflow.
  const bool fits = growth <= config_.capacity_bytes && used_bytes_ <= config_.capacity_bytes - growth;
  if (fits) return IoStatus::success();
  counters_.disk_full_errors += 1;
  return failure(IoErrc::disk_full, path);
}

Disk::InodeId Disk::create_inode(std::string_view path) {
  const InodeId id = next_inode_id_++;
  const auto [inode_it, inode_inserted] = inodes_.try_emplace(id);
  KS_ASSERT(inode_inserted);
  const auto [name_it, name_inserted] = current_names_.emplace(std::string(path), id);
  KS_ASSERT(name_inserted);
  inode_it->second.current_name_count = 1;
  KS_ASSERT(inode_it->second.data.empty() && inode_it->second.durable_size == 0);
  return id;
}

void Disk::save_durable_bytes(Inode& inode, std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return;
  // Only bytes that are both durable and still present need saving: durable bytes beyond
  // data.size() were saved when they were truncated away.
  KS_ASSERT(end <= inode.data.size());
  KS_ASSERT(end <= inode.durable_size);
  auto& overlay = inode.undo_overlay;
  std::uint64_t cursor = begin;
  while (cursor < end) {
    const auto next = overlay.upper_bound(cursor);
    const std::uint64_t gap_end = next == overlay.end() ? end : std::min(end, next->first);
    if (next != overlay.begin()) {
      const auto previous = std::prev(next);
      const std::uint64_t previous_end = previous->first + previous->second.size();
      if (previous_end > cursor) {  // already saved: the oldest saved copy is the durable one
        cursor = previous_end;
        continue;
      }
      if (previous_end == cursor) {  // extend the touching entry instead of fragmenting
        const std::size_t saved_size = previous->second.size();
        previous->second.resize(saved_size + (gap_end - cursor));
        inode.data.copy_to(cursor, std::span(previous->second).subspan(saved_size));
        cursor = gap_end;
        continue;
      }
    }
    KS_ASSERT(cursor < gap_end);
    env::Bytes saved(gap_end - cursor);
    inode.data.copy_to(cursor, saved);
    overlay.emplace(cursor, std::move(saved));
    cursor = gap_end;
  }
  KS_ASSERT(overlay_covers(inode, begin, end));
}

void Disk::cache_pages(Inode& inode, std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return;
  inode.cached_pages.insert(begin / config_.page_size_bytes, page_count_to_cover(end, config_.page_size_bytes));
}

void Disk::write_into(Inode& inode, std::uint64_t offset, env::ByteView bytes) {
  KS_ASSERT(inode.current_name_count > 0);  // only reachable through a current name
  const std::uint64_t old_size = inode.data.size();
  KS_ASSERT(offset <= old_size);  // no holes (files.h)
  const std::uint64_t end = offset + bytes.size();
  save_durable_bytes(inode, offset, std::min({end, old_size, inode.durable_size}));
  if (offset == old_size) {  // an append: no zero-fill before the copy
    const auto same = recent_reads_ == nullptr ? std::nullopt : recent_reads_->find(bytes);
    if (same) {  // bytes another file holds (a follower appending what it fetched)
      inode.data.append_shared(same->extents, same->skip, bytes.size());
    } else {
      inode.data.append(bytes);
    }
    used_bytes_ += bytes.size();
  } else {
    const std::uint64_t inside_end = std::min(end, old_size);
    inode.data.write(offset, bytes.first(inside_end - offset));
    if (end > old_size) {
      inode.data.append(bytes.subspan(inside_end - offset));
      used_bytes_ += end - old_size;
    }
  }
  cache_pages(inode, offset, end);
  counters_.bytes_written += bytes.size();
  KS_ASSERT(inode.data.size() == std::max(old_size, end));
  KS_ASSERT(used_bytes_ <= config_.capacity_bytes);  // check_space ran first
}

IoStatus Disk::create_exclusive(std::string_view path) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  if (current_names_.contains(path)) return failure(IoErrc::already_exists, path);
  if (IoStatus status = check_name_free(path, IoErrc::already_exists); !status) return status;
  if (IoStatus status = check_space(path, 0); !status) return status;
  create_inode(path);
  KS_ASSERT(exists(path));
  return IoStatus::success();
}

IoStatus Disk::append(std::string_view path, env::ByteView bytes) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) {
    if (IoStatus status = check_name_free(path, IoErrc::invalid_argument); !status) return status;
  }
  if (IoStatus status = check_space(path, bytes.size()); !status) return status;
  if (inode == nullptr) inode = &inodes_.at(create_inode(path));
  write_into(*inode, inode->data.size(), bytes);
  return IoStatus::success();
}

IoStatus Disk::write_at(std::string_view path, std::uint64_t offset, env::ByteView bytes) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) {
    if (offset != 0) return failure(IoErrc::not_found, path);
    if (IoStatus status = check_name_free(path, IoErrc::invalid_argument); !status) return status;
  }
  const std::uint64_t size = inode == nullptr ? 0 : inode->data.size();
  if (offset > size) return failure(IoErrc::invalid_argument, path);
  const std::uint64_t end = offset + bytes.size();
  if (IoStatus status = check_space(path, end > size ? end - size : 0); !status) return status;
  if (inode == nullptr) inode = &inodes_.at(create_inode(path));
  write_into(*inode, offset, bytes);
  return IoStatus::success();
}

IoStatus Disk::truncate(std::string_view path, std::uint64_t new_size) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) return failure(IoErrc::not_found, path);
  const std::uint64_t old_size = inode->data.size();
  if (new_size > old_size) {
    if (IoStatus status = check_space(path, new_size - old_size); !status) return status;
    inode->data.resize(new_size);  // zero-filled, like ftruncate
    used_bytes_ += new_size - old_size;
    cache_pages(*inode, old_size, new_size);
  } else if (new_size < old_size) {
    save_durable_bytes(*inode, new_size, std::min(old_size, inode->durable_size));
    inode->data.resize(new_size);
    KS_ASSERT(used_bytes_ >= old_size - new_size);
    used_bytes_ -= old_size - new_size;
    // Pages wholly past the end leave the cache (the partly kept last page stays).
    inode->cached_pages.erase_from(page_count_to_cover(new_size, config_.page_size_bytes));
  }
  KS_ASSERT(inode->data.size() == new_size);
  KS_ASSERT(overlay_covers(*inode, std::min(new_size, inode->durable_size), inode->durable_size));
  return IoStatus::success();
}

IoStatus Disk::rename(std::string_view from, std::string_view to) {
  if (!valid_path(from)) return failure(IoErrc::invalid_argument, from);
  if (!valid_path(to)) return failure(IoErrc::invalid_argument, to);
  const auto from_it = current_names_.find(from);
  if (from_it == current_names_.end()) return failure(IoErrc::not_found, from);
  const InodeId id = from_it->second;
  const auto to_it = current_names_.find(to);
  // POSIX: renaming a name onto itself or onto another name of the same file does nothing.
  if (to_it != current_names_.end() && to_it->second == id) return IoStatus::success();
  if (to_it == current_names_.end()) {
    if (IoStatus status = check_name_free(to, IoErrc::invalid_argument); !status) return status;
  }
  const std::uint32_t names_before = inodes_.at(id).current_name_count;
  current_names_.erase(from_it);
  if (to_it != current_names_.end()) {
    const InodeId replaced = to_it->second;
    to_it->second = id;
    release_current_name(replaced);
  } else {
    current_names_.emplace(std::string(to), id);
  }
  KS_ASSERT(inodes_.at(id).current_name_count == names_before);  // one name out, one name in
  KS_ASSERT(!current_names_.contains(from));
  KS_ASSERT(current_names_.find(to)->second == id);
  return IoStatus::success();
}

IoStatus Disk::remove(std::string_view path) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  const auto it = current_names_.find(path);
  if (it == current_names_.end()) return failure(IoErrc::not_found, path);
  const InodeId id = it->second;
  current_names_.erase(it);
  release_current_name(id);
  KS_ASSERT(!exists(path));
  return IoStatus::success();
}

void Disk::release_current_name(InodeId id) {
  Inode& inode = inodes_.at(id);
  KS_ASSERT(inode.current_name_count > 0);
  inode.current_name_count -= 1;
  if (inode.current_name_count == 0) {
    // The file left the current namespace: its bytes no longer count (an unlinked inode
    // frees its blocks even if an undurable directory entry still names it).
    KS_ASSERT(used_bytes_ >= inode.data.size());
    used_bytes_ -= inode.data.size();
  }
  free_if_unnamed(id);
}

void Disk::free_if_unnamed(InodeId id) {
  const auto it = inodes_.find(id);
  KS_ASSERT(it != inodes_.end());
  if (it->second.current_name_count == 0 && it->second.durable_name_count == 0) inodes_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Reads

env::IoResult<env::Bytes> Disk::read(std::string_view path, std::uint64_t offset, std::uint64_t length) {
  if (!valid_path(path)) return error_result<env::Bytes>(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) return error_result<env::Bytes>(IoErrc::not_found, path);
  const std::uint64_t size = inode->data.size();
  if (offset > size) return error_result<env::Bytes>(IoErrc::invalid_argument, path);
  const std::uint64_t end = offset + std::min(length, size - offset);  // cannot overflow
  for (const ByteRange& bad : inode->read_errors) {
    const bool overlaps = offset < end && bad.offset < end && offset < bad.offset + bad.length;
    if (overlaps) {
      counters_.read_errors += 1;
      return error_result<env::Bytes>(IoErrc::io_error, path);
    }
  }
  if (offset < end) {
    const std::uint64_t first_page = offset / config_.page_size_bytes;
    const std::uint64_t end_page = page_count_to_cover(end, config_.page_size_bytes);
    const std::uint64_t hits = inode->cached_pages.count_in(first_page, end_page);
    counters_.cache_hits += hits;
    counters_.cache_misses += (end_page - first_page) - hits;
    inode->cached_pages.insert(first_page, end_page);
  }
  env::Bytes bytes(end - offset);
  inode->data.copy_to(offset, bytes);
  if (recent_reads_ != nullptr) recent_reads_->remember(inode->data, offset, end - offset);
  return bytes;
}

Duration Disk::scaled(Duration base) const {
  KS_ASSERT(slow_factor_ >= 1.0 && slow_factor_ <= slow_factor_max);
  if (slow_factor_ == 1.0) return base;
  const double scaled_us = static_cast<double>(base.us()) * slow_factor_;
  KS_ASSERT(scaled_us < static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2));
  return microseconds(std::llround(scaled_us));
}

Duration Disk::fsync_latency() const { return scaled(config_.fsync_latency); }

Duration Disk::read_latency(std::string_view path, std::uint64_t offset, std::uint64_t length) const {
  if (!valid_path(path)) return Duration();
  const Inode* inode = find_current(path);
  if (inode == nullptr) return Duration();
  const std::uint64_t size = inode->data.size();
  if (offset >= size || length == 0) return Duration();
  const std::uint64_t end = offset + std::min(length, size - offset);
  const std::uint64_t first_page = offset / config_.page_size_bytes;
  const std::uint64_t end_page = page_count_to_cover(end, config_.page_size_bytes);
  const std::uint64_t misses = (end_page - first_page) - inode->cached_pages.count_in(first_page, end_page);
  KS_ASSERT(misses <= end_page - first_page);
  return scaled(config_.read_miss_latency_per_page * static_cast<std::int64_t>(misses));
}

// ---------------------------------------------------------------------------------------------
// Durability

IoStatus Disk::sync_file(std::string_view path) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) return failure(IoErrc::not_found, path);
  const std::uint64_t size = inode->data.size();
  std::uint64_t dirty_bytes = size > inode->durable_size ? size - inode->durable_size : 0;
  for (const auto& [offset, saved] : inode->undo_overlay) {
    KS_ASSERT(offset + saved.size() <= inode->durable_size);
    if (offset < size) dirty_bytes += std::min<std::uint64_t>(saved.size(), size - offset);
  }
  // O(bytes changed since the last sync): the overlay goes, the file is never copied.
  inode->undo_overlay.clear();
  inode->durable_size = size;
  counters_.bytes_fsynced += dirty_bytes;
  counters_.fsync_count += 1;
  KS_ASSERT(inode->durable_size == inode->data.size());
  return IoStatus::success();
}

IoStatus Disk::sync_dir(std::string_view dir) {
  if (!valid_dir(dir)) return failure(IoErrc::invalid_argument, dir);
  auto ignore_directory = [](std::string_view) {};
  // The directory's durable entries become exactly its current entries. Gains are counted
  // before losses are released so that an inode renamed within dir is never freed midway.
  std::vector<std::string> durable_children;
  visit_children(durable_names_, dir, [&](const std::string& path) { durable_children.push_back(path); },
                 ignore_directory);
  std::vector<InodeId> released;
  for (const std::string& path : durable_children) {
    const auto it = durable_names_.find(path);
    KS_ASSERT(it != durable_names_.end());
    released.push_back(it->second);
    durable_names_.erase(it);
  }
  visit_children(
      current_names_, dir,
      [&](const std::string& path) {
        const InodeId id = current_names_.at(path);
        const auto [it, inserted] = durable_names_.emplace(path, id);
        KS_ASSERT(inserted);
        inodes_.at(id).durable_name_count += 1;
      },
      ignore_directory);
  for (const InodeId id : released) {
    Inode& inode = inodes_.at(id);
    KS_ASSERT(inode.durable_name_count > 0);
    inode.durable_name_count -= 1;
    free_if_unnamed(id);
  }
  counters_.fsync_count += 1;
  return IoStatus::success();
}

// ---------------------------------------------------------------------------------------------
// Crashes

void Disk::crash() {
  // A killed process loses its memory, not the kernel's: page cache, namespace and durable
  // state all stay as they are. Unsynced data is still readable after the restart and will
  // still reach the media on a later fsync (the reason Kafka's acks=all survives a kill).
  counters_.crash_count += 1;
}

void Disk::power_loss(Rng& rng) {
  counters_.power_loss_count += 1;
  current_names_ = durable_names_;
  used_bytes_ = 0;
  for (auto it = inodes_.begin(); it != inodes_.end();) {
    Inode& inode = it->second;
    if (inode.durable_name_count == 0) {  // its name never reached the media
      it = inodes_.erase(it);
      continue;
    }
    const std::uint64_t old_size = inode.data.size();
    const std::uint64_t durable_size = inode.durable_size;
    KS_ASSERT(overlay_covers(inode, std::min(old_size, durable_size), durable_size));
    // The torn-write rule (disk.h): a prefix of the unsynced appended tail may reach the media.
    std::uint64_t torn_keep = 0;
    if (config_.torn_writes && old_size > durable_size) {
      torn_keep = static_cast<std::uint64_t>(rng.uniform_int(0, static_cast<std::int64_t>(old_size - durable_size)));
    }
    if (old_size < durable_size) inode.data.resize(durable_size);  // every new byte is overlaid below
    for (const auto& [offset, saved] : inode.undo_overlay) {
      KS_ASSERT(offset + saved.size() <= durable_size);
      inode.data.write(offset, saved);
    }
    inode.data.resize(durable_size + torn_keep);
    inode.undo_overlay.clear();
    inode.durable_size = inode.data.size();  // what is on the media now survives the next loss
    inode.cached_pages.clear();
    inode.current_name_count = inode.durable_name_count;
    used_bytes_ += inode.data.size();
    KS_ASSERT(inode.data.size() <= std::max(old_size, durable_size));
    ++it;
  }
  check_invariants();
}

void Disk::drop_caches() {
  for (auto& [id, inode] : inodes_) inode.cached_pages.clear();
}

// ---------------------------------------------------------------------------------------------
// Fault injection

IoStatus Disk::corrupt(std::string_view path, std::uint64_t offset, std::uint64_t length, Rng& rng) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) return failure(IoErrc::not_found, path);
  const std::uint64_t size = inode->data.size();
  if (offset >= size || length == 0) return failure(IoErrc::invalid_argument, path);
  const std::uint64_t end = offset + std::min(length, size - offset);
  const std::uint64_t position = offset + rng.below(end - offset);
  const auto mask = static_cast<std::uint8_t>(1u << rng.below(8));
  const std::uint8_t before = inode->data.at(position);
  const std::uint8_t flipped = before ^ mask;
  inode->data.write(position, std::span(&flipped, 1));
  // The media copy of the byte: in the overlay when overwritten since the last sync, otherwise
  // the byte in data itself (already flipped). Past durable_size there is no media copy yet.
  if (position < inode->durable_size) {
    const auto next = inode->undo_overlay.upper_bound(position);
    if (next != inode->undo_overlay.begin()) {
      const auto saved = std::prev(next);
      if (position < saved->first + saved->second.size()) saved->second[position - saved->first] ^= mask;
    }
  }
  KS_ASSERT(inode->data.at(position) != before);
  return IoStatus::success();
}

IoStatus Disk::add_read_error(std::string_view path, std::uint64_t offset, std::uint64_t length) {
  if (!valid_path(path)) return failure(IoErrc::invalid_argument, path);
  Inode* inode = find_current(path);
  if (inode == nullptr) return failure(IoErrc::not_found, path);
  if (length == 0 || length > std::numeric_limits<std::uint64_t>::max() - offset) {
    return failure(IoErrc::invalid_argument, path);
  }
  KS_ASSERT(inode->read_errors.size() < read_error_ranges_max);
  inode->read_errors.push_back(ByteRange{offset, length});
  return IoStatus::success();
}

void Disk::clear_read_errors() {
  for (auto& [id, inode] : inodes_) inode.read_errors.clear();
}

void Disk::set_capacity_bytes(std::uint64_t capacity_bytes) { config_.capacity_bytes = capacity_bytes; }

void Disk::set_slow_factor(double factor) {
  // The fault injector validates scenario values; a bad factor here is our bug.
  KS_ASSERT(factor >= 1.0);
  KS_ASSERT(factor <= slow_factor_max);
  slow_factor_ = factor;
}

// ---------------------------------------------------------------------------------------------
// Inspection

std::vector<std::string> Disk::all_paths() const {
  std::vector<std::string> paths;
  paths.reserve(current_names_.size());
  for (const auto& [path, id] : current_names_) paths.push_back(path);
  return paths;
}

std::vector<std::string> Disk::durable_paths() const {
  std::vector<std::string> paths;
  paths.reserve(durable_names_.size());
  for (const auto& [path, id] : durable_names_) paths.push_back(path);
  return paths;
}

env::IoResult<env::Bytes> Disk::durable_content(std::string_view path) const {
  if (!valid_path(path)) return error_result<env::Bytes>(IoErrc::invalid_argument, path);
  const auto it = durable_names_.find(path);
  if (it == durable_names_.end()) return error_result<env::Bytes>(IoErrc::not_found, path);
  return durable_bytes_of(inodes_.at(it->second));
}

env::IoResult<env::Bytes> Disk::current_content(std::string_view path) const {
  const Inode* inode = find_current(path);
  if (inode == nullptr) return error_result<env::Bytes>(IoErrc::not_found, path);
  env::Bytes bytes(inode->data.size());
  inode->data.copy_to(0, bytes);
  return bytes;
}

env::IoResult<std::vector<env::ByteView>> Disk::current_pieces(std::string_view path) const {
  const Inode* inode = find_current(path);
  if (inode == nullptr) return error_result<std::vector<env::ByteView>>(IoErrc::not_found, path);
  return inode->data.pieces();
}

env::Bytes Disk::durable_bytes_of(const Inode& inode) const {
  const std::uint64_t size = inode.data.size();
  KS_ASSERT(overlay_covers(inode, std::min(size, inode.durable_size), inode.durable_size));
  env::Bytes bytes(inode.durable_size);
  inode.data.copy_to(0, std::span(bytes).first(std::min(size, inode.durable_size)));
  for (const auto& [offset, saved] : inode.undo_overlay) {
    std::copy(saved.begin(), saved.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  return bytes;
}

bool Disk::overlay_covers(const Inode& inode, std::uint64_t begin, std::uint64_t end) const {
  if (begin >= end) return true;
  const auto& overlay = inode.undo_overlay;
  auto it = overlay.upper_bound(begin);
  if (it != overlay.begin()) it = std::prev(it);
  std::uint64_t cursor = begin;
  for (; it != overlay.end() && cursor < end; ++it) {
    const std::uint64_t entry_end = it->first + it->second.size();
    if (entry_end <= cursor) continue;
    if (it->first > cursor) return false;  // a gap: a durable byte nobody saved
    cursor = entry_end;
  }
  return cursor >= end;
}

std::uint64_t Disk::undo_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [id, inode] : inodes_) {
    for (const auto& [offset, saved] : inode.undo_overlay) total += saved.size();
  }
  return total;
}

void Disk::check_invariants() const {
  KS_ASSERT(slow_factor_ >= 1.0 && slow_factor_ <= slow_factor_max);
  std::map<InodeId, std::uint32_t> current_counts;
  std::map<InodeId, std::uint32_t> durable_counts;
  for (const auto& [path, id] : current_names_) {
    KS_ASSERT(valid_path(path));
    KS_ASSERT(inodes_.contains(id));
    current_counts[id] += 1;
  }
  for (const auto& [path, id] : durable_names_) {
    KS_ASSERT(valid_path(path));
    KS_ASSERT(inodes_.contains(id));
    durable_counts[id] += 1;
  }
  std::uint64_t used = 0;
  for (const auto& [id, inode] : inodes_) {
    KS_ASSERT(id < next_inode_id_);
    KS_ASSERT(inode.current_name_count == current_counts[id]);
    KS_ASSERT(inode.durable_name_count == durable_counts[id]);
    KS_ASSERT(inode.current_name_count > 0 || inode.durable_name_count > 0);  // no leaked inode
    if (inode.current_name_count > 0) used += inode.data.size();
    // Overlay entries: non-empty, disjoint, inside the durable region.
    std::uint64_t previous_end = 0;
    for (const auto& [offset, saved] : inode.undo_overlay) {
      KS_ASSERT(!saved.empty());
      KS_ASSERT(offset >= previous_end);
      previous_end = offset + saved.size();
      KS_ASSERT(previous_end <= inode.durable_size);
    }
    // Durable bytes missing from data must have been saved.
    KS_ASSERT(overlay_covers(inode, std::min<std::uint64_t>(inode.data.size(), inode.durable_size), inode.durable_size));
    // Cached pages only hold pages of the file.
    const auto& pages = inode.cached_pages.ranges();
    if (!pages.empty()) {
      KS_ASSERT(std::prev(pages.end())->second <= page_count_to_cover(inode.data.size(), config_.page_size_bytes));
    }
    for (const ByteRange& bad : inode.read_errors) KS_ASSERT(bad.length > 0);
    KS_ASSERT(inode.read_errors.size() <= read_error_ranges_max);
  }
  KS_ASSERT(used == used_bytes_);
}

}  // namespace kraftsim::sim

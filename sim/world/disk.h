// One simulated node's disk: files with a page cache, a durable state, and injected faults.
//
// This is the synchronous core of the simulated env::Files (broker/env/files.h documents the
// semantics kept here). The asynchronous fsync / fsync_dir / read_async live in a wrapper that
// pays fsync_latency() / read_latency() on the scheduler and then calls sync_file / sync_dir /
// read. So Disk never touches time, the scheduler or any global; every random choice comes from
// an Rng the caller passes in. It must never iterate an unordered container (determinism).
//
// Model (FoundationDB's AsyncFileNonDurable is the ancestor of the idea):
// - Files are inodes. Two namespaces map paths to inodes: the current one (what the process sees)
//   and the durable one (what survives a power loss). create / rename / remove change the current
//   namespace; sync_dir(dir) copies the current entries whose parent directory is exactly `dir`
//   into the durable namespace (and drops durable entries of `dir` that are gone). Directories
//   are implicit prefixes: there is no mkdir and no directory inode.
// - A file's bytes: `data` is the page-cache view every read sees. The durable content is
//   `data` with the bytes saved in the file's undo overlay put back, cut to `durable_size`.
//   sync_file makes `data` durable in O(bytes changed since the last sync): it drops the overlay
//   and moves durable_size; it never copies the file.
// - crash(): a process kill. The OS page cache survives, so NOTHING on the disk changes; the call
//   exists so callers state intent and so the counters show it.
// - power_loss(rng): only durable state survives (see power_loss for the exact torn-write rule).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/time.h"
#include "broker/env/files.h"
#include "sim/world/file_bytes.h"
#include "sim/world/recent_reads.h"

namespace kraftsim::sim {

struct DiskConfig {
  // Total bytes the files may hold (sum of current file sizes); see Disk's disk-full rule.
  std::uint64_t capacity_bytes = 1ull << 40;
  // Granularity of the page cache: a read pays read_miss_latency_per_page per cold page.
  std::uint32_t page_size_bytes = 4096;
  // Latency of one fsync (file or directory) on a healthy disk.
  Duration fsync_latency = microseconds(1000);
  // Extra latency per page of a read that is not in the page cache.
  Duration read_miss_latency_per_page = microseconds(100);
  // When on, a power loss keeps a random prefix of each file's unsynced appended tail.
  bool torn_writes = false;
};

struct DiskCounters {
  std::uint64_t bytes_written = 0;     // bytes passed to successful append / write_at calls
  std::uint64_t bytes_fsynced = 0;     // dirty bytes sync_file made durable (see sync_file)
  std::uint64_t fsync_count = 0;       // successful sync_file + sync_dir calls
  std::uint64_t cache_hits = 0;        // pages read() found in the page cache
  std::uint64_t cache_misses = 0;      // pages read() had to fetch from the media
  std::uint64_t read_errors = 0;       // read() calls that returned io_error
  std::uint64_t disk_full_errors = 0;  // writes refused with disk_full
  std::uint64_t crash_count = 0;       // crash() calls (process kills)
  std::uint64_t power_loss_count = 0;  // power_loss() calls
};

class Disk {
 public:
  // Longest accepted path in bytes, like Linux PATH_MAX; longer paths are invalid_argument.
  static constexpr std::size_t path_bytes_max = 4096;
  // Latent-read-error ranges per file at most: fault schedules are small; more is a runaway.
  static constexpr std::size_t read_error_ranges_max = 1024;
  // Largest slow factor: beyond it latencies overflow any sensible run length.
  static constexpr double slow_factor_max = 1e6;

  explicit Disk(DiskConfig config = {});

  // ---- The synchronous part of env::Files (same names and semantics). ----
  // Every path must be non-empty, at most path_bytes_max bytes, without a leading '/' and
  // without empty, "." or ".." components; otherwise the call fails with invalid_argument.
  // A name is never both a file and a directory: creating "a/b" when "a" is a file, or
  // creating a file named like an existing directory, fails (invalid_argument; already_exists
  // for create_exclusive on a directory name), as ENOTDIR / EISDIR / EEXIST would.

  // True when path names a file (not a directory) in the current namespace.
  bool exists(std::string_view path) const;
  env::IoResult<std::uint64_t> size(std::string_view path) const;
  // Sorted unique names of the files and subdirectories directly inside dir ("" = root).
  // An invalid dir lists nothing.
  std::vector<std::string> list(std::string_view dir) const;

  env::IoStatus create_exclusive(std::string_view path);
  // Appends at the end, creating the file if absent.
  env::IoStatus append(std::string_view path, env::ByteView bytes);
  // Overwrites/extends at offset <= size (else invalid_argument); creates the file when it is
  // absent and offset == 0 (absent with offset > 0 is not_found).
  env::IoStatus write_at(std::string_view path, std::uint64_t offset, env::ByteView bytes);
  // Up to length bytes at offset (short at the end). offset == size reads nothing;
  // offset > size is invalid_argument. Fails with io_error when the range read overlaps a
  // latent read error. Marks the pages read as cached and counts page hits and misses.
  env::IoResult<env::Bytes> read(std::string_view path, std::uint64_t offset, std::uint64_t length);
  // Shrinks, or extends with zero bytes like ftruncate (an extension is a write: disk-full rule).
  env::IoStatus truncate(std::string_view path, std::uint64_t new_size);
  // Atomically replaces `to` (if present) by `from`. Renames files only, not directories.
  // from == to, or two names of one inode, succeeds and does nothing (POSIX rename).
  env::IoStatus rename(std::string_view from, std::string_view to);
  env::IoStatus remove(std::string_view path);

  // ---- Durability primitives behind env::Files::fsync / fsync_dir. ----
  // Makes the file's current content durable (not its name: that needs sync_dir).
  // bytes_fsynced grows by the dirty bytes now durable: bytes beyond the old durable size plus
  // durable-region bytes overwritten since the last sync that are still in the file.
  env::IoStatus sync_file(std::string_view path);
  // Makes durable every namespace change of the entries whose parent is exactly dir ("" = root;
  // the parent of "a/b/c.log" is "a/b"). Subdirectories are not included.
  env::IoStatus sync_dir(std::string_view dir);
  // config.fsync_latency times the slow factor.
  Duration fsync_latency() const;
  // Latency of reading that range now: read_miss_latency_per_page x uncached pages x slow
  // factor. Does not change the cache. Zero when the read would fail at once (bad path,
  // missing file, offset beyond the end).
  Duration read_latency(std::string_view path, std::uint64_t offset, std::uint64_t length) const;

  // ---- Crashes. ----
  // Process kill: the page cache survives, so nothing on the disk changes (only a counter).
  void crash();
  // Power loss: the current namespace becomes the durable one; every file becomes its durable
  // content; an inode in no durable name disappears; the page cache is emptied.
  // Torn writes (config.torn_writes), in increasing inode order: for each surviving file whose
  // current size exceeds its durable size, keep = rng.uniform_int(0, current size - durable
  // size) and the file becomes its durable content followed by the first `keep` bytes of its
  // current content beyond the durable size (bytes appended since the last sync). Overwrites
  // inside the durable region and truncations are never torn: they are lost entirely. No random
  // draw is made for a file without such a tail. The surviving bytes are then durable.
  void power_loss(Rng& rng);
  // Empties the page cache (echo 3 > /proc/sys/vm/drop_caches); durable state is unchanged.
  void drop_caches();

  // ---- Fault injection (called by the fault injector, never by node code). ----
  // Media corruption: flips one random bit of one random byte in [offset, offset + length)
  // (clipped to the file), in both the current and the durable content of that byte. An empty
  // clipped range is invalid_argument; a missing file is not_found.
  env::IoStatus corrupt(std::string_view path, std::uint64_t offset, std::uint64_t length, Rng& rng);
  // Latent sector error on the file's inode (it follows renames and survives power loss):
  // every read() overlapping [offset, offset + length) fails with io_error until
  // clear_read_errors(). length must be > 0.
  env::IoStatus add_read_error(std::string_view path, std::uint64_t offset, std::uint64_t length);
  void clear_read_errors();
  // Disk-full rule: a write (append, write_at, create_exclusive, an extending truncate) adding
  // `growth` bytes (0 for a create or an in-place overwrite) fails with disk_full and changes
  // nothing when used_bytes() + growth > capacity. So with capacity lowered below used_bytes()
  // every write fails, even one that adds no bytes; a shrinking truncate or a remove always
  // succeeds (they free space, as on a real full disk).
  void set_capacity_bytes(std::uint64_t capacity_bytes);
  // factor in [1, slow_factor_max] multiplies fsync_latency() and read_latency().
  void set_slow_factor(double factor);

  // Reads of this disk are remembered there and appends of bytes a remembered read returned
  // share them instead of copying (sim/world/recent_reads.h); it must outlive the disk's use.
  // Null (the default) shares nothing. Contents are the same either way.
  void share_reads(RecentReads* recent_reads) { recent_reads_ = recent_reads; }

  // ---- Read-only inspection for tests, checkers and exports. ----
  const DiskConfig& config() const { return config_; }
  const DiskCounters& counters() const { return counters_; }
  double slow_factor() const { return slow_factor_; }
  // Sorted paths of the current namespace.
  std::vector<std::string> all_paths() const;
  // Sorted paths of the durable namespace (the names a power loss now would keep).
  std::vector<std::string> durable_paths() const;
  // The content the file at `path` in the durable namespace would have after a power loss now
  // (without any torn tail); not_found when the durable namespace has no such name.
  env::IoResult<env::Bytes> durable_content(std::string_view path) const;
  // What a reader would see now (the page-cache view), without touching the page cache, the
  // counters or the latent read errors: for exporting files, never for node code.
  env::IoResult<env::Bytes> current_content(std::string_view path) const;
  // The same bytes without a copy, as contiguous pieces in order (a file may share bytes with
  // other files: file_bytes.h): valid until the next write to any disk of the world (for the
  // end-of-run checkers, which read every segment of every replica once).
  env::IoResult<std::vector<env::ByteView>> current_pieces(std::string_view path) const;
  // Sum of the current sizes of the files in the current namespace.
  std::uint64_t used_bytes() const { return used_bytes_; }
  // Bytes held in undo overlays (durable bytes overwritten since their file's last sync).
  // Stays zero for append-only files: the proof that sync does not copy files.
  std::uint64_t undo_bytes() const;
  // Checks every internal invariant (O(files + overlay entries)); asserts on a broken one.
  void check_invariants() const;

 private:
  using InodeId = std::uint64_t;

  // A set of integers stored as disjoint, non-touching half-open ranges begin -> end.
  class RangeSet {
   public:
    void insert(std::uint64_t begin, std::uint64_t end);
    // Removes every value >= begin.
    void erase_from(std::uint64_t begin);
    // How many values of [begin, end) the set holds.
    std::uint64_t count_in(std::uint64_t begin, std::uint64_t end) const;
    void clear() { ranges_.clear(); }
    bool empty() const { return ranges_.empty(); }
    const std::map<std::uint64_t, std::uint64_t>& ranges() const { return ranges_; }

   private:
    std::map<std::uint64_t, std::uint64_t> ranges_;
  };

  struct ByteRange {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  struct Inode {
    // Current content: what reads see (the page-cache view).
    FileBytes data;
    // Length of the durable content.
    std::uint64_t durable_size = 0;
    // Undo overlay: disjoint ranges offset -> the durable bytes there, saved the first time a
    // write or truncate changed or removed them after the last sync. Every byte of
    // [0, durable_size) is either in the overlay or unchanged in `data`; so every byte of
    // [data.size(), durable_size) is in the overlay (it was truncated away, and saved then).
    std::map<std::uint64_t, env::Bytes> undo_overlay;
    // Page indices (offset / page_size_bytes) in the page cache.
    RangeSet cached_pages;
    // Latent read errors on this inode's media.
    std::vector<ByteRange> read_errors;
    // Names of this inode in each namespace; it is freed when both reach zero.
    std::uint32_t current_name_count = 0;
    std::uint32_t durable_name_count = 0;
  };

  using Namespace = std::map<std::string, InodeId, std::less<>>;

  Inode* find_current(std::string_view path);
  const Inode* find_current(std::string_view path) const;
  // Why a new file may not be created at path (ENOTDIR/EISDIR), or success.
  env::IoStatus check_name_free(std::string_view path, env::IoErrc if_directory) const;
  // Applies the disk-full rule for a write adding growth bytes.
  env::IoStatus check_space(std::string_view path, std::uint64_t growth);
  InodeId create_inode(std::string_view path);
  // Writes bytes at offset <= size into an existing inode whose space was checked.
  void write_into(Inode& inode, std::uint64_t offset, env::ByteView bytes);
  // Saves into the undo overlay the durable bytes of [begin, end) not saved yet.
  void save_durable_bytes(Inode& inode, std::uint64_t begin, std::uint64_t end);
  void cache_pages(Inode& inode, std::uint64_t begin, std::uint64_t end);
  // Counts one current name of the inode gone (its bytes leave used_bytes with the last one).
  void release_current_name(InodeId id);
  // Frees the inode once no current and no durable name refers to it.
  void free_if_unnamed(InodeId id);
  env::Bytes durable_bytes_of(const Inode& inode) const;
  bool overlay_covers(const Inode& inode, std::uint64_t begin, std::uint64_t end) const;
  Duration scaled(Duration base) const;

  DiskConfig config_;
  DiskCounters counters_;
  double slow_factor_ = 1.0;
  Namespace current_names_;
  Namespace durable_names_;
  // Ordered by id so that power_loss draws torn prefixes in a stable order.
  std::map<InodeId, Inode> inodes_;
  InodeId next_inode_id_ = 1;
  // Sum of data.size() over inodes with a current name; kept incrementally.
  std::uint64_t used_bytes_ = 0;
  RecentReads* recent_reads_ = nullptr;
};

}  // namespace kraftsim::sim

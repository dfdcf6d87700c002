// The bytes of the world's most recent file reads, kept by reference, so that a disk can store
// an append of the same bytes without a copy.
//
// Replication moves batches from the leader's segment file (a read for a Fetch) to each
// follower's segment file (appends of the response's batches, one by one, in order: the
// replication core appends each batch it validated). Node code passes bytes, not buffers
// (broker/env/files.h), and copies them on the way; so the world remembers the last reads, and
// an append whose bytes, compared byte for byte, are those at the start of a remembered read or
// right after the last append matched in it, shares that read's extents (sim/world/file_bytes.h).
// A match that is a coincidence is as good as any: equal bytes are equal content. With
// replication factor 3 this keeps one copy of each batch in memory instead of three.
//
// One per world: the files of all its disks share through it. Which reads are remembered and
// what is shared never changes a file's content, so never a result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sim/world/file_bytes.h"

namespace kraftsim::sim {

class RecentReads {
 public:
  // Reads remembered at once: a follower appends what it fetched one network delay after the
  // leader read it, while the other partitions' and the consumers' reads come in between.
  static constexpr std::size_t entries_max = 64;
  // Smaller reads and appends are not worth an entry or a search (and indexes, headers and
  // checkpoints are small).
  static constexpr std::size_t bytes_min = 64;

  // Where an append's bytes are: `length` bytes from `skip` bytes into `extents`.
  struct Match {
    std::span<const FileBytes::Extent> extents;
    std::uint64_t skip = 0;
  };

  // Remembers [offset, offset + length) of file (nothing below bytes_min).
  void remember(const FileBytes& file, std::uint64_t offset, std::uint64_t length);
  // A remembered read (the newest first) holding `bytes` at its start or right after the bytes
  // of the last append matched in it; that append is now `bytes`. Nothing below bytes_min.
  std::optional<Match> find(std::span<const std::uint8_t> bytes);

  std::uint64_t shared_appends() const { return shared_appends_; }
  std::uint64_t shared_bytes() const { return shared_bytes_; }

 private:
  struct Entry {
    std::vector<FileBytes::Extent> extents;
    std::uint64_t length = 0;
    std::uint64_t next = 0;  // where the append after the last matched one would start
    // The first 8 bytes at 0 and at `next` (a batch's base offset): most appends match no
    // entry, and these turn them away without reading the buffers.
    std::uint64_t key_at_start = 0;
    std::uint64_t key_at_next = 0;
  };

  // The first 8 bytes of entry's bytes from `at` (at + 8 <= length).
  static std::uint64_t key_at(const Entry& entry, std::uint64_t at);
  // Whether entry holds bytes at `at`.
  static bool holds_at(const Entry& entry, std::uint64_t at, std::span<const std::uint8_t> bytes);

  std::array<Entry, entries_max> entries_;
  std::size_t next_slot_ = 0;  // the slot the next read goes to
  std::size_t count_ = 0;      // slots in use
  std::uint64_t shared_appends_ = 0;
  std::uint64_t shared_bytes_ = 0;
};

}  // namespace kraftsim::sim

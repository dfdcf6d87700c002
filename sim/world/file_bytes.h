// The bytes of one simulated file: a list of extents, ranges of reference-counted buffers.
//
// A file's own writes go to a buffer of its own (sim/world/byte_buffer.h: grows without copying,
// in a mapping of its own past 256 KiB). But a follower's segment file holds exactly the bytes
// the leader's segment file holds: Disk::append shares them when they are the bytes of a recent
// read (sim/world/recent_reads.h), so three replicas keep one copy of a batch instead of three.
// Fresh memory is the dearest thing a run buys on this project's VMs (docs/PERFORMANCE.md).
//
// Copy on write keeps every file's content its own: a byte another holder can see is never
// changed in place; an overwrite of such bytes (a corrupted sector, a rewritten header) goes to
// this file's own buffer and its extents are split around it. Contents are all that matter to
// the simulation: how they are stored never changes a result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sim/world/byte_buffer.h"

namespace kraftsim::sim {

class FileBytes {
 public:
  // Bytes [at, at + length) of a buffer.
  struct Extent {
    BufferRef buffer;
    std::uint64_t at = 0;
    std::uint64_t length = 0;
  };

  FileBytes() = default;
  // A copy shares the bytes (copy on write from then on); it writes to a buffer of its own.
  FileBytes(const FileBytes& other);
  FileBytes& operator=(const FileBytes& other);
  // A move leaves the source empty.
  FileBytes(FileBytes&& other) noexcept
      : pieces_(std::exchange(other.pieces_, {})),
        own_(std::exchange(other.own_, {})),
        size_(std::exchange(other.size_, 0)) {}
  FileBytes& operator=(FileBytes&& other) noexcept {
    pieces_ = std::exchange(other.pieces_, {});
    own_ = std::exchange(other.own_, {});
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  ~FileBytes() = default;

  std::uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void append(std::span<const std::uint8_t> bytes);
  // Appends `length` bytes of `extents`, from `skip` bytes into them, by reference (no copy).
  void append_shared(std::span<const Extent> extents, std::uint64_t skip, std::uint64_t length);
  // Shrinks, or grows with zero bytes.
  void resize(std::uint64_t new_size);
  // Overwrites [offset, offset + bytes.size()), which must lie inside the file.
  void write(std::uint64_t offset, std::span<const std::uint8_t> bytes);

  std::uint8_t at(std::uint64_t offset) const;
  // Copies [offset, offset + out.size()), which must lie inside the file, into out.
  void copy_to(std::uint64_t offset, std::span<std::uint8_t> out) const;
  // Appends the extents of [offset, offset + length) to out, each buffer marked shared: the
  // caller keeps them (a remembered read), so none of those bytes may change in place again.
  void share(std::uint64_t offset, std::uint64_t length, std::vector<Extent>& out) const;
  // The content as contiguous pieces in order; valid until the next write to this file or to
  // any file sharing its bytes.
  std::vector<std::span<const std::uint8_t>> pieces() const;
  std::size_t extent_count() const { return pieces_.size(); }
  // Whether this file has a buffer of its own for its writes that no other holder has taken, so
  // that it overwrites and truncates in place (for tests).
  bool owns_buffer_exclusively() const { return own_ && !own_->shared(); }

 private:
  struct Piece {
    Extent extent;
    std::uint64_t start = 0;  // offset in the file
    std::uint64_t end() const { return start + extent.length; }
  };

  // Index of the piece holding offset < size().
  std::size_t piece_at(std::uint64_t offset) const;
  // Appends [at, at + length) of buffer at the end, merging with the last piece when adjacent.
  void push_piece(const BufferRef& buffer, std::uint64_t at, std::uint64_t length);
  // After a shrink: gives the own buffer's unreferenced tail back, or lets the buffer go.
  void reclaim_own();
  void check_invariants() const;

  std::vector<Piece> pieces_;
  BufferRef own_;  // where this file's own writes go
  std::uint64_t size_ = 0;
};

}  // namespace kraftsim::sim

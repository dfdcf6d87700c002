// FileBytes: extents over reference-counted buffers, with copy on write (model in file_bytes.h).
#include "sim/world/file_bytes.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "base/assert.h"

namespace kraftsim::sim {

FileBytes::FileBytes(const FileBytes& other) : pieces_(other.pieces_), size_(other.size_) {
  // Both files now hold these buffers: neither may change them in place any more.
  for (const Piece& piece : pieces_) piece.extent.buffer->mark_shared();
}

FileBytes& FileBytes::operator=(const FileBytes& other) {
  if (this != &other) {
    FileBytes copy(other);
    *this = std::move(copy);
  }
  return *this;
}

std::size_t FileBytes::piece_at(std::uint64_t offset) const {
  KS_ASSERT(offset < size_);
  const auto it = std::upper_bound(pieces_.begin(), pieces_.end(), offset,
                                   [](std::uint64_t value, const Piece& piece) { return value < piece.start; });
  KS_ASSERT(it != pieces_.begin());
  const auto index = static_cast<std::size_t>(std::distance(pieces_.begin(), it) - 1);
  KS_ASSERT(offset < pieces_[index].end());
  return index;
}

void FileBytes::push_piece(const BufferRef& buffer, std::uint64_t at, std::uint64_t length) {
  if (length == 0) return;
  if (!pieces_.empty()) {
    Extent& last = pieces_.back().extent;
    if (last.buffer == buffer && last.at + last.length == at) {
      last.length += length;
      size_ += length;
      return;
    }
  }
  pieces_.push_back(Piece{Extent{buffer, at, length}, size_});
  size_ += length;
}

void FileBytes::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  if (!own_) own_ = BufferRef::make();
  const std::size_t at = own_->push(bytes);
  push_piece(own_, at, bytes.size());
}

void FileBytes::append_shared(std::span<const Extent> extents, std::uint64_t skip, std::uint64_t length) {
  for (const Extent& extent : extents) {
    if (length == 0) break;
    if (skip >= extent.length) {
      skip -= extent.length;
      continue;
    }
    const std::uint64_t take = std::min(length, extent.length - skip);
    KS_ASSERT(extent.at + skip + take <= extent.buffer->fill());
    extent.buffer->mark_shared();
    push_piece(extent.buffer, extent.at + skip, take);
    length -= take;
    skip = 0;
  }
  KS_ASSERT(length == 0);  // the caller shares no more than the extents hold
}

void FileBytes::resize(std::uint64_t new_size) {
  if (new_size > size_) {
    if (!own_) own_ = BufferRef::make();
    const std::uint64_t growth = new_size - size_;
    const std::size_t at = own_->push_zeros(growth);
    push_piece(own_, at, growth);
  } else if (new_size < size_) {
    while (!pieces_.empty() && pieces_.back().start >= new_size) pieces_.pop_back();
    if (!pieces_.empty() && pieces_.back().end() > new_size) {
      pieces_.back().extent.length = new_size - pieces_.back().start;
    }
    size_ = new_size;
    reclaim_own();
  }
  KS_ASSERT(size_ == new_size);
  check_invariants();
}

void FileBytes::reclaim_own() {
  if (!own_) return;
  std::uint64_t used_end = 0;
  bool used = false;
  for (const Piece& piece : pieces_) {
    if (piece.extent.buffer == own_) {
      used = true;
      used_end = std::max(used_end, piece.extent.at + piece.extent.length);
    }
  }
  if (!own_->shared()) {
    own_->cut(used_end);  // nobody else sees the bytes past the last one this file keeps
  } else if (!used) {
    own_.reset();  // the others keep what they hold; this file starts a new buffer when it writes
  }
}

void FileBytes::write(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  const std::uint64_t end = offset + bytes.size();
  KS_ASSERT(end <= size_);
  const std::size_t first = piece_at(offset);
  Piece& piece = pieces_[first];
  if (end <= piece.end() && own_ && piece.extent.buffer == own_ && !own_->shared()) {
    std::memcpy(own_->data() + piece.extent.at + (offset - piece.start), bytes.data(), bytes.size());
    return;
  }
  // Copy on write: the new bytes go to this file's own buffer, the pieces around are cut.
  if (!own_) own_ = BufferRef::make();
  const std::size_t at = own_->push(bytes);
  const std::size_t last = piece_at(end - 1);
  std::vector<Piece> replacement;
  const Piece& head = pieces_[first];
  if (head.start < offset) replacement.push_back(Piece{Extent{head.extent.buffer, head.extent.at, offset - head.start}, head.start});
  replacement.push_back(Piece{Extent{own_, at, bytes.size()}, offset});
  const Piece& tail = pieces_[last];
  if (tail.end() > end) {
    const std::uint64_t skip = end - tail.start;
    replacement.push_back(Piece{Extent{tail.extent.buffer, tail.extent.at + skip, tail.extent.length - skip}, end});
  }
  const auto erase_begin = pieces_.begin() + static_cast<std::ptrdiff_t>(first);
  const auto erase_end = pieces_.begin() + static_cast<std::ptrdiff_t>(last + 1);
  const auto inserted_at = pieces_.erase(erase_begin, erase_end);
  pieces_.insert(inserted_at, std::make_move_iterator(replacement.begin()), std::make_move_iterator(replacement.end()));
  check_invariants();
}

std::uint8_t FileBytes::at(std::uint64_t offset) const {
  const Piece& piece = pieces_[piece_at(offset)];
  return piece.extent.buffer->data()[piece.extent.at + (offset - piece.start)];
}

void FileBytes::copy_to(std::uint64_t offset, std::span<std::uint8_t> out) const {
  if (out.empty()) return;
  KS_ASSERT(offset + out.size() <= size_);
  std::size_t index = piece_at(offset);
  std::size_t written = 0;
  while (written < out.size()) {
    const Piece& piece = pieces_[index++];
    const std::uint64_t skip = offset + written - piece.start;
    const std::uint64_t take = std::min<std::uint64_t>(piece.extent.length - skip, out.size() - written);
    std::memcpy(out.data() + written, piece.extent.buffer->data() + piece.extent.at + skip, take);
    written += take;
  }
}

void FileBytes::share(std::uint64_t offset, std::uint64_t length, std::vector<Extent>& out) const {
  if (length == 0) return;
  KS_ASSERT(offset + length <= size_);
  std::size_t index = piece_at(offset);
  std::uint64_t done = 0;
  while (done < length) {
    const Piece& piece = pieces_[index++];
    const std::uint64_t skip = offset + done - piece.start;
    const std::uint64_t take = std::min(piece.extent.length - skip, length - done);
    piece.extent.buffer->mark_shared();
    out.push_back(Extent{piece.extent.buffer, piece.extent.at + skip, take});
    done += take;
  }
}

std::vector<std::span<const std::uint8_t>> FileBytes::pieces() const {
  std::vector<std::span<const std::uint8_t>> out;
  out.reserve(pieces_.size());
  for (const Piece& piece : pieces_) {
    out.emplace_back(piece.extent.buffer->data() + piece.extent.at, piece.extent.length);
  }
  return out;
}

void FileBytes::check_invariants() const {
#ifndef NDEBUG
  std::uint64_t start = 0;
  for (const Piece& piece : pieces_) {
    KS_ASSERT(piece.start == start);
    KS_ASSERT(piece.extent.length > 0);
    KS_ASSERT(piece.extent.at + piece.extent.length <= piece.extent.buffer->fill());
    start = piece.end();
  }
  KS_ASSERT(start == size_);
#endif
}

}  // namespace kraftsim::sim

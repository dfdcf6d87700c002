// A reference-counted, append-only byte buffer: the storage simulated files are cut from.
//
// Segment files grow by appends to megabytes. A std::vector doubles by allocating anew and
// copying, and the freed halves fragment the heap, so a run touched about twice its log bytes
// in fresh memory (on this project's VMs fresh memory is the dearest thing a run buys: a page
// fault and a clear per page). Past small_bytes_max the buffer lives in its own anonymous
// mapping and grows with mremap(MREMAP_MAYMOVE): the kernel moves page-table entries, not
// bytes, and only pages written are ever touched. Below it, plain malloc/realloc.
//
// Several files may hold ranges of one buffer (sim/world/file_bytes.h: a follower's segment
// shares the leader's bytes it fetched). So a buffer is written only at its fill point, and a
// byte below it changes in place only while nobody else holds the buffer (`shared()` false):
// holders keep offsets, not pointers, because growing may move the bytes. Single-threaded: a
// buffer belongs to one world, and a sweep runs each world on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace kraftsim::sim {

class ByteBuffer {
 public:
  // Above this capacity the buffer is an anonymous mapping of its own.
  static constexpr std::size_t small_bytes_max = 256 * 1024;

  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  ~ByteBuffer();

  std::size_t fill() const { return fill_; }
  const std::uint8_t* data() const { return data_; }
  std::uint8_t* data() { return data_; }

  // Writes bytes at the fill point (which moves past them); returns where they start.
  std::size_t push(std::span<const std::uint8_t> bytes);
  // `count` zero bytes at the fill point; returns where they start.
  std::size_t push_zeros(std::size_t count);
  // Lowers the fill point: the bytes past it are garbage to be overwritten. Only for a buffer
  // nobody else holds.
  void cut(std::size_t fill);

  // Set once a second holder (another file, a remembered read) takes a range of it; never
  // cleared, which is conservative: a shared buffer's bytes are only ever added to.
  bool shared() const { return shared_; }
  void mark_shared() { shared_ = true; }

 private:
  friend class BufferRef;
  void reserve(std::size_t capacity);

  std::uint8_t* data_ = nullptr;
  std::size_t fill_ = 0;
  std::size_t capacity_ = 0;
  bool mapped_ = false;  // data_ is an anonymous mapping of capacity_ bytes
  bool shared_ = false;
  std::uint32_t refs_ = 0;
};

// An owning handle to a ByteBuffer (intrusive count, no atomics: see the header comment).
class BufferRef {
 public:
  BufferRef() = default;
  static BufferRef make();
  BufferRef(const BufferRef& other) : buffer_(other.buffer_) { acquire(); }
  BufferRef& operator=(const BufferRef& other) {
    BufferRef copy(other);
    std::swap(buffer_, copy.buffer_);
    return *this;
  }
  BufferRef(BufferRef&& other) noexcept : buffer_(std::exchange(other.buffer_, nullptr)) {}
  BufferRef& operator=(BufferRef&& other) noexcept {
    BufferRef moved(std::move(other));
    std::swap(buffer_, moved.buffer_);
    return *this;
  }
  ~BufferRef() { release(); }

  explicit operator bool() const { return buffer_ != nullptr; }
  ByteBuffer* get() const { return buffer_; }
  ByteBuffer* operator->() const { return buffer_; }
  ByteBuffer& operator*() const { return *buffer_; }
  bool operator==(const BufferRef& other) const { return buffer_ == other.buffer_; }
  void reset() {
    release();
    buffer_ = nullptr;
  }

 private:
  explicit BufferRef(ByteBuffer* buffer) : buffer_(buffer) { acquire(); }
  void acquire() {
    if (buffer_ != nullptr) ++buffer_->refs_;
  }
  void release();

  ByteBuffer* buffer_ = nullptr;
};

}  // namespace kraftsim::sim

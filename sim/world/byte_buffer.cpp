// ByteBuffer: malloc for small buffers, an anonymous mapping grown by mremap for large ones.
#include "sim/world/byte_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "base/assert.h"

namespace kraftsim::sim {

namespace {

constexpr std::size_t page_bytes = 4096;
constexpr std::size_t mapped_reserve_bytes = 64 << 20;

std::size_t round_up_to_pages(std::size_t n) { return (n + page_bytes - 1) / page_bytes * page_bytes; }

}  // namespace

ByteBuffer::~ByteBuffer() {
  KS_ASSERT(refs_ == 0);
  if (data_ == nullptr) return;
  if (mapped_) {
    const int rc = ::munmap(data_, capacity_);
    KS_ASSERT(rc == 0);
  } else {
    std::free(data_);
  }
}

void ByteBuffer::reserve(std::size_t capacity) {
  if (capacity <= capacity_) return;
  // Doubling keeps appends amortized O(1); mremap makes each step cheap, not rarer.
  std::size_t target = std::max(capacity, capacity_ * 2);
  if (target <= small_bytes_max) {
    target = std::max<std::size_t>(target, 64);
    void* grown = std::realloc(data_, target);
    if (grown == nullptr) throw std::bad_alloc();
    data_ = static_cast<std::uint8_t*>(grown);
    capacity_ = target;
    return;
  }
  // A mapping reserves address space, not memory: untouched pages cost nothing, so the first
  // one is large and most buffers never move.
  target = round_up_to_pages(std::max(target, mapped_reserve_bytes));
  void* grown = nullptr;
  if (mapped_) {
    grown = ::mremap(data_, capacity_, target, MREMAP_MAYMOVE);
  } else {
    // 4 KiB pages, not transparent huge pages: a file's buffer holds only the bytes its own node
    // wrote (the replicas share the rest), and each buffer's last 2 MiB page, cleared whole when
    // first touched, cost more than the faults it saved (s1: 70 MB max RSS with huge pages,
    // 60 MB without, and 0.85 of the wall time; docs/PERFORMANCE.md).
    grown = ::mmap(nullptr, target, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (grown != MAP_FAILED && fill_ > 0) std::memcpy(grown, data_, fill_);
    if (grown != MAP_FAILED) std::free(data_);
  }
  if (grown == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<std::uint8_t*>(grown);
  capacity_ = target;
  mapped_ = true;
}

std::size_t ByteBuffer::push(std::span<const std::uint8_t> bytes) {
  const std::size_t at = fill_;
  if (bytes.empty()) return at;
  reserve(fill_ + bytes.size());
  std::memcpy(data_ + fill_, bytes.data(), bytes.size());
  fill_ += bytes.size();
  return at;
}

std::size_t ByteBuffer::push_zeros(std::size_t count) {
  const std::size_t at = fill_;
  if (count == 0) return at;
  reserve(fill_ + count);
  std::memset(data_ + fill_, 0, count);
  fill_ += count;
  return at;
}

void ByteBuffer::cut(std::size_t fill) {
  KS_ASSERT(!shared_);
  KS_ASSERT(fill <= fill_);
  fill_ = fill;
}

BufferRef BufferRef::make() { return BufferRef(new ByteBuffer()); }

void BufferRef::release() {
  if (buffer_ == nullptr) return;
  KS_ASSERT(buffer_->refs_ > 0);
  if (--buffer_->refs_ == 0) delete buffer_;
}

}  // namespace kraftsim::sim

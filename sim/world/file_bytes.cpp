// FileBytes: malloc for small files, an anonymous mapping grown by mremap for large ones.
#include "sim/world/file_bytes.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "base/assert.h"

namespace kraftsim::sim {

namespace {

constexpr std::size_t page_bytes = 4096;
constexpr std::size_t mapped_reserve_bytes = 64 << 20;

std::size_t round_up_to_pages(std::size_t n) { return (n + page_bytes - 1) / page_bytes * page_bytes; }

}  // namespace

FileBytes::FileBytes(const FileBytes& other) {
  reserve(other.size_);
  if (other.size_ > 0) std::memcpy(data_, other.data_, other.size_);
  size_ = other.size_;
}

FileBytes& FileBytes::operator=(const FileBytes& other) {
  if (this != &other) {
    FileBytes copy(other);
    *this = std::move(copy);
  }
  return *this;
}

FileBytes::FileBytes(FileBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      mapped_(std::exchange(other.mapped_, false)) {}

FileBytes& FileBytes::operator=(FileBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    mapped_ = std::exchange(other.mapped_, false);
  }
  return *this;
}

FileBytes::~FileBytes() { release(); }

void FileBytes::release() {
  if (data_ == nullptr) return;
  if (mapped_) {
    const int rc = ::munmap(data_, capacity_);
    KS_ASSERT(rc == 0);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
  mapped_ = false;
}

void FileBytes::reserve(std::size_t capacity) {
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
  // one is large and most files never move.
  target = round_up_to_pages(std::max(target, mapped_reserve_bytes));
  void* grown = nullptr;
  if (mapped_) {
    grown = ::mremap(data_, capacity_, target, MREMAP_MAYMOVE);
  } else {
    grown = ::mmap(nullptr, target, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    // Transparent huge pages where the system gives them on request: fewer faults and TLB misses
    // for files read end to end. Advice only; a refusal changes nothing.
    if (grown != MAP_FAILED) (void)::madvise(grown, target, MADV_HUGEPAGE);
    if (grown != MAP_FAILED && size_ > 0) std::memcpy(grown, data_, size_);
    if (grown != MAP_FAILED) std::free(data_);
  }
  if (grown == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<std::uint8_t*>(grown);
  capacity_ = target;
  mapped_ = true;
}

void FileBytes::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  reserve(size_ + bytes.size());
  std::memcpy(data_ + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void FileBytes::resize(std::size_t new_size) {
  if (new_size > size_) {
    reserve(new_size);
    std::memset(data_ + size_, 0, new_size - size_);
  }
  size_ = new_size;
  KS_ASSERT(size_ <= capacity_);
}

}  // namespace kraftsim::sim

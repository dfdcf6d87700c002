// The bytes of one simulated file: a contiguous buffer that grows without copying.
//
// Segment files grow by appends to megabytes. A std::vector doubles by allocating anew and
// copying, and the freed halves fragment the heap, so a run touched about twice its log bytes
// in fresh memory (on this project's VMs fresh memory is the dearest thing a run buys: a page
// fault and a clear per page). Past small_bytes_max the buffer lives in its own anonymous
// mapping and grows with mremap(MREMAP_MAYMOVE): the kernel moves page-table entries, not
// bytes, and only pages written are ever touched. Below it, plain malloc/realloc.
//
// Contents are all that matter to the simulation: where the bytes live never changes a result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace kraftsim::sim {

class FileBytes {
 public:
  // Above this capacity the buffer is an anonymous mapping of its own.
  static constexpr std::size_t small_bytes_max = 256 * 1024;

  FileBytes() = default;
  FileBytes(const FileBytes& other);
  FileBytes& operator=(const FileBytes& other);
  FileBytes(FileBytes&& other) noexcept;
  FileBytes& operator=(FileBytes&& other) noexcept;
  ~FileBytes();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::uint8_t* begin() { return data_; }
  std::uint8_t* end() { return data_ + size_; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }
  std::uint8_t& operator[](std::size_t i) { return data_[i]; }
  std::uint8_t operator[](std::size_t i) const { return data_[i]; }
  std::span<const std::uint8_t> view() const { return {data_, size_}; }

  void append(std::span<const std::uint8_t> bytes);
  // Shrinks, or grows with zero bytes.
  void resize(std::size_t new_size);

 private:
  void reserve(std::size_t capacity);
  void release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  bool mapped_ = false;  // data_ is an anonymous mapping of capacity_ bytes
};

}  // namespace kraftsim::sim

// CRC-32C. The reference is Boost.CRC (no hand-written table that could be subtly wrong); on
// x86-64 CPUs with SSE4.2 the same function runs on the CRC32 instruction, which computes
// exactly this polynomial (Castagnoli) eight bytes at a time, about 20x faster than Boost's
// table. A test holds the two to the same results on random inputs.
#include "broker/log/crc32c.h"

#include <boost/crc.hpp>

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define KRAFTSIM_CRC32C_SSE42 1
#endif

namespace kraftsim::log {

namespace {

#ifdef KRAFTSIM_CRC32C_SSE42
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(const std::uint8_t* data, std::size_t size) {
  std::uint64_t crc = 0xFFFFFFFFu;
  while (size >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data, 8);  // the instruction reads little-endian words, as x86-64 stores them
    crc = _mm_crc32_u64(crc, word);
    data += 8;
    size -= 8;
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  while (size > 0) {
    crc32 = _mm_crc32_u8(crc32, *data);
    ++data;
    --size;
  }
  return crc32 ^ 0xFFFFFFFFu;
}

bool have_sse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}
#endif

}  // namespace

std::uint32_t crc32c_reference(std::span<const std::uint8_t> bytes) {
  // Castagnoli polynomial, reflected in and out, as java.util.zip.CRC32C (RFC 3720, iSCSI).
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
#ifdef KRAFTSIM_CRC32C_SSE42
  if (have_sse42()) return crc32c_sse42(bytes.data(), bytes.size());
#endif
  return crc32c_reference(bytes);
}

}  // namespace kraftsim::log

// A small, fast, platform-independent 64-bit hash for fingerprints and stream derivation.
// Its results must never change between builds or machines: fingerprints are compared across
// runs, so the algorithm (word-wise multiply-xorshift absorption, a splitmix64 avalanche on
// output) is fixed here. Not cryptographic: it only has to tell runs apart.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string_view>

namespace kraftsim {

// splitmix64's output function: a bijective avalanche of a 64-bit word.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A running hash: feed words and byte strings in a canonical order.
class Hasher {
 public:
  // One multiply per word (the fingerprint folds millions of values per run); value() applies
  // the full avalanche once.
  constexpr void add_u64(std::uint64_t v) { state_ = absorb(state_, v + 0x9e3779b97f4a7c15ULL); }
  constexpr void add_i64(std::int64_t v) { add_u64(static_cast<std::uint64_t>(v)); }
  // Eight bytes at a time (little-endian words, assembled byte by byte so the result does not
  // depend on the machine's byte order), then the length: "ab"+"c" differs from "a"+"bc".
  constexpr void add_bytes(std::string_view bytes) {
    std::uint64_t h = state_ ^ (bytes.size() * 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) h = absorb(h, word_at(bytes, i, 8));
    if (i < bytes.size()) h = absorb(h, word_at(bytes, i, bytes.size() - i));
    state_ = absorb(h, 0x6a09e667f3bcc909ULL);
  }
  constexpr std::uint64_t value() const { return mix64(state_); }

 private:
  static constexpr std::uint64_t word_at(std::string_view bytes, std::size_t at, std::size_t count) {
    if constexpr (std::endian::native == std::endian::little) {
      if (!std::is_constant_evaluated()) return load_little_endian(bytes.data() + at, count);
    }
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < count; ++k) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + k])) << (8 * k);
    return w;
  }
  // The same word as the loop above on a little-endian machine, in at most three loads of fixed
  // size (the fingerprint folds every event's name and text values). Reads only [p, p + count),
  // 1 <= count <= 8: the loads of a short tail overlap and OR the same bytes twice.
  static std::uint64_t load_little_endian(const char* p, std::size_t count) {
    if (count == 8) return load<std::uint64_t>(p);
    if (count >= 4) return load<std::uint32_t>(p) | load<std::uint32_t>(p + count - 4) << (8 * (count - 4));
    const auto byte = [p](std::size_t k) { return std::uint64_t{static_cast<unsigned char>(p[k])}; };
    return byte(0) | byte(count / 2) << (8 * (count / 2)) | byte(count - 1) << (8 * (count - 1));
  }
  template <typename Word>
  static std::uint64_t load(const char* p) {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  static constexpr std::uint64_t absorb(std::uint64_t h, std::uint64_t word) {
    h = (h ^ word) * 0x9fb21c651e98df25ULL;
    return h ^ (h >> 29);
  }

  std::uint64_t state_ = 0x6b7261667473696dULL;  // "kraftsim"
};

constexpr std::uint64_t hash_string(std::string_view s) {
  Hasher h;
  h.add_bytes(s);
  return h.value();
}

}  // namespace kraftsim

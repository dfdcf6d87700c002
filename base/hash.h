// A small, fast, platform-independent 64-bit hash for fingerprints and stream derivation.
// Its results must never change between builds or machines: fingerprints are compared across
// runs, so the algorithm (FNV-1a bytes with a final avalanche of splitmix64) is fixed here.
#pragma once

#include <cstdint>
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
  constexpr void add_u64(std::uint64_t v) { state_ = mix64(state_ ^ (v + 0x9e3779b97f4a7c15ULL)); }
  constexpr void add_i64(std::int64_t v) { add_u64(static_cast<std::uint64_t>(v)); }
  constexpr void add_bytes(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ULL;  // FNV prime
    }
    add_u64(h);
    add_u64(bytes.size());  // length-delimited, so "ab"+"c" differs from "a"+"bc"
  }
  constexpr std::uint64_t value() const { return state_; }

 private:
  std::uint64_t state_ = 0x6b7261667473696dULL;  // "kraftsim"
};

constexpr std::uint64_t hash_string(std::string_view s) {
  Hasher h;
  h.add_bytes(s);
  return h.value();
}

}  // namespace kraftsim

// The hash behind fingerprints and seed derivation: its values may never depend on how a build
// loads bytes. At run time Hasher reads words with a few fixed-size loads; at compile time it
// assembles them byte by byte. Both must give the same value for every length and alignment.
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "base/hash.h"

using kraftsim::hash_string;

namespace {

constexpr std::string_view text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
constexpr std::size_t lengths = 41;

// hash_string of each prefix of text[offset..], evaluated by the compiler (byte by byte).
template <std::size_t Offset>
constexpr std::array<std::uint64_t, lengths> compile_time_hashes() {
  std::array<std::uint64_t, lengths> out{};
  for (std::size_t n = 0; n < lengths; ++n) out[n] = hash_string(text.substr(Offset, n));
  return out;
}

template <std::size_t Offset>
void require_run_time_matches() {
  constexpr auto expected = compile_time_hashes<Offset>();
  const std::string copy(text);  // run-time bytes, so the word loads are used
  for (std::size_t n = 0; n < lengths; ++n) {
    INFO("offset " << Offset << ", length " << n);
    REQUIRE(hash_string(std::string_view(copy).substr(Offset, n)) == expected[n]);
  }
}

}  // namespace

TEST_CASE("the hash of a string is the same at compile time and at run time, at every length", "[hash]") {
  require_run_time_matches<0>();
  require_run_time_matches<1>();
  require_run_time_matches<3>();
  require_run_time_matches<5>();
}

TEST_CASE("the hash tells strings apart by content and by length", "[hash]") {
  REQUIRE(hash_string("abc") != hash_string("abd"));
  REQUIRE(hash_string(std::string_view("a\0", 2)) != hash_string("a"));
}

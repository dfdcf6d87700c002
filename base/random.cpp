// xoshiro256** and the distributions declared in random.h. Everything here is integer or
// IEEE double arithmetic plus std::log/std::pow from the platform libm; a given binary gives
// identical sequences on every run.
#include "base/random.h"

#include <cmath>

#include "base/assert.h"
#include "base/hash.h"

namespace kraftsim {
namespace {
__extension__ typedef unsigned __int128 uint128;  // GCC/Clang: the full 64x64 product
constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

std::uint64_t derive_seed(std::uint64_t run_seed, std::string_view stream_name) {
  Hasher h;
  h.add_u64(run_seed);
  h.add_bytes(stream_name);
  return h.value();
}

Rng::Rng(std::uint64_t seed) {
  // splitmix64 expands one word into the 256-bit state; it never yields all zeros.
  std::uint64_t x = seed;
  for (auto& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = mix64(x);
  }
  KS_ASSERT((s_[0] | s_[1] | s_[2] | s_[3]) != 0);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  KS_ASSERT(n > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  uint128 m = static_cast<uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  KS_ASSERT(lo <= hi);
  const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == UINT64_MAX) return static_cast<std::int64_t>(next_u64());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span + 1));
}

double Rng::uniform_real() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform_real(double lo, double hi) {
  KS_ASSERT(lo <= hi);
  return lo + (hi - lo) * uniform_real();
}

bool Rng::bernoulli(double p) {
  // Always consume one draw so that a probability change does not shift later draws.
  const double u = uniform_real();
  return u < p;
}

double Rng::exponential(double mean) {
  KS_ASSERT(mean > 0);
  return -mean * std::log1p(-uniform_real());  // 1 - u is in (0, 1]: log is finite
}

double Rng::pareto(double x_min, double alpha) {
  KS_ASSERT(x_min > 0 && alpha > 0);
  return x_min / std::pow(1.0 - uniform_real(), 1.0 / alpha);
}

}  // namespace kraftsim

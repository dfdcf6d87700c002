// Seeded pseudo-random numbers with the project's own distributions.
//
// Why our own: std:: distributions are implementation-defined and differ between standard
// libraries, which would make a run's result depend on the toolchain. Every random choice in a
// run comes from an Rng derived from the run seed (see derive_seed), never from a global.
// The generator is xoshiro256** (Blackman & Vigna), seeded through splitmix64.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace kraftsim {

// The seed of an independent sub-stream, derived from the run seed and a stable name
// ("network", "node-3/raft", ...). Derivation depends only on (seed, name), never on how many
// other streams exist or how much they were used: adding a component changes nothing else.
std::uint64_t derive_seed(std::uint64_t run_seed, std::string_view stream_name);

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  Rng(std::uint64_t run_seed, std::string_view stream_name) : Rng(derive_seed(run_seed, stream_name)) {}

  std::uint64_t next_u64();

  // Uniform integer in [lo, hi] (both inclusive); unbiased (Lemire's multiply-and-reject).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // Uniform integer in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n);
  // Uniform real in [0, 1) with 53 random bits.
  double uniform_real();
  // Uniform real in [lo, hi).
  double uniform_real(double lo, double hi);
  // True with probability p (p <= 0: never; p >= 1: always, without consuming differently).
  bool bernoulli(double p);
  // Exponentially distributed with the given mean (> 0), by inversion.
  double exponential(double mean);
  // Pareto with scale x_min (> 0) and shape alpha (> 0): a long tail for latencies.
  double pareto(double x_min, double alpha);

 private:
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace kraftsim

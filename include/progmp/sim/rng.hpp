// Deterministic random numbers for the simulator. One scenario seed drives everything; each element draws from its
// own stream derived from (seed, element id), so adding an element does not shift the draws of the others.
// Generator: xoshiro256** seeded through splitmix64 (small state, fast, good statistical quality); written here so
// results do not depend on the standard library's distributions, which differ between implementations.
#pragma once

#include <cstdint>

namespace progmp::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  // The independent stream for element `element_id` under scenario seed `seed`.
  static Rng stream(std::uint64_t seed, std::uint64_t element_id);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 bits of precision.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // True with probability p (p <= 0 never, p >= 1 always).
  bool bernoulli(double p) { return p > 0 && (p >= 1 || uniform() < p); }
  // Uniform integer in [0, n); n must be > 0. Multiply-shift: bias below 2^-64 * n, irrelevant here.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t s_[4];
};

// Stable 64-bit id of an element name ("path.wifi.fwd"), for Rng::stream. FNV-1a: fixed, portable.
std::uint64_t element_id(const char* name);

}  // namespace progmp::sim

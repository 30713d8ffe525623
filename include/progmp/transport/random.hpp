// Randomness is an input of the sans-IO transport, like time: connection IDs, ephemeral keys and path challenges
// come from a RandomSource the driver supplies. The UDP driver passes the operating system's generator
// (net/system_random.hpp); the simulator passes a generator seeded by the scenario, so a run is reproducible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace progmp::transport {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with random bytes. A source for real networks must be cryptographically secure.
  virtual void fill(std::span<std::byte> out) = 0;

  std::uint64_t next_u64() {
    std::byte b[8];
    fill(b);
    std::uint64_t v = 0;
    for (std::byte x : b) v = (v << 8) | static_cast<std::uint8_t>(x);
    return v;
  }
};

// Deterministic and NOT secure: splitmix64 over a seed. For simulations and tests only.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::byte> out) override {
    std::size_t i = 0;
    while (i < out.size()) {
      std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      for (int k = 0; k < 8 && i < out.size(); ++k, ++i) out[i] = static_cast<std::byte>(z >> (8 * k));
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace progmp::transport

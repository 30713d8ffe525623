// xoshiro256** (Blackman & Vigna) with splitmix64 seeding; see rng.hpp for why it is hand-written.
#include "progmp/sim/rng.hpp"

namespace progmp::sim {
namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

Rng Rng::stream(std::uint64_t seed, std::uint64_t element_id) {
  // Mix the element id through splitmix so nearby ids give unrelated streams.
  std::uint64_t x = element_id;
  return Rng(seed ^ splitmix64(x));
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
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<u128>(next_u64()) * n) >> 64);
}

std::uint64_t element_id(const char* name) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (; *name; ++name) {
    h ^= static_cast<unsigned char>(*name);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace progmp::sim

// SystemRandom: fills every requested byte and does not repeat itself (a broken source returning zeros or a constant
// would fail both checks).
#include "progmp/net/system_random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

namespace progmp::net {
namespace {

TEST(SystemRandom, FillsWithFreshBytes) {
  SystemRandom random;
  std::array<std::byte, 4096> a{};
  std::array<std::byte, 4096> b{};
  random.fill(a);
  random.fill(b);
  EXPECT_NE(a, b);
  // All 256 byte values appear in 4 KiB of uniform bytes (missing one has probability ~ 256·e^-16).
  std::set<std::byte> seen(a.begin(), a.end());
  EXPECT_EQ(seen.size(), 256u);
  std::set<std::uint64_t> words;
  for (int i = 0; i < 1000; ++i) words.insert(random.next_u64());
  EXPECT_EQ(words.size(), 1000u);
  random.fill(std::span<std::byte>());  // empty is fine
}

}  // namespace
}  // namespace progmp::net

// Rng determinism and stream independence.
#include "progmp/sim/rng.hpp"

#include <gtest/gtest.h>

namespace progmp::sim {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(123), b(123), c(124);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, StreamsDependOnlyOnSeedAndElement) {
  // Drawing from one element's stream does not change another's.
  Rng wifi = Rng::stream(1, element_id("wifi.fwd"));
  Rng lte = Rng::stream(1, element_id("lte.fwd"));
  for (int i = 0; i < 10; ++i) wifi.next_u64();
  Rng lte_again = Rng::stream(1, element_id("lte.fwd"));
  EXPECT_EQ(lte.next_u64(), lte_again.next_u64());
  EXPECT_NE(Rng::stream(1, 1).next_u64(), Rng::stream(1, 2).next_u64());
  EXPECT_NE(Rng::stream(1, 1).next_u64(), Rng::stream(2, 1).next_u64());
}

TEST(Rng, UniformAndBelowRanges) {
  Rng r(5);
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    ASSERT_LT(r.below(7), 7u);
  }
  EXPECT_NEAR(sum / 100'000, 0.5, 0.01);
  EXPECT_FALSE(r.bernoulli(0));
  EXPECT_TRUE(r.bernoulli(1));
}

TEST(Rng, ElementIdIsFnv1a) {
  EXPECT_EQ(element_id(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(element_id("a"), 0xaf63dc4c8601ec8cull);  // FNV-1a 64 of "a"
}

}  // namespace
}  // namespace progmp::sim

// The decaying one-second estimator of runtime.md §3.2, with values worked out by hand.
#include <gtest/gtest.h>

#include "progmp/runtime/estimator.hpp"

namespace progmp::runtime {
namespace {

TEST(RateEstimator, EmptyIsZero) {
  RateEstimator e;
  EXPECT_EQ(e.value(0), 0);
  EXPECT_EQ(e.value(5'000'000), 0);
}

TEST(RateEstimator, DecaysLinearlyOverOneSecond) {
  RateEstimator e;
  e.sample(0, 1000);
  EXPECT_EQ(e.value(0), 1000);
  EXPECT_EQ(e.value(500'000), 500);      // 1000 × 500000 / 1e6
  EXPECT_EQ(e.value(999'999), 0);        // 1000 × 1 / 1e6 = 0.001 → 0
  EXPECT_EQ(e.value(1'000'000), 0);      // t − last = 1 s: formula, 0
  EXPECT_EQ(e.value(1'000'001), 0);      // older than one second
}

TEST(RateEstimator, SamplesDecayThenAdd) {
  RateEstimator e;
  e.sample(0, 1000);
  e.sample(250'000, 1000);               // 1000 × 750000/1e6 + 1000 = 1750
  EXPECT_EQ(e.value(250'000), 1750);
  EXPECT_EQ(e.value(750'000), 875);      // 1750 × 500000/1e6
  e.sample(250'000, 5);                  // same instant: no decay
  EXPECT_EQ(e.value(250'000), 1755);
}

TEST(RateEstimator, RestartsAfterAGapOfOneSecond) {
  RateEstimator e;
  e.sample(0, 1000);
  e.sample(1'000'000, 10);               // t − last ≥ 1 s → acc := b
  EXPECT_EQ(e.value(1'000'000), 10);
  e.sample(1'999'999, 7);                // 10 × 1/1e6 = 0, + 7
  EXPECT_EQ(e.value(1'999'999), 7);
}

TEST(RateEstimator, TruncatesEachStep) {
  RateEstimator e;
  e.sample(0, 3);
  e.sample(1, 0);                        // 3 × 999999 / 1e6 = 2.999997 → 2
  EXPECT_EQ(e.value(1), 2);
}

TEST(RateEstimator, UsesWideIntermediates) {
  RateEstimator e;
  e.sample(0, std::uint64_t{1} << 62);
  // 2^62 × 500000 overflows 64 bits; the exact result is 2^61.
  EXPECT_EQ(e.value(500'000), std::int64_t{1} << 61);
}

TEST(RateEstimator, SeedGivesTheValueAtThatTime) {
  RateEstimator e;
  e.seed(5000, 7'000'000);
  EXPECT_EQ(e.value(7'000'000), 5000);
  e.sample(7'000'000, 1400);
  EXPECT_EQ(e.value(7'000'000), 6400);
}

}  // namespace
}  // namespace progmp::runtime

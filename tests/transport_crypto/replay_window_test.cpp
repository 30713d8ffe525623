// The replay window against a plain std::set model, plus the edges by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>

#include "progmp/transport/crypto/replay_window.hpp"
#include "progmp/transport/random.hpp"

namespace progmp::transport::crypto {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(ReplayWindow, EmptyAcceptsAnything) {
  const ReplayWindow w;
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(w.fresh(0));
  EXPECT_TRUE(w.fresh(12345));
  EXPECT_TRUE(w.fresh(kMax));
}

TEST(ReplayWindow, InOrderAndDuplicates) {
  ReplayWindow w;
  for (std::uint64_t pn = 0; pn < 5000; ++pn) {
    ASSERT_TRUE(w.fresh(pn)) << pn;
    w.accept(pn);
    EXPECT_FALSE(w.fresh(pn)) << pn;
    EXPECT_EQ(w.highest(), pn);
  }
  EXPECT_FALSE(w.empty());
  for (std::uint64_t pn = 0; pn < 5000; ++pn) EXPECT_FALSE(w.fresh(pn)) << pn;
  EXPECT_TRUE(w.fresh(5000));
}

TEST(ReplayWindow, ReorderingWithinTheWindow) {
  ReplayWindow w;
  w.accept(3000);
  // Everything from 3000 - 2047 = 953 up is fresh; 952 and below are too old.
  EXPECT_TRUE(w.fresh(953));
  EXPECT_FALSE(w.fresh(952));
  EXPECT_FALSE(w.fresh(0));
  for (std::uint64_t pn = 2999; pn >= 953; pn -= 3) {
    ASSERT_TRUE(w.fresh(pn)) << pn;
    w.accept(pn);
    EXPECT_FALSE(w.fresh(pn)) << pn;
  }
  EXPECT_EQ(w.highest(), 3000u);
  EXPECT_TRUE(w.fresh(2998));  // not accepted
  EXPECT_FALSE(w.fresh(2999));
}

TEST(ReplayWindow, JumpsLargerThanTheWindow) {
  ReplayWindow w;
  for (std::uint64_t pn = 0; pn < 100; ++pn) w.accept(pn);
  w.accept(100 + 2048 * 3 + 17);
  EXPECT_EQ(w.highest(), 100u + 2048 * 3 + 17);
  // The old accepted numbers are now out of the window; numbers just inside it were never accepted (bits cleared).
  EXPECT_FALSE(w.fresh(50));
  for (std::uint64_t pn = w.highest() - 2047; pn < w.highest(); ++pn) EXPECT_TRUE(w.fresh(pn)) << pn;
  // A jump of exactly one window: the previous highest falls just out.
  ReplayWindow v;
  v.accept(10000);
  v.accept(10000 + 2048);
  EXPECT_FALSE(v.fresh(10000));
  EXPECT_TRUE(v.fresh(10001));
  // A jump of one window minus one: the previous highest is still inside, and still remembered.
  ReplayWindow u;
  u.accept(10000);
  u.accept(10000 + 2047);
  EXPECT_FALSE(u.fresh(10000));
  EXPECT_TRUE(u.fresh(10001));
}

TEST(ReplayWindow, Edges) {
  ReplayWindow w;
  w.accept(0);
  EXPECT_FALSE(w.fresh(0));
  EXPECT_EQ(w.highest(), 0u);
  EXPECT_FALSE(w.empty());
  EXPECT_TRUE(w.fresh(1));
  w.accept(kMax - 1);
  EXPECT_FALSE(w.fresh(0));
  EXPECT_TRUE(w.fresh(kMax));
  EXPECT_TRUE(w.fresh(kMax - 2048));  // highest - 2047
  EXPECT_FALSE(w.fresh(kMax - 2049));
  w.accept(kMax);
  EXPECT_FALSE(w.fresh(kMax));
  EXPECT_FALSE(w.fresh(kMax - 1));
  EXPECT_TRUE(w.fresh(kMax - 2));
  EXPECT_TRUE(w.fresh(kMax - 2047));
  EXPECT_FALSE(w.fresh(kMax - 2048));
  w.accept(kMax - 2047);
  EXPECT_FALSE(w.fresh(kMax - 2047));
  // Accepting a stale number is ignored and does not corrupt the window.
  w.accept(5);
  EXPECT_TRUE(w.fresh(kMax - 2046));
  EXPECT_EQ(w.highest(), kMax);
}

// A model: accepted numbers in a set; fresh = not in the set and pn + 2047 >= highest.
TEST(ReplayWindow, MatchesASetModelUnderRandomTraffic) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SeededRandom random(seed);
    ReplayWindow w;
    std::set<std::uint64_t> accepted;
    std::uint64_t highest = 0;
    std::uint64_t base = seed == 3 ? kMax - 200000 : 0;
    std::uint64_t next = base;
    for (int i = 0; i < 40000; ++i) {
      const std::uint64_t r = random.next_u64();
      std::uint64_t pn;
      switch (r % 8) {
        case 0: pn = next > base + 3000 ? next - (r >> 8) % 3000 : next; break;           // around the window's edge
        case 1: pn = next + (r >> 8) % (seed == 2 ? 5000 : 40); break;                    // ahead, sometimes far
        case 2: pn = next > base + 100 ? next - (r >> 8) % 100 : next; break;              // duplicate-ish
        default: pn = next++; break;                                                       // in order
      }
      const bool expected =
          accepted.empty() || (!accepted.count(pn) && (pn > highest || highest - pn < ReplayWindow::kWindow));
      ASSERT_EQ(w.fresh(pn), expected) << "seed " << seed << " step " << i << " pn " << pn;
      if (expected && (r >> 60) != 0) {  // sometimes a fresh packet fails authentication: not accepted
        w.accept(pn);
        accepted.insert(pn);
        highest = std::max(highest, pn);
        next = std::max(next, pn + 1);
      }
    }
  }
}

}  // namespace
}  // namespace progmp::transport::crypto

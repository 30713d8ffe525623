// The linear-scan register allocator: registers are shared only by disjoint intervals, the interval that ends last
// is spilled, and stack slots are reused by spilled intervals that do not overlap.
#include <gtest/gtest.h>

#include <random>

#include "progmp/exec/ebpf.hpp"

namespace progmp::testing {
namespace {

using ebpf::Assignment;
using ebpf::Interval;

bool overlap(const Interval& a, const Interval& b) { return !(a.end < b.start || b.end < a.start); }

// Every interval has exactly one home, and overlapping intervals never share a register or a slot.
void check_valid(const std::vector<Interval>& iv, const std::vector<Assignment>& as, std::uint32_t n_regs,
                 std::uint32_t slots) {
  ASSERT_EQ(iv.size(), as.size());
  for (std::size_t i = 0; i < iv.size(); ++i) {
    EXPECT_NE(as[i].reg >= 0, as[i].slot >= 0) << i;
    if (as[i].reg >= 0) {
      EXPECT_LT(as[i].reg, static_cast<int>(n_regs));
    }
    if (as[i].slot >= 0) {
      EXPECT_LT(as[i].slot, static_cast<int>(slots));
    }
    for (std::size_t j = i + 1; j < iv.size(); ++j) {
      if (!overlap(iv[i], iv[j])) continue;
      if (as[i].reg >= 0) {
        EXPECT_NE(as[i].reg, as[j].reg) << i << " " << j;
      }
      if (as[i].slot >= 0) {
        EXPECT_NE(as[i].slot, as[j].slot) << i << " " << j;
      }
    }
  }
}

TEST(EbpfRegalloc, DisjointIntervalsShareOneRegister) {
  std::vector<Interval> iv;
  for (std::uint32_t k = 0; k < 10; ++k) iv.push_back(Interval{16 + k, 3 * k, 3 * k + 2});
  std::uint32_t slots = 99;
  const auto as = ebpf::linear_scan(iv, 1, slots);
  EXPECT_EQ(slots, 0u);
  for (const Assignment& a : as) EXPECT_EQ(a.reg, 0);
  check_valid(iv, as, 1, slots);
}

TEST(EbpfRegalloc, SpillsTheIntervalThatEndsLast) {
  // Three overlapping intervals, two registers: the longest one goes to the stack.
  const std::vector<Interval> iv = {{16, 0, 100}, {17, 1, 5}, {18, 2, 6}};
  std::uint32_t slots = 0;
  const auto as = ebpf::linear_scan(iv, 2, slots);
  EXPECT_EQ(as[0].reg, -1);
  EXPECT_EQ(as[0].slot, 0);
  EXPECT_GE(as[1].reg, 0);
  EXPECT_GE(as[2].reg, 0);
  EXPECT_EQ(slots, 1u);
  check_valid(iv, as, 2, slots);
  // The current interval itself is spilled when it ends last.
  const std::vector<Interval> iv2 = {{16, 0, 10}, {17, 1, 11}, {18, 2, 50}};
  const auto as2 = ebpf::linear_scan(iv2, 2, slots);
  EXPECT_EQ(as2[2].reg, -1);
  EXPECT_GE(as2[0].reg, 0);
  EXPECT_GE(as2[1].reg, 0);
  check_valid(iv2, as2, 2, slots);
}

TEST(EbpfRegalloc, StackSlotsAreReused) {
  // Zero registers: every interval is spilled; disjoint ones share slots.
  const std::vector<Interval> iv = {{16, 0, 3}, {17, 4, 8}, {18, 2, 5}, {19, 9, 12}};
  std::uint32_t slots = 0;
  const auto as = ebpf::linear_scan(iv, 0, slots);
  EXPECT_EQ(slots, 2u);
  check_valid(iv, as, 0, slots);
}

TEST(EbpfRegalloc, RandomIntervalsAreAllocatedValidly) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<Interval> iv;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int k = 0; k < n; ++k) {
      const auto s = static_cast<std::uint32_t>(rng() % 200);
      iv.push_back(Interval{static_cast<std::uint32_t>(16 + k), s, s + static_cast<std::uint32_t>(rng() % 40)});
    }
    const auto n_regs = static_cast<std::uint32_t>(rng() % 7);
    std::uint32_t slots = 0;
    const auto as = ebpf::linear_scan(iv, n_regs, slots);
    check_valid(iv, as, n_regs, slots);
    // Never more registers in use than the pool; never a spill while a register was free at its start.
    std::uint32_t max_live = 0;
    for (std::uint32_t t = 0; t < 240; ++t) {
      std::uint32_t live = 0;
      for (const Interval& i : iv)
        if (i.start <= t && t <= i.end) ++live;
      max_live = std::max(max_live, live);
    }
    if (max_live <= n_regs) {
      EXPECT_EQ(slots, 0u) << "spilled with enough registers";
    }
  }
}

}  // namespace
}  // namespace progmp::testing

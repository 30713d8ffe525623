#include "progmp/transport/ring.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace progmp::transport {
namespace {

TEST(Ring, BehavesLikeADequeAcrossGrowthAndWrapAround) {
  Ring<std::string> r;
  std::deque<std::string> model;
  // A deterministic mix of pushes and pops that wraps around the ring many times and forces several doublings.
  std::uint64_t x = 12345;
  for (int step = 0; step < 20'000; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int op = static_cast<int>((x >> 33) % 10);
    if (op < 6 || model.empty()) {
      r.push_back(std::to_string(step));
      model.push_back(std::to_string(step));
    } else if (op < 9) {
      ASSERT_EQ(r.front(), model.front());
      r.pop_front();
      model.pop_front();
    } else {
      ASSERT_EQ(r.back(), model.back());
      r.pop_back();
      model.pop_back();
    }
    ASSERT_EQ(r.size(), model.size());
    ASSERT_EQ(r.empty(), model.empty());
    if (!model.empty()) {
      ASSERT_EQ(r.front(), model.front());
      ASSERT_EQ(r.back(), model.back());
    }
  }
}

}  // namespace
}  // namespace progmp::transport

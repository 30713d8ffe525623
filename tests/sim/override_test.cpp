// --set overrides that address several paths at once (path.*.<key>), as experiment grids use them.
#include <gtest/gtest.h>

#include "progmp/sim/scenario.hpp"

namespace progmp::sim {
namespace {

const char* const kTwoPaths = R"(name = "o"
duration_s = 1
[[path]]
name = "a"
loss = 0.1
[[path]]
name = "b"
[[workload]]
type = "bulk"
)";

TEST(Override, StarSetsTheKeyOnEveryPath) {
  Scenario s;
  std::string error;
  ASSERT_TRUE(parse_scenario(kTwoPaths, "o.toml", s, error)) << error;
  ASSERT_TRUE(apply_override(s, "path.*.loss=0.02", error)) << error;
  EXPECT_DOUBLE_EQ(s.paths[0].forward.loss, 0.02);
  EXPECT_DOUBLE_EQ(s.paths[1].forward.loss, 0.02);
  ASSERT_TRUE(apply_override(s, "path.*.delay_ms=7", error)) << error;
  EXPECT_DOUBLE_EQ(s.paths[1].forward.delay_ms, 7);
  EXPECT_DOUBLE_EQ(s.paths[1].reverse.delay_ms, 7);  // as in the file: reverse follows unless overridden
}

TEST(Override, StarRejectsBadValuesAndUnknownKeys) {
  Scenario s;
  std::string error;
  ASSERT_TRUE(parse_scenario(kTwoPaths, "o.toml", s, error)) << error;
  EXPECT_FALSE(apply_override(s, "path.*.loss=3", error));
  EXPECT_NE(error.find("--set path.*.loss"), std::string::npos) << error;
  EXPECT_FALSE(apply_override(s, "path.*.colour=1", error));
  EXPECT_EQ(error, "--set path.*.colour: unknown key");
  EXPECT_FALSE(apply_override(s, "path.*=1", error));
}

TEST(Override, WorkloadKeysAreRevalidatedLikeTheFile) {
  const std::string text = std::string(kTwoPaths) +
                           "[[workload]]\ntype = \"flows\"\nsizes = [1, 2]\narrival = \"poisson\"\n"
                           "  [[workload.signal]]\n  at_s = 1\n  register = 2\n  value = 5\n";
  Scenario s;
  std::string error;
  ASSERT_TRUE(parse_scenario(text, "o.toml", s, error)) << error;
  ASSERT_TRUE(apply_override(s, "workload.1.sizes=[10000]", error)) << error;
  const auto& f = std::get<FlowsWorkload>(s.workloads[1]);
  EXPECT_EQ(f.sizes, std::vector<std::uint64_t>{10000});
  EXPECT_EQ(f.arrival, "poisson");     // the other keys stay
  ASSERT_EQ(f.signals.size(), 1u);     // nested tables too
  EXPECT_EQ(f.signals[0].value, 5);
  ASSERT_TRUE(apply_override(s, "workload.1.count=7", error)) << error;
  EXPECT_EQ(std::get<FlowsWorkload>(s.workloads[1]).count, 7u);
  EXPECT_EQ(std::get<FlowsWorkload>(s.workloads[1]).sizes, std::vector<std::uint64_t>{10000});  // kept
  ASSERT_TRUE(apply_override(s, "workload.0.bytes=500", error)) << error;
  EXPECT_EQ(std::get<BulkWorkload>(s.workloads[0]).bytes, 500u);

  EXPECT_FALSE(apply_override(s, "workload.1.sizes=[]", error));
  EXPECT_NE(error.find("'sizes' must be a non-empty array"), std::string::npos) << error;
  EXPECT_FALSE(apply_override(s, "workload.0.sizes=[1]", error));
  EXPECT_NE(error.find("unknown key 'sizes' in bulk [[workload]]"), std::string::npos) << error;
  EXPECT_FALSE(apply_override(s, "workload.2.bytes=1", error));
  EXPECT_NE(error.find("no workload '2' (the scenario has 2, numbered from 0)"), std::string::npos) << error;
}

}  // namespace
}  // namespace progmp::sim

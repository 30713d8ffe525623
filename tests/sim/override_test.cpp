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

}  // namespace
}  // namespace progmp::sim

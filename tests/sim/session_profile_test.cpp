// SessionOptions::profile (docs/profiling.md): the session's scheduler is profiled, reported first, and the result
// object is the same as without profiling.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace progmp::sim {
namespace {

namespace fs = std::filesystem;

const char* kScenario =
    "name = \"p\"\nduration_s = 2\nseed = 5\n"
    "[[path]]\nname = \"a\"\nrate_mbit = 20\ndelay_ms = 10\n"
    "[[path]]\nname = \"b\"\nrate_mbit = 10\ndelay_ms = 30\nloss = 0.01\n"
    "[[workload]]\ntype = \"bulk\"\nbytes = 2000000\n";

std::unique_ptr<Session> run(bool profile, const std::string& scheduler) {
  Scenario sc;
  std::string error;
  EXPECT_TRUE(parse_scenario(kScenario, "p.toml", sc, error)) << error;
  SessionOptions o;
  o.profile = profile;
  o.scheduler_name = scheduler;
  std::ifstream in(fs::path(PROGMP_SOURCE_DIR) / "schedulers" / (scheduler + ".progmp"));
  std::stringstream ss;
  ss << in.rdbuf();
  o.scheduler_source = ss.str();
  auto s = Session::create(sc, o, error);
  EXPECT_TRUE(s) << error;
  if (s) s->run();
  return s;
}

TEST(SessionProfile, ProfilesTheSchedulerWithoutChangingTheResult) {
  auto plain = run(false, "round_robin");
  auto profiled = run(true, "round_robin");
  ASSERT_TRUE(plain && profiled);
  EXPECT_EQ(plain->result(), profiled->result());
  EXPECT_TRUE(plain->profiles().empty());
  const auto profiles = profiled->profiles();
  ASSERT_GE(profiles.size(), 1u);
  const runtime::ProgramProfile& p = profiles.front();
  EXPECT_EQ(p.label, "round_robin@1");
  EXPECT_GT(p.executions, 0u);
  EXPECT_NE(p.source.find("SCHEDULER round_robin;"), std::string::npos);
  // round_robin has no loop: its first statement runs in every execution and no line more often.
  std::uint64_t most = 0;
  for (const auto& c : p.line_counts())
    if (c) most = std::max(most, *c);
  EXPECT_EQ(most, p.executions);
}

}  // namespace
}  // namespace progmp::sim

// `progmp experiment` as a user runs it: a --quick sweep with its outputs and claim verdicts, --check, sharding and
// merge, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace progmp::test {
namespace {

namespace fs = std::filesystem;

#define EXPECT_CONTAINS(haystack, needle)                                                       \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                              \
      << "expected to find: " << (needle) << "\nin:\n" << (haystack)

const char* const kScenario = R"(name = "s"
duration_s = 10
[[path]]
name = "a"
delay_ms = 10
[[path]]
name = "b"
delay_ms = 30
[[workload]]
type = "flows"
sizes = [3000]
count = 5
)";

std::string experiment(const std::string& claim_op) {
  return R"(name = "cli_sweep"
scenario = "s.toml"
schedulers = ["minrtt", "redundant"]
runs = 2
[grid]
"path.b.delay_ms" = [20, 30]
[[plot]]
name = "fct"
x = "path.b.delay_ms"
y = "workloads.0.fct_ms_mean"
[[claim]]
text = "redundant costs more bytes than minRTT"
metric = "overhead"
subject = "redundant"
op = ")" + claim_op + R"("
reference = "minrtt"
)";
}

TEST(ExperimentCommand, QuickSweepWritesResultsPlotsAndVerdicts) {
  TempDir dir;
  dir.write("s.toml", kScenario);
  const std::string file = dir.write("e.toml", experiment(">"));
  const std::string out = (dir.path() / "out").string();
  ProcessResult r = progmp({"experiment", file, "--out", out, "--jobs", "2", "--check"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_CONTAINS(r.out, "experiment cli_sweep: 8 runs (2 schedulers x 2 grid points x 2 repetitions)");
  EXPECT_CONTAINS(r.out, "CLAIM HOLDS: redundant costs more bytes than minRTT");
  for (const char* f : {"results.csv", "results.json", "aggregates.csv", "fct.png", "fct.svg", "command.txt"})
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
}

TEST(ExperimentCommand, FailingClaimExitsOneUnderCheck) {
  TempDir dir;
  dir.write("s.toml", kScenario);
  const std::string file = dir.write("e.toml", experiment("<"));
  ProcessResult r = progmp({"experiment", file, "--out", (dir.path() / "o").string(), "--no-plot"});
  EXPECT_EQ(r.status, 0);
  EXPECT_CONTAINS(r.out, "CLAIM FAILS: redundant costs more bytes than minRTT");
  EXPECT_CONTAINS(r.out, "VIOLATED");
  r = progmp({"experiment", file, "--out", (dir.path() / "o").string(), "--no-plot", "--check"});
  EXPECT_EQ(r.status, 1);
}

TEST(ExperimentCommand, ShardsMergeIntoTheFullResult) {
  TempDir dir;
  dir.write("s.toml", kScenario);
  const std::string file = dir.write("e.toml", experiment(">"));
  const std::string s0 = (dir.path() / "s0").string(), s1 = (dir.path() / "s1").string();
  ASSERT_EQ(progmp({"experiment", file, "--shard", "0/2", "--out", s0, "--no-plot"}).status, 0);
  ASSERT_EQ(progmp({"experiment", file, "--shard", "1/2", "--out", s1, "--no-plot"}).status, 0);
  const std::string merged = (dir.path() / "m").string();
  ProcessResult r = progmp({"experiment", "merge", s0, s1, "--out", merged, "--no-plot", "--check"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "merged 8 runs of 8");
  const std::string full = (dir.path() / "full").string();
  ASSERT_EQ(progmp({"experiment", file, "--out", full, "--no-plot"}).status, 0);
  auto read = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(merged + "/results.csv"), read(full + "/results.csv"));
  EXPECT_EQ(read(merged + "/aggregates.csv"), read(full + "/aggregates.csv"));
}

TEST(ExperimentCommand, BadInputIsReportedWithStatusTwo) {
  TempDir dir;
  dir.write("s.toml", kScenario);
  const std::string file = dir.write("e.toml", experiment(">"));
  ProcessResult r = progmp({"experiment", file, "--shard", "2/2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--shard: expected I/N with 0 <= I < N, got '2/2'");
  const std::string bad = dir.write("bad.toml", "scenario = \"s.toml\"\nschedulers = [\"nope_sched\"]\n");
  r = progmp({"experiment", bad});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "unknown scheduler 'nope_sched'");
  r = progmp({"experiment", (dir.path() / "missing.toml").string()});
  EXPECT_EQ(r.status, 2);
  r = progmp({"experiment"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "an experiment file is required");
}

}  // namespace
}  // namespace progmp::test

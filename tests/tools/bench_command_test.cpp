// `progmp bench` as a user runs it (docs/performance.md): a small decision table with one row per configuration and a
// ratio column per engine, one configuration for callgrind, the end-to-end simulator comparison, and exit status 2
// with a message for bad flags.
#include <gtest/gtest.h>

#include <string>

#include "subprocess.hpp"

namespace progmp::test {
namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                       \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                              \
      << "expected to find: " << (needle) << "\nin:\n" << (haystack)

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(BenchCommand, PrintsOneRowPerConfigurationWithRatiosToNative) {
  ProcessResult r = progmp({"bench", "--schedulers", "minrtt,tap", "--subflows", "1,2", "--queue", "4",
                            "--engines", "native,interp,aot", "--rounds", "1", "--round-ms", "1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "| scheduler | subflows | Q | native ns | interp ns | aot ns |");
  EXPECT_CONTAINS(r.out, "interp/native");
  EXPECT_EQ(count(r.out, "| minrtt | "), 2);
  EXPECT_EQ(count(r.out, "| tap | "), 2);
  EXPECT_EQ(count(r.out, "| jit ns"), 0);  // only the engines asked for
}

TEST(BenchCommand, SingleConfigurationAndSimulation) {
  ProcessResult r = progmp({"bench", "--single", "round_robin/2/4/interp", "--iterations", "1000"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "round_robin");

  r = progmp({"bench", "--sim", std::string(PROGMP_SOURCE_DIR) + "/scenarios/bulk_aggregation.toml", "--engines",
              "interp,aot", "--set", "duration_s=2", "--repeat", "2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "| interp | ");
  EXPECT_CONTAINS(r.out, "| aot | ");
  EXPECT_CONTAINS(r.out, "identical results on every engine");
  EXPECT_CONTAINS(r.out, "(median of 2)");

  r = progmp({"bench", "--sim", std::string(PROGMP_SOURCE_DIR) + "/scenarios/bulk_aggregation.toml", "--set",
              "duration_s=-1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "duration_s");
}

// --no-opt (the lowered IR) and --specialise (AOT variants per subflow count) on the optimiser's benchmark program:
// the engines are checked against the interpreter before measuring (exit 1 on a disagreement).
TEST(BenchCommand, WithoutTheOptimiserAndWithSpecialisedAotCode) {
  const std::string program = std::string(PROGMP_SOURCE_DIR) + "/bench/programs/deadline_filter.progmp";
  for (const char* flag : {"--no-opt", "--specialise=2"}) {
    ProcessResult r = progmp({"bench", "--schedulers", program, "--subflows", "1,2,3", "--queue", "64", "--engines",
                              "interp,aot,jit", "--rounds", "1", "--round-ms", "1", flag});
    ASSERT_EQ(r.status, 0) << flag << "\n" << r.err;
    EXPECT_EQ(count(r.out, "| deadline_filter | "), 3) << r.out;
  }
}

TEST(BenchCommand, CompileLatencyTable) {
  ProcessResult r = progmp({"bench", "--compile", "--schedulers", "minrtt,round_robin"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "| scheduler | front end + optimiser | aot (c++) | jit |");
  EXPECT_EQ(count(r.out, "| minrtt | "), 1);
  EXPECT_EQ(count(r.out, "| round_robin | "), 1);
}

TEST(BenchCommand, BadFlagsExitTwoWithAMessage) {
  ProcessResult r = progmp({"bench", "--schedulers", "no_such_scheduler", "--rounds", "1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "unknown scheduler 'no_such_scheduler'");

  r = progmp({"bench", "--subflows", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--subflows: 0 is outside 1..32");

  r = progmp({"bench", "--single", "minrtt/2/4"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "expected SCHEDULER/SUBFLOWS/Q/ENGINE");

  r = progmp({"bench", "--engines", "turbo"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "turbo");
}

}  // namespace
}  // namespace progmp::test

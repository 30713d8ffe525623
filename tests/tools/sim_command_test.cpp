// `progmp sim` as a user runs it: the summary, the JSON result, scheduler resolution, overrides, determinism and
// every kind of bad input (exit statuses and messages of docs/cli.md).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace progmp::test {
namespace {

using json = nlohmann::json;

#define EXPECT_CONTAINS(haystack, needle)                                                       \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                              \
      << "expected to find: " << (needle) << "\nin:\n" << (haystack)

const char* const kScenario = R"(name = "tiny"
duration_s = 5
seed = 3

[[path]]
name = "fast"
rate_mbit = 20
delay_ms = 5
loss = 0.01

[[path]]
name = "slow"
rate_mbit = 10
delay_ms = 20

[[workload]]
type = "bulk"
bytes = 500000
)";

std::string scenarios() { return std::string(PROGMP_SOURCE_DIR) + "/scenarios/"; }

TEST(SimCommand, JsonResultHasTheDocumentedFields) {
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult r = progmp({"sim", file, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  for (const char* k : {"scenario", "seed", "scheduler", "app_bytes", "delivered_bytes", "in_order", "duration_s",
                        "goodput_mbit", "overhead", "paths", "workloads", "timeseries"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["scenario"], "tiny");
  EXPECT_EQ(j["scheduler"], "builtin_minrtt");
  EXPECT_EQ(j["delivered_bytes"], 500000);
  EXPECT_TRUE(j["in_order"].get<bool>());
  ASSERT_EQ(j["paths"].size(), 2u);
  EXPECT_EQ(j["paths"][0]["name"], "fast");
  for (const char* k : {"name", "bytes_sent", "share", "retransmitted_bytes", "rtt_ms_avg"})
    EXPECT_TRUE(j["paths"][1].contains(k)) << k;
  EXPECT_EQ(j["timeseries"]["interval_ms"], 100);
  EXPECT_TRUE(j["timeseries"]["paths"].contains("slow"));
  EXPECT_LT(j["duration_s"].get<double>(), 5.0);  // ends once the transfer is done and acknowledged
}

TEST(SimCommand, SameSeedSameOutputAndSeedOverrideChangesIt) {
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult a = progmp({"sim", file, "--json"});
  ProcessResult b = progmp({"sim", file, "--json"});
  ProcessResult c = progmp({"sim", file, "--json", "--seed", "4"});
  ASSERT_EQ(a.status, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_EQ(json::parse(c.out)["seed"], 4);
}

TEST(SimCommand, SchedulerByLibraryNameOrFileAndOverrides) {
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult r = progmp({"sim", file, "--json", "--scheduler", "redundant", "--set", "path.slow.delay_ms=5"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["scheduler"], "redundant");
  EXPECT_GT(j["overhead"].get<double>(), 1.5);  // every packet on both paths
  const std::string prog = dir.write("mine.progmp",
                                     "SUBFLOWS.FILTER(s => s.CWND > s.SKBS_IN_FLIGHT + s.QUEUED)"
                                     ".MIN(s => s.RTT).PUSH(Q.POP());\n");
  r = progmp({"sim", file, "--json", "--scheduler", prog});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["scheduler"], "mine");
}

TEST(SimCommand, ReadableSummary) {
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult r = progmp({"sim", file});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "scenario tiny (seed 3), scheduler builtin_minrtt");
  EXPECT_CONTAINS(r.out, "delivered 500000 of 500000 bytes, in order and intact");
  EXPECT_CONTAINS(r.out, "fast");
  EXPECT_CONTAINS(r.out, "bulk:");
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress bar without a terminal
}

TEST(SimCommand, BadInputGivesPreciseErrorsAndStatus) {
  TempDir dir;
  const std::string bad = dir.write("bad.toml", std::string(kScenario) + "colour = \"red\"\n");
  ProcessResult r = progmp({"sim", bad});
  EXPECT_EQ(r.status, 2);
  // The key lands in the [[workload]] table that precedes it (TOML), on line 19.
  EXPECT_CONTAINS(r.err, bad + ":19:1: unknown key 'colour' in bulk [[workload]]");

  const std::string good = dir.write("tiny.toml", kScenario);
  r = progmp({"sim", good, "--set", "path.0.loss=2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--set path.0.loss");

  r = progmp({"sim", good, "--scheduler", "no_such_scheduler"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "unknown scheduler 'no_such_scheduler'");

  const std::string broken = dir.write("broken.progmp", "VAR x = ;\n");
  r = progmp({"sim", good, "--scheduler", broken});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "broken.progmp:1:9: error[");

  r = progmp({"sim", (dir.path() / "missing.toml").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "missing.toml");

  r = progmp({"sim", good, "--seed", "x"});
  EXPECT_EQ(r.status, 2);
}

TEST(SimCommand, EveryExampleScenarioRuns) {
  for (const char* name : {"wifi_lte_streaming", "short_flows_loss", "heterogeneous_rtt_flows", "bulk_aggregation",
                           "handover"}) {
    ProcessResult r = progmp({"sim", scenarios() + name + ".toml", "--json"});
    ASSERT_EQ(r.status, 0) << name << ": " << r.err;
    const json j = json::parse(r.out);
    EXPECT_TRUE(j["in_order"].get<bool>()) << name;
    EXPECT_GT(j["delivered_bytes"].get<std::uint64_t>(), 0u) << name;
  }
}

}  // namespace
}  // namespace progmp::test

namespace progmp::test {
namespace {

TEST(SimCommandEngines, AotAndInterpreterGiveIdenticalResults) {
  // Engines agree step for step, so a whole simulation is byte-identical whichever runs the scheduler.
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult interp = progmp({"sim", file, "--json", "--scheduler", "redundant_if_no_q", "--engine", "interp"});
  ProcessResult aot = progmp({"sim", file, "--json", "--scheduler", "redundant_if_no_q", "--engine", "aot"});
  ASSERT_EQ(interp.status, 0) << interp.err;
  ASSERT_EQ(aot.status, 0) << aot.err;
  EXPECT_EQ(aot.out, interp.out);
  ProcessResult builtin = progmp({"sim", file, "--engine", "aot"});
  EXPECT_EQ(builtin.status, 2);
  EXPECT_CONTAINS(builtin.err, "--engine aot needs a scheduler program");
}

// The summary ends with the scheduler's execution counts and the engine; an engine that handed executions to the
// interpreter (runtime.md §7.6: the eBPF engine with more than 256 packets per queue) says so.
TEST(SimCommandEngines, SummaryCountsExecutionsAndReportsReroutedOnes) {
  TempDir dir;
  const std::string file = dir.write("tiny.toml", kScenario);
  ProcessResult r = progmp({"sim", file, "--scheduler", "minrtt", "--engine", "interp"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "scheduler: ");
  EXPECT_CONTAINS(r.out, " executions in ");
  EXPECT_CONTAINS(r.out, " aborted, engine interp\n");
  EXPECT_EQ(r.out.find("ran on the interpreter"), std::string::npos);

  // A bulk transfer keeps far more than 256 packets in the send buffer.
  const std::string bulk = std::string(PROGMP_SOURCE_DIR) + "/scenarios/bulk_aggregation.toml";
  r = progmp({"sim", bulk, "--scheduler", "minrtt", "--engine", "ebpf", "--set", "duration_s=1"});
  if (r.status == 2 && r.err.find("ebpf") != std::string::npos) GTEST_SKIP() << "no eBPF engine here: " << r.err;
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, " aborted, engine ebpf\n");
  EXPECT_CONTAINS(r.out, "exceeded the ebpf engine's capacities and ran on the interpreter");
}

}  // namespace
}  // namespace progmp::test

namespace progmp::test {
namespace {

TEST(RunCommandEngines, AotReportsExactlyWhatTheInterpreterReports) {
  const std::string root = PROGMP_SOURCE_DIR;
  for (const char* s : {"redundant", "round_robin", "compensating"}) {
    const std::vector<std::string> base = {"run", root + "/schedulers/" + s + ".progmp", "--view",
                                           root + "/schedulers/views/three_subflows.json", "--executions", "6",
                                           "--json", "--engine"};
    auto with = [&](const char* e) {
      auto args = base;
      args.push_back(e);
      return progmp(args);
    };
    ProcessResult interp = with("interp"), aot = with("aot");
    ASSERT_EQ(interp.status, 0) << interp.err;
    ASSERT_EQ(aot.status, 0) << aot.err;
    EXPECT_EQ(aot.out, interp.out) << s;
  }
}

}  // namespace
}  // namespace progmp::test

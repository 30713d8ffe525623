// Runtime profiling (Runtime::set_profiling, docs/profiling.md): one profile per program version summed over its
// connections, counts mapped to source lines, decisions identical to an unprofiled run, and the text report.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/profile_report.hpp"

namespace progmp::runtime {
namespace {

using testing::sf;

// Pops one packet per execution and pushes it on the lowest-RTT subflow; RETURNs once Q is empty.
const char* kPopPush =
    "SCHEDULER poppush;\n"                       // 1
    "VAR p = Q.POP();\n"                         // 2
    "IF (p == NULL) {\n"                         // 3
    "  RETURN;\n"                                // 4
    "}\n"                                        // 5
    "SUBFLOWS.MIN(s => s.RTT).PUSH(p);\n"        // 6
    "IF (R1 == 42) { SET(R2, 1); }\n";           // 7: never taken

struct Profiled : ::testing::Test {
  ModelTransport model;
  Runtime rt{model};
  void SetUp() override {
    model.attach(rt);
    rt.set_log({});
  }
  void load(const char* src) {
    ASSERT_EQ(rt.load_scheduler("", src).status, Status::Ok);
    ASSERT_EQ(rt.set_default_scheduler("poppush"), Status::Ok);
  }
  Stats stats(ConnId c) {
    ConnectionStats s;
    EXPECT_EQ(rt.connection_stats(c, s), Status::Ok);
    return s;
  }
};

TEST_F(Profiled, SumsExecutionsOverConnections) {
  load(kPopPush);
  rt.set_profiling(true);
  EXPECT_TRUE(rt.profiling());
  for (ConnId c : {1u, 2u}) {
    model.open(c);
    model.add_subflow(c, sf(10000));
    model.add_subflow(c, sf(30000));
  }
  rt.send(1, 5 * 1400);
  rt.send(2, 7 * 1400);

  ProgramProfile p;
  ASSERT_EQ(rt.profile("poppush", std::nullopt, p), Status::Ok);
  const Stats s1 = stats(1), s2 = stats(2);
  ASSERT_GT(s1.executions, 0u);
  ASSERT_GT(s2.executions, 0u);
  EXPECT_EQ(p.name, "poppush");
  EXPECT_EQ(p.version, 1u);
  EXPECT_EQ(p.label, "poppush@1");
  EXPECT_EQ(p.source, kPopPush);
  EXPECT_EQ(p.executions, s1.executions + s2.executions);
  EXPECT_EQ(p.steps, s1.steps + s2.steps);
  EXPECT_GT(p.time_ns, 0u);
  std::uint64_t ends = 0;
  for (std::uint64_t e : p.ends) ends += e;
  EXPECT_EQ(ends, p.executions);
  EXPECT_EQ(p.ends[static_cast<std::size_t>(ExecEnd::End)], 12u);  // one per packet pushed
  EXPECT_EQ(p.ends[static_cast<std::size_t>(ExecEnd::Return)], p.executions - 12);

  const auto lines = p.line_counts();
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_FALSE(lines[0]);       // SCHEDULER header: no code
  EXPECT_EQ(lines[1], p.executions);                         // every execution starts with the POP
  EXPECT_EQ(lines[2], p.executions);                         // and tests it
  EXPECT_EQ(lines[3], p.executions - 12);                    // RETURN when Q was empty
  EXPECT_FALSE(lines[4]);                                    // closing brace
  EXPECT_EQ(lines[5], std::optional<std::uint64_t>(12u));    // 5 + 7 pushes
  EXPECT_EQ(lines[6], std::optional<std::uint64_t>(12u));    // the IF is evaluated ...
  EXPECT_EQ(s1.pushes_queued + s2.pushes_queued, 12u);

  // ... but its body never runs: the SET has its own instruction on line 7, never executed.
  bool set_seen = false;
  for (std::size_t pc = 0; pc < p.instr_lines.size(); ++pc) {
    if (p.instr_lines[pc] != 7) continue;
    if (p.instr_counts[pc] == 0) set_seen = true;
  }
  EXPECT_TRUE(set_seen);

  // Only programs that ran are listed.
  const std::vector<ProgramProfile> all = rt.profiles();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].label, "poppush@1");
}

TEST_F(Profiled, OffByDefaultAndCountsOnlyWhileOn) {
  load(kPopPush);
  EXPECT_FALSE(rt.profiling());
  model.open(1);
  model.add_subflow(1, sf(10000));
  rt.send(1, 3 * 1400);
  ProgramProfile p;
  ASSERT_EQ(rt.profile("poppush", std::nullopt, p), Status::Ok);
  EXPECT_EQ(p.executions, 0u);
  EXPECT_EQ(p.time_ns, 0u);
  for (std::uint64_t c : p.instr_counts) EXPECT_EQ(c, 0u);
  EXPECT_TRUE(rt.profiles().empty());
  // The tables exist from the load on, so that counting never allocates.
  EXPECT_EQ(p.instr_counts.size(), p.instr_lines.size());
  EXPECT_FALSE(p.instr_counts.empty());

  rt.set_profiling(true);
  rt.send(1, 2 * 1400);
  rt.set_profiling(false);
  ASSERT_EQ(rt.profile("poppush", std::nullopt, p), Status::Ok);
  const std::uint64_t counted = p.executions;
  EXPECT_GT(counted, 0u);
  EXPECT_EQ(p.line_counts()[5], std::optional<std::uint64_t>(2u));
  rt.send(1, 2 * 1400);  // not counted
  ASSERT_EQ(rt.profile("poppush", std::nullopt, p), Status::Ok);
  EXPECT_EQ(p.executions, counted);
}

TEST_F(Profiled, VersionsAndUnknownNames) {
  load(kPopPush);
  ASSERT_EQ(rt.load_scheduler("poppush", kPopPush).status, Status::Ok);  // version 2
  ProgramProfile p;
  ASSERT_EQ(rt.profile("poppush", std::nullopt, p), Status::Ok);
  EXPECT_EQ(p.version, 2u);
  ASSERT_EQ(rt.profile("poppush", 1u, p), Status::Ok);
  EXPECT_EQ(p.version, 1u);
  EXPECT_EQ(rt.profile("poppush", 3u, p), Status::UnknownScheduler);
  EXPECT_EQ(rt.profile("nope", std::nullopt, p), Status::UnknownScheduler);
}

TEST_F(Profiled, BuiltinHasItsSourceAndCounts) {
  rt.set_profiling(true);
  model.open(1);
  model.add_subflow(1, sf(10000, 4));
  model.add_subflow(1, sf(30000, 4));
  rt.send(1, 10 * 1400);
  ProgramProfile p;
  ASSERT_EQ(rt.profile(std::string(kBuiltinMinRttName), std::nullopt, p), Status::Ok);
  EXPECT_EQ(p.source, builtin_minrtt_source());
  EXPECT_GT(p.executions, 0u);
  const auto lines = p.line_counts();
  ASSERT_GE(lines.size(), 14u);
  EXPECT_FALSE(lines[0]);  // the comment line
  EXPECT_EQ(lines[1], p.executions);  // VAR open = ...: first statement of every execution
  // RQ is empty all along: the reinjection branch (line 6) never runs.
  EXPECT_EQ(lines[5], std::optional<std::uint64_t>(0u));
}

// Profiling runs the interpreter whatever the engine choice; the decisions stay those of the chosen engine.
TEST_F(Profiled, DecisionsAreTheSameWithAndWithoutProfiling) {
  for (const char* engine : {"auto", "interp", "jit"}) {
    EngineChoice e;
    if (!parse_engine(engine, e)) continue;
    SCOPED_TRACE(engine);
    std::vector<std::vector<std::pair<SubflowId, std::int64_t>>> enqueued;
    std::vector<std::uint64_t> steps;
    for (bool on : {false, true}) {
      ModelTransport m;
      Runtime r{m};
      m.attach(r);
      r.set_log({});
      ASSERT_EQ(r.set_default_engine(engine), Status::Ok);
      r.set_profiling(on);
      m.open(1);
      const SubflowId a = m.add_subflow(1, sf(10000, 3));
      const SubflowId b = m.add_subflow(1, sf(25000, 5));
      r.send(1, 40 * 1400);
      for (int i = 0; i < 30; ++i) {
        m.transmit(1, a);
        m.transmit(1, b);
        m.ack_subflow(1, a, 2);
        m.ack_subflow(1, b, 1);
        if (i == 10) m.timeout(1, b);
      }
      enqueued.push_back(m.conn(1).enqueued);
      ConnectionStats s;
      r.connection_stats(1, s);
      steps.push_back(s.steps);
      ProgramProfile p;
      ASSERT_EQ(r.profile(std::string(kBuiltinMinRttName), std::nullopt, p), Status::Ok);
      EXPECT_EQ(p.executions > 0, on);
      if (on) {
        EXPECT_EQ(p.steps, s.steps);
      }
    }
    EXPECT_EQ(enqueued[0], enqueued[1]);
    EXPECT_EQ(steps[0], steps[1]);
  }
}

TEST(ProfileReport, AnnotatesEachLine) {
  ProgramProfile p;
  p.label = "demo@3";
  p.source = "// demo\nVAR a = 1;\nIF (a == 2) {\n  RETURN;\n}\n";
  p.instr_lines = {2, 3, 4, 0};
  p.instr_counts = {1204, 1204, 0, 1204};
  p.executions = 1204;
  p.time_ns = 2'408'000;
  p.steps = 3612;
  p.ends[static_cast<std::size_t>(ExecEnd::End)] = 1200;
  p.ends[static_cast<std::size_t>(ExecEnd::StepLimit)] = 4;
  EXPECT_EQ(format_profile_header(p),
            "profile demo@3: 1204 executions, 2.408 ms (2000 ns per execution), 3.00 steps per execution\n"
            "ends: end 1200, step_limit 4\n");
  EXPECT_EQ(format_profile_source(p),
            "          |    1 | // demo\n"
            "     1204 |    2 | VAR a = 1;\n"
            "     1204 |    3 | IF (a == 2) {\n"
            "    ##### |    4 |   RETURN;\n"
            "          |    5 | }\n");
  EXPECT_EQ(format_profile(p), format_profile_header(p) + format_profile_source(p));

  ProgramProfile idle;
  idle.label = "idle@1";
  EXPECT_EQ(format_profile_header(idle),
            "profile idle@1: 0 executions, 0.000 ms (0 ns per execution), 0.00 steps per execution\nends: none\n");
}

}  // namespace
}  // namespace progmp::runtime

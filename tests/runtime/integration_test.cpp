// The runtime with the real toolchain (lang::compile → ir::lower → interpreter): builtin_minrtt and library
// schedulers moving whole transfers through the model transport, with the queue invariants checked after every
// input, subflow failure with reinjection, PRINT output, and the fallback after a program keeps exhausting its
// budget.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "transfer.hpp"

namespace progmp::runtime {
namespace {

using testing::InvariantChecker;
using testing::sf;
using testing::Transfer;

struct Real : ::testing::Test {
  MemoryTraceSink trace;
  std::vector<std::string> log;
  ModelTransport model;
  Runtime rt{model};
  void SetUp() override {
    model.attach(rt);
    rt.set_log([this](std::string_view l) { log.emplace_back(l); });
    rt.set_trace(&trace, 1);
  }
};

TEST_F(Real, BuiltinMinRttIsTheRealProgram) {
  EXPECT_EQ(rt.registry().builtin()->interp->engine_name(), "interp");
  EXPECT_TRUE(rt.registry().builtin()->warnings.empty());  // the §2.4 text compiles cleanly
  model.open(1);
  const SubflowId fast = model.add_subflow(1, sf(10000, 4));
  const SubflowId slow = model.add_subflow(1, sf(30000, 4));
  rt.send(1, 10 * 1400);
  // Lowest RTT first: four on the fast subflow, then four on the slow one; two wait.
  EXPECT_EQ(model.subflow(1, fast).queue.size(), 4u);
  EXPECT_EQ(model.subflow(1, slow).queue.size(), 4u);
  ConnectionSnapshot s;
  rt.snapshot(1, s);
  EXPECT_EQ(s.q, (std::vector<std::int64_t>{11200, 12600}));
}

TEST_F(Real, BackupSubflowsCarryNewDataOnlyWithoutPrimaries) {
  model.open(1);
  SubflowValues backup = sf(1000, 10);
  backup.backup = true;
  const SubflowId b = model.add_subflow(1, backup);
  const SubflowId p = model.add_subflow(1, sf(50000, 1));
  rt.send(1, 3 * 1400);
  EXPECT_EQ(model.subflow(1, p).queue.size(), 1u);
  EXPECT_EQ(model.subflow(1, b).queue.size(), 0u);
  model.fail(1, p);  // the copy is reinjected; reinjections may use the backup, and now it carries new data too
  EXPECT_EQ(model.subflow(1, b).queue.size(), 3u);
}

TEST_F(Real, WholeTransferKeepsTheInvariants) {
  model.open(1);
  model.add_subflow(1, sf(10000, 4));
  model.add_subflow(1, sf(25000, 6));
  InvariantChecker check(rt, model, 1);
  rt.send(1, 200 * 1400);
  check.check("send");
  Transfer t{rt, model, 1};
  int steps = 0;
  while (t.step()) {
    ASSERT_TRUE(check.check("step " + std::to_string(steps)));
    ASSERT_LT(++steps, 1000);
  }
  ConnectionStats st;
  rt.connection_stats(1, st);
  EXPECT_EQ(st.pushes_queued, 200u);
  EXPECT_EQ(st.bytes_pushed_new, 200u * 1400);
  EXPECT_EQ(st.bytes_redundant, 0u);
  EXPECT_EQ(st.budget_exhausted, 0u);
  EXPECT_TRUE(log.empty());
}

TEST_F(Real, SubflowFailureIsRecoveredByReinjection) {
  model.open(1);
  const SubflowId a = model.add_subflow(1, sf(10000, 5));
  model.add_subflow(1, sf(20000, 5));
  InvariantChecker check(rt, model, 1);
  rt.send(1, 30 * 1400);
  model.transmit(1, a);  // five copies in flight on a
  check.note_lost(a);
  model.fail(1, a);
  ASSERT_TRUE(check.check("failure"));
  Transfer t{rt, model, 1};
  ASSERT_GT(t.run(), 0);
  ConnectionStats st;
  rt.connection_stats(1, st);
  EXPECT_EQ(st.bytes_pushed_new, 30u * 1400);
  EXPECT_EQ(st.bytes_redundant, 5u * 1400);  // the five stranded packets, once each
}

TEST_F(Real, LibrarySchedulersCompleteTransfers) {
  for (const char* file : {"minrtt.progmp", "round_robin.progmp", "redundant.progmp",
                           "opportunistic_retransmission.progmp"}) {
    SCOPED_TRACE(file);
    LoadResult r = rt.load_scheduler("", testing::library_source(file));
    ASSERT_EQ(r.status, Status::Ok) << status_name(r.status);
    ASSERT_EQ(rt.set_default_scheduler(r.name), Status::Ok);
    static ConnId next = 100;
    const ConnId c = next++;
    model.open(c);
    model.add_subflow(c, sf(10000, 4));
    model.add_subflow(c, sf(40000, 8));
    InvariantChecker check(rt, model, c);
    rt.send(c, 60 * 1400);
    Transfer t{rt, model, c};
    int steps = 0;
    while (t.step()) {
      ASSERT_TRUE(check.check(std::string(file) + " step " + std::to_string(steps)));
      ASSERT_LT(++steps, 2000);
    }
    EXPECT_FALSE(rt.get_scheduler(c).fallback_active);
  }
}

TEST_F(Real, PrintGoesToTheTrace) {
  ASSERT_EQ(rt.load_scheduler("talk", "PRINT(\"sbf %d rtt %d\", SUBFLOWS.GET(0).RTT_MS);").status, Status::Ok);
  rt.set_default_scheduler("talk");
  model.open(7);
  model.set_now(7, 1'203'500);
  model.add_subflow(7, sf(31'000));
  ASSERT_FALSE(trace.lines.empty());
  EXPECT_EQ(trace.lines[trace.lines.size() - 2],
            R"({"t_us":1203500,"kind":"print","conn":1,"sched":"talk@1","text":"sbf 31 rtt 31"})");
}

TEST_F(Real, CompileErrorsAreReturnedAsDiagnostics) {
  LoadResult r = rt.load_scheduler("typo", "VAR fast = SUBFLOWS.MIN(f => f.RTTT);");
  EXPECT_EQ(r.status, Status::CompileError);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].code, "E0202");
  EXPECT_EQ(rt.registry().find("typo"), nullptr);
  EXPECT_EQ(rt.load_scheduler("", "RETURN;").status, Status::NoName);
  EXPECT_EQ(rt.load_scheduler("", "SCHEDULER builtin_mine; RETURN;").status, Status::ReservedName);
}

TEST(RealFallback, ExhaustingProgramFallsBackAndTheTransferCompletes) {
  RuntimeConfig cfg;
  cfg.max_steps_per_execution = 200;  // a double loop over 40 packets needs far more
  ModelTransport model;
  Runtime rt(model, cfg);
  model.attach(rt);
  std::vector<std::string> log;
  rt.set_log([&](std::string_view l) { log.emplace_back(l); });
  ASSERT_EQ(rt.load_scheduler("spin", "FOREACH (VAR a IN Q) { FOREACH (VAR b IN Q) { VOID(a.SEQ + b.SEQ); } }\n"
                                      "SUBFLOWS.GET(0).PUSH(Q.POP());").status,
            Status::Ok);
  rt.set_default_scheduler("spin");
  model.open(1);
  model.add_subflow(1, sf(10000, 10));  // Q is empty: the loops cost nothing yet
  rt.send(1, 40 * 1400);
  Transfer t{rt, model, 1};
  ASSERT_GT(t.run(), 0);
  EXPECT_TRUE(rt.get_scheduler(1).fallback_active);
  ConnectionStats st;
  rt.connection_stats(1, st);
  EXPECT_EQ(st.budget_exhausted, 3u);
  EXPECT_EQ(st.fallbacks, 1u);
  EXPECT_EQ(st.bytes_pushed_new, 40u * 1400);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("warning[R0002]: scheduler budget exhausted (step_limit)"), std::string::npos);
  EXPECT_NE(log[1].find("error[R0003]"), std::string::npos);
}

}  // namespace
}  // namespace progmp::runtime

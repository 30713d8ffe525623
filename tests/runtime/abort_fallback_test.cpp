// Abort rollback (runtime.md §7.3), rerouting of Unsupported executions (§7.6), and budget exhaustion with the
// fallback to builtin_minrtt after three exhaustions (§6.4).
#include <gtest/gtest.h>

#include "harness.hpp"

namespace progmp::runtime {
namespace {

using namespace progmp::testing;
using Q = QueueId;
using V = SchedulerView;
using S = ExecState;
using L = EffectLog;

TEST(Abort, RollsBackRegistersGeneratorPopsAndActions) {
  Rig r;
  r.subflow(10000);
  r.send_packets(2);
  ASSERT_EQ(r.h.rt.set_register(1, 2, 40), Status::Ok);
  const ConnectionSnapshot before = r.snap();
  r.script = [](const V& v, S& st, L& log) {
    st.registers[1] = 99;
    random_draw(st.rng);
    pop(log, Q::Q, v.q[0]);
    push(log, 0, v.q[0], Q::Q);
    set_user(log, 0, 3);
    return step_limit(st);
  };
  r.round();
  const ConnectionSnapshot after = r.snap();
  EXPECT_EQ(after.registers, before.registers);
  EXPECT_EQ(after.registers[1], 40);
  EXPECT_EQ(after.rng, before.rng);
  EXPECT_EQ(after.q, before.q);
  EXPECT_TRUE(after.qu.empty());
  EXPECT_EQ(after.subflows[0].user, 0);
  EXPECT_TRUE(r.h.model.conn(1).enqueued.empty());
  ASSERT_EQ(r.rec.execs.size(), 1u);
  EXPECT_EQ(r.rec.execs[0].rep.discarded, 2u);
  EXPECT_EQ(r.rec.execs[0].rep.registers[1], 40);  // the values before the execution
  EXPECT_EQ(r.rec.execs[0].rep.progress, Progress::None);
  const ConnectionStats st = r.stats();
  EXPECT_EQ(st.actions_push, 0u);
  EXPECT_EQ(st.executions, 3u);  // send, set_register, and the aborted one
  EXPECT_EQ(st.executions_aborted, 1u);
}

TEST(Abort, PrintsOfAnAbortedExecutionAreDiscarded) {
  Rig r;
  r.h.programs->add("p", [](const V&, S& st, L& log) {
    log.try_print(0, PrintValue{});
    return step_limit(st);
  }, {}, {"discarded text"});
  ASSERT_EQ(r.h.rt.load_scheduler("p", "p").status, Status::Ok);
  ASSERT_EQ(r.h.rt.set_scheduler(1, "p"), Status::Ok);  // runs a round at once
  EXPECT_TRUE(r.h.records("print").empty());
  EXPECT_EQ(r.stats().prints, 0u);
  Recorder rec;
  r.h.rt.on_send_space(1, 0);
  r.h.rt.poll(1, rec);
  ASSERT_EQ(rec.execs.size(), 1u);
  EXPECT_TRUE(rec.execs[0].prints.empty());
}

TEST(Unsupported, RerunsOnTheInterpreterWithoutAnyTraceOfTheFirstAttempt) {
  Rig r;
  r.subflow(10000);
  r.send_packets(1);
  std::uint64_t rng_at_interp = 0;
  const std::string src = r.h.load(
      "acc",
      [&](const V& v, S& st, L& log) {
        rng_at_interp = st.rng;
        if (v.q.empty()) return done();
        random_draw(st.rng);
        pop(log, Q::Q, v.q[0]);
        push(log, 0, v.q[0], Q::Q);
        return done(5);
      },
      {},
      [](const V& v, S& st, L& log) {
        st.registers[0] = 77;
        random_draw(st.rng);
        random_draw(st.rng);
        if (!v.q.empty()) drop(log, v.q[0], Q::Q);
        return ExecResult{EndCause::Unsupported, 123, 0};
      });
  ASSERT_EQ(r.h.rt.set_scheduler(1, "acc"), Status::Ok);  // a round: reroute, push
  const ConnectionSnapshot s = r.snap();
  EXPECT_EQ(s.registers[0], 0);  // the accelerated engine's write is gone
  EXPECT_EQ(s.qu, (std::vector<std::int64_t>{0}));
  const ConnectionStats st = r.stats();
  EXPECT_EQ(st.executions_rerouted, 2u);     // both executions of the round were declined
  EXPECT_EQ(st.executions, 3u);              // the noop round of send_packets + 2
  EXPECT_EQ(st.steps, 1u + 5u + 1u);         // only the interpreter's counts
  EXPECT_EQ(st.drop_refused, 0u);            // the declined DROP never happened
  EXPECT_EQ(st.executions_aborted, 0u);
  EXPECT_EQ(st.budget_exhausted, 0u);
  // The interpreter started from the generator state before the declined attempt: the first execution of the
  // round saw the connection's state, and one draw was kept.
  std::uint64_t x = 0 ^ (1 * 0xD1B54A32D192ED03ull);
  random_draw(x);
  EXPECT_EQ(s.rng, x);
  EXPECT_EQ(rng_at_interp, x);  // the second execution saw the state after the first one's draw
  // set_engine("interp") bypasses the accelerated engine.
  ASSERT_EQ(r.h.rt.set_engine(1, "interp"), Status::Ok);
  r.h.rt.on_send_space(1, 0);
  r.h.rt.poll(1);
  EXPECT_EQ(r.stats().executions_rerouted, 2u);
  EXPECT_EQ(r.h.rt.set_engine(1, "turbo"), Status::BadEngine);
  EXPECT_EQ(r.h.rt.set_engine(9, "interp"), Status::UnknownConnection);
}

struct Fallback : ::testing::Test {
  Rig r;
  void SetUp() override {
    r.subflow(10000);
    r.send_packets(4);
    r.script = [](const V&, S& st, L&) { return step_limit(st); };
  }
};

TEST_F(Fallback, ThirdExhaustionActivatesBuiltinMinRtt) {
  ASSERT_EQ(r.h.rt.set_register(1, 3, 11), Status::Ok);  // this round is exhaustion 1
  r.round();                                              // 2
  EXPECT_FALSE(r.h.rt.get_scheduler(1).fallback_active);
  EXPECT_EQ(r.snap().exhaustions, 2u);
  r.round();                                              // 3: fallback
  SchedulerRef ref = r.h.rt.get_scheduler(1);
  EXPECT_TRUE(ref.fallback_active);
  EXPECT_EQ(ref.name, "s");
  EXPECT_EQ(ref.version, 1u);
  ASSERT_EQ(r.h.log.size(), 2u);
  EXPECT_EQ(r.h.log[0], "progmp: conn 1 [s@1]: warning[R0002]: scheduler budget exhausted (step_limit); the round "
                        "was cut short");
  EXPECT_EQ(r.h.log[1], "progmp: conn 1 [s@1]: error[R0003]: scheduler exhausted its budget 3 times; connection "
                        "falls back to builtin_minrtt");
  ConnectionStats cs = r.stats();
  EXPECT_EQ(cs.budget_exhausted, 3u);
  EXPECT_EQ(cs.fallbacks, 1u);

  // From the next round on builtin_minrtt runs: it schedules the four packets (cwnd 10).
  RoundSummary s = r.round();
  EXPECT_TRUE(s.fallback);
  EXPECT_EQ(s.pushes, 4u);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);  // QU holds the four packets: not idle
  EXPECT_EQ(r.h.rt.get_register(1, 3).value, 11);  // registers kept
  const auto rounds = r.h.records("round");
  EXPECT_NE(rounds.back().find(R"("sched":"builtin_minrtt@1")"), std::string::npos);
  SchedulerStats b, mine;
  ASSERT_EQ(r.h.rt.scheduler_stats("builtin_minrtt", 1u, b), Status::Ok);
  ASSERT_EQ(r.h.rt.scheduler_stats("s", 1u, mine), Status::Ok);
  EXPECT_EQ(b.rounds, 1u);
  EXPECT_EQ(b.pushes_queued, 4u);
  EXPECT_EQ(b.connections, 0u);  // the fallback does not make it the connection's program
  EXPECT_EQ(mine.budget_exhausted, 3u);
  EXPECT_EQ(mine.fallbacks, 1u);
  EXPECT_EQ(mine.rounds, 1u /*send*/ + 3u);

  // set_scheduler ends the fallback and resets the count; the next three exhaustions activate it again, with a
  // new R0003 but no second R0002.
  ASSERT_EQ(r.h.rt.set_scheduler(1, "s"), Status::Ok);  // exhaustion 1 of the new count
  EXPECT_FALSE(r.h.rt.get_scheduler(1).fallback_active);
  r.round();
  EXPECT_EQ(r.snap().exhaustions, 2u);
  r.round();
  EXPECT_TRUE(r.h.rt.get_scheduler(1).fallback_active);
  ASSERT_EQ(r.h.log.size(), 3u);
  EXPECT_NE(r.h.log[2].find("error[R0003]"), std::string::npos);
  EXPECT_EQ(r.stats().fallbacks, 2u);
}

TEST_F(Fallback, SetSchedulerResetsUserButKeepsRegisters) {
  r.script = [](const V&, S& st, L& log) {
    set_user(log, 0, 5);
    st.registers[0] = 8;
    return done();
  };
  r.round();
  ASSERT_EQ(r.snap().subflows[0].user, 5);
  ASSERT_EQ(r.h.rt.set_scheduler(1, "s"), Status::Ok);
  EXPECT_EQ(r.snap().subflows[0].user, 5);  // the round run by set_scheduler set it again
  r.script = noop;
  ASSERT_EQ(r.h.rt.set_scheduler(1, "s"), Status::Ok);
  EXPECT_EQ(r.snap().subflows[0].user, 0);
  EXPECT_EQ(r.h.rt.get_register(1, 1).value, 8);
}

TEST(Exhaustion, OtherConnectionsAreUnaffected) {
  Harness h;
  h.load("bad", [](const V&, S& st, L&) { return step_limit(st); });
  h.open(1);
  h.rt.set_default_scheduler("builtin_minrtt");
  h.open(2);
  for (int i = 0; i < 3; ++i) {
    h.rt.set_register(1, 1, i);
    h.rt.set_register(2, 1, i);
  }
  EXPECT_TRUE(h.rt.get_scheduler(1).fallback_active);
  EXPECT_FALSE(h.rt.get_scheduler(2).fallback_active);
  EXPECT_EQ(h.stats(2).budget_exhausted, 0u);
}

}  // namespace
}  // namespace progmp::runtime

// The round algorithm (runtime.md §6): progress classification, why a round stops, the execution cap and the step
// budgets, with limits lowered through RuntimeConfig so the numbers stay small.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace progmp::runtime {
namespace {

using namespace progmp::testing;
using Q = QueueId;
using V = SchedulerView;
using S = ExecState;
using L = EffectLog;

ExecResult bump_r1(const V&, S& st, L&) {
  ++st.registers[0];
  return done();
}

TEST(Round, FirstExecutionAlwaysRunsAndNoProgressEndsTheRound) {
  Rig r;  // no subflows, no packets
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 1u);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);
  EXPECT_EQ(s.steps, 1u);
}

TEST(Round, IdleWhenAllQueuesAreEmptyAfterProgress) {
  Rig r;
  r.script = bump_r1;
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 1u);
  EXPECT_EQ(s.end, RoundEnd::Idle);
  EXPECT_EQ(r.h.rt.get_register(1, 1).value, 1);
}

TEST(Round, StateOnlyExecutionsStopAfterFiveInARow) {
  Rig r;
  r.send_packets(1);  // Q non-empty, so the round is not idle
  r.script = bump_r1;
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 5u);
  EXPECT_EQ(s.end, RoundEnd::StateOnlyLimit);
  EXPECT_EQ(r.h.rt.get_register(1, 1).value, 5);
  EXPECT_EQ(r.stats().budget_exhausted, 0u);  // not an exhaustion
  for (const auto& e : r.rec.execs) EXPECT_EQ(e.rep.progress, Progress::State);
}

TEST(Round, PacketProgressResetsTheStateOnlyStreak) {
  Rig r;
  r.subflow(10000, 100);
  r.send_packets(3);
  int n = 0;
  // Executions 1-4 state only, 5 pushes a packet, 6-10 state only: the streak reaches 5 at execution 10.
  r.script = [&](const V& v, S& st, L& log) {
    ++n;
    ++st.registers[0];
    if (n == 5) {
      pop(log, Q::Q, v.q[0]);
      push(log, 0, v.q[0], Q::Q);
    }
    return done();
  };
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 10u);
  EXPECT_EQ(s.end, RoundEnd::StateOnlyLimit);
  EXPECT_EQ(s.pushes, 1u);
  EXPECT_TRUE(s.packet_progress);
  EXPECT_EQ(r.rec.execs[4].rep.progress, Progress::Packet);
}

TEST(Round, RegisterWrittenBackToItsValueIsNotProgress) {
  Rig r;
  r.send_packets(1);
  r.script = [](const V&, S& st, L&) {
    st.registers[2] = 9;
    st.registers[2] = 0;
    return done();
  };
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 1u);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);
}

TEST(Round, PacketProgressKeepsTheRoundGoingUntilWindowsAreFull) {
  Rig r;
  r.subflow(10000, 2);  // room for two packets
  r.send_packets(5);
  r.script = scripted_minrtt;
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 3u);  // push, push, nothing
  EXPECT_EQ(s.pushes, 2u);
  EXPECT_EQ(s.end, RoundEnd::NoProgress);
  EXPECT_EQ(r.snap().q, (std::vector<std::int64_t>{2800, 4200, 5600}));
}

TEST(Round, ExecutionCapFollowsTheQueueAndSubflowCounts) {
  RuntimeConfig cfg;
  cfg.exec_cap_base = 2;
  cfg.exec_cap_per_item = 1;
  cfg.state_only_streak = 1000;
  Rig r(cfg);
  r.send_packets(3);
  r.script = bump_r1;
  // No subflow: cap = 2 + 1 × 3 × max(1, 0) = 5.
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 5u);
  EXPECT_EQ(s.end, RoundEnd::ExecCap);
  // Two subflows: cap = 2 + 1 × 3 × 2 = 8.
  r.subflow(10000);
  r.subflow(10000);
  s = r.round();
  EXPECT_EQ(s.executions, 8u);
  EXPECT_EQ(s.end, RoundEnd::ExecCap);
  EXPECT_EQ(r.stats().budget_exhausted, 2u);
}

TEST(Round, ExecutionCapIsClampedByTheMaximum) {
  RuntimeConfig cfg;
  cfg.max_executions_per_round = 4;
  cfg.state_only_streak = 1000;
  Rig r(cfg);
  r.send_packets(1);
  r.script = bump_r1;
  RoundSummary s = r.round();
  EXPECT_EQ(s.executions, 4u);
  EXPECT_EQ(s.end, RoundEnd::ExecCap);
}

TEST(Round, StepLimitAbortsAndReportsAllowancePlusOne) {
  Rig r;
  r.send_packets(1);
  std::uint64_t allowance = 0;
  r.script = [&](const V&, S& st, L&) {
    allowance = st.allowance;
    return step_limit(st);
  };
  RoundSummary s = r.round();
  EXPECT_EQ(allowance, 1'000'000u);
  EXPECT_EQ(s.end, RoundEnd::StepLimit);
  EXPECT_EQ(s.executions, 1u);
  EXPECT_EQ(s.steps, 1'000'001u);
  ASSERT_EQ(r.rec.execs.size(), 1u);
  EXPECT_EQ(r.rec.execs[0].rep.end, ExecEnd::StepLimit);
  EXPECT_TRUE(r.rec.execs[0].rep.aborted);
  ConnectionStats st = r.stats();
  EXPECT_EQ(st.executions_aborted, 1u);
  EXPECT_EQ(st.steps, 1u + 1'000'001u);  // the send round's execution took 1
  EXPECT_EQ(st.budget_exhausted, 1u);
}

TEST(Round, RoundBudgetGivesSmallerAllowancesAndRoundSteps) {
  RuntimeConfig cfg;
  cfg.max_steps_per_execution = 1000;
  cfg.max_steps_per_round = 2500;
  Rig r(cfg);
  r.send_packets(1);
  std::vector<std::uint64_t> allowances;
  r.script = [&](const V&, S& st, L&) {
    allowances.push_back(st.allowance);
    if (st.allowance < 1000) return step_limit(st);
    ++st.registers[0];
    return done(1000);
  };
  RoundSummary s = r.round();
  EXPECT_EQ(allowances, (std::vector<std::uint64_t>{1000, 1000, 500}));
  EXPECT_EQ(s.end, RoundEnd::RoundSteps);
  EXPECT_EQ(s.steps, 2501u);
  EXPECT_EQ(r.rec.execs.back().rep.end, ExecEnd::RoundSteps);
}

TEST(Round, StepLimitWhenTheRoundBudgetEqualsTheExecutionLimit) {
  // left = MAX_STEPS_PER_EXECUTION exactly at the start is not "less than": the cause stays step_limit.
  RuntimeConfig cfg;
  cfg.max_steps_per_execution = 1000;
  cfg.max_steps_per_round = 2000;
  Rig r(cfg);
  r.send_packets(1);
  r.script = [](const V&, S& st, L&) {
    if (st.registers[0] == 1) return step_limit(st);
    ++st.registers[0];
    return done(1000);
  };
  RoundSummary s = r.round();
  EXPECT_EQ(s.end, RoundEnd::StepLimit);
  EXPECT_EQ(s.steps, 2001u);
}

TEST(Round, ActionLimitAbortsTheExecution) {
  Rig r;
  r.subflow(10000);
  r.send_packets(1);
  r.script = [](const V& v, S&, L& log) {
    for (std::uint32_t i = 0; i <= kMaxActionsPerExecution; ++i) {
      if (!set_user(log, 0, i)) return ExecResult{EndCause::ActionLimit, 7, 0};
    }
    (void)v;
    return done();
  };
  RoundSummary s = r.round();
  EXPECT_EQ(s.end, RoundEnd::ActionLimit);
  ASSERT_EQ(r.rec.execs.size(), 1u);
  EXPECT_EQ(r.rec.execs[0].rep.end, ExecEnd::ActionLimit);
  EXPECT_EQ(r.rec.execs[0].rep.discarded, kMaxActionsPerExecution);
  EXPECT_EQ(r.snap().subflows[0].user, 0);
  EXPECT_EQ(r.stats().actions_set_user, 0u);  // actions of aborted executions are not counted
}

TEST(Round, EndCauseOfReturnIsReported) {
  Rig r;
  r.script = [](const V&, S&, L&) { return done(3, EndCause::Return); };
  r.round();
  EXPECT_EQ(r.rec.execs[0].rep.end, ExecEnd::Return);
  EXPECT_EQ(r.rec.execs[0].rep.steps, 3u);
}

}  // namespace
}  // namespace progmp::runtime

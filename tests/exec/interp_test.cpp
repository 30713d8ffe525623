// Semantics of one execution on the interpreter: effects, step counts, registers, NULL rules, list laziness,
// aborts. Expected values are derived by hand from language.md and runtime.md (§7.2 for steps).
#include <gtest/gtest.h>

#include <climits>

#include "view_builder.hpp"

namespace progmp::testing {
namespace {

using Strings = std::vector<std::string>;

const char* kLowestRtt = R"(
SCHEDULER lowest_rtt;
VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED
                                 AND !f.LOSSY AND !f.THROTTLED);
IF (ready.EMPTY) { RETURN; }
VAR again = RQ.TOP;
IF (again != NULL) {
  VAR alt = ready.FILTER(f => !again.SENT_ON(f) AND f.HAS_WINDOW_FOR(again)).MIN(f => f.RTT);
  IF (alt != NULL) {
    alt.PUSH(RQ.POP());
    RETURN;
  }
}
VAR next = Q.TOP;
ready.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());
)";

// runtime.md §14.5: execution 1 pushes 14000 on subflow 2 in 12 steps, execution 2 takes 10 and does nothing.
TEST(Interp, SpecPlaygroundExample) {
  ViewBuilder vb;
  vb.now_us = 5'000'000;
  vb.subflow(1, 30000, 10, 10);
  vb.subflow(2, 80000, 10, 3);
  vb.unsent(14000);
  vb.sent(12600, {0});
  Outcome r = execute(kLowestRtt, vb);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(r.result.steps, 12u);
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP Q 14000", "PUSH 2 14000 Q"}));

  ViewBuilder after;
  after.now_us = 5'000'000;
  after.subflow(1, 30000, 10, 10);
  after.subflow(2, 80000, 10, 3).queued = 1;
  after.sent(12600, {0});
  after.sent(14000, {1});
  Outcome r2 = execute(kLowestRtt, after);
  EXPECT_EQ(r2.result.steps, 10u);
  EXPECT_TRUE(r2.log.entries().empty());
}

TEST(Interp, ReinjectionGoesToSubflowThatHasNotCarriedIt) {
  ViewBuilder vb;
  vb.subflow(1, 10000);
  vb.subflow(2, 50000);
  vb.unsent(2800);
  vb.reinject(vb.sent(0, {0}));
  Outcome r = execute(kLowestRtt, vb);
  EXPECT_EQ(r.result.end, EndCause::Return);
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP RQ 0", "PUSH 2 0 RQ"}));
}

TEST(Interp, NullSemanticsTable) {
  ViewBuilder vb;
  ExecState st;
  Outcome r = execute(R"(
    VAR n = 1 / 0;
    VAR b = n > 0;
    IF (b AND TRUE) { SET(R1, 1); } ELSE { SET(R1, 2); }
    IF (TRUE AND b) { SET(R2, 1); } ELSE { SET(R2, 2); }
    IF (b OR TRUE) { SET(R3, 1); } ELSE { SET(R3, 2); }
    IF (!b) { SET(R4, 1); } ELSE { SET(R4, 2); }
    IF (b == NULL) { SET(R5, 1); }
    IF (n + 1 == NULL AND -n == NULL) { SET(R6, 1); }
  )", vb, st);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{2, 2, 1, 2, 1, 1}));
}

TEST(Interp, ComparisonWithNullOperandIsNullNotFalse) {
  ViewBuilder vb;
  ExecState st;
  execute(R"(
    VAR n = 1 / 0;
    IF ((n == 1) == NULL) { SET(R1, 1); }
    IF ((n != 1) == NULL) { SET(R2, 1); }
    IF (NULL == NULL) { SET(R3, 1); }
    IF (TRUE == TRUE) { SET(R4, 1); }
  )", vb, st);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{1, 1, 1, 1, 0, 0}));
}

TEST(Interp, IntegerEdgeCases) {
  ViewBuilder vb;
  ExecState st;
  execute(R"(
    SET(R1, 9223372036854775807 + 1);
    SET(R2, (-9223372036854775807 - 1) / -1);
    SET(R3, (-9223372036854775807 - 1) % -1);
    SET(R4, -7 % 3);
    SET(R5, 7 / -2);
    SET(R6, 5);
    SET(R6, 5 / 0);
  )", vb, st);
  EXPECT_EQ(st.registers[0], INT64_MIN);
  EXPECT_EQ(st.registers[1], INT64_MIN);
  EXPECT_EQ(st.registers[2], 0);
  EXPECT_EQ(st.registers[3], -1);
  EXPECT_EQ(st.registers[4], -3);
  EXPECT_EQ(st.registers[5], 5);
}

TEST(Interp, MultiplicationAndNegationWrap) {
  ViewBuilder vb;
  ExecState st;
  execute(R"(
    SET(R1, 4611686018427387904 * 2);
    SET(R2, -(-9223372036854775807 - 1));
    SET(R3, 3 - 5);
  )", vb, st);
  EXPECT_EQ(st.registers[0], INT64_MIN);
  EXPECT_EQ(st.registers[1], INT64_MIN);
  EXPECT_EQ(st.registers[2], -2);
}

TEST(Interp, PopIsVisibleToLazyListsButNotToSnapshots) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.unsent(0);
  vb.unsent(1400);
  vb.unsent(2800);
  ExecState st;
  Outcome r = execute(R"(
    VAR snap = Q;
    VAR p = Q.POP();
    SET(R1, Q.TOP.SEQ);
    SET(R2, snap.COUNT);
    SET(R3, Q.COUNT);
    SET(R4, Q.FILTER(x => x.SEQ > 0).COUNT);
    SUBFLOWS.GET(0).PUSH(p);
  )", vb, st);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{1400, 3, 2, 2, 0, 0}));
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP Q 0", "PUSH 1 0 Q"}));
  // 7 statements; fetches: snapshot 3, POP 1, TOP 1, snap.COUNT 3, Q.COUNT 1 (direct), filtered COUNT 2, GET 1.
  EXPECT_EQ(r.result.steps, 7u + 12u);
}

TEST(Interp, QuPopHidesOnlyForTheExecution) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.sent(0, {0});
  vb.sent(1400, {0});
  ExecState st;
  Outcome r = execute(R"(
    VAR a = QU.POP();
    VAR b = QU.POP();
    VAR c = QU.POP();
    SET(R1, a.SEQ);
    SET(R2, b.SEQ);
    IF (c == NULL) { SET(R3, 1); }
  )", vb, st);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{0, 1400, 1, 0, 0, 0}));
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP QU 0", "POP QU 1400"}));
}

TEST(Interp, ForeachIteratesSnapshotWhileBodyPops) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.unsent(0);
  vb.unsent(1400);
  vb.unsent(2800);
  Outcome r = execute("FOREACH (VAR p IN Q) { SUBFLOWS.GET(0).PUSH(Q.POP()); }", vb);
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP Q 0", "PUSH 1 0 Q", "POP Q 1400", "PUSH 1 1400 Q", "POP Q 2800",
                                         "PUSH 1 2800 Q"}));
  // FOREACH 1 + snapshot 3 + per iteration (next 1, PUSH 1, GET 1, POP 1) × 3.
  EXPECT_EQ(r.result.steps, 16u);
}

TEST(Interp, ForeachOverListVariableDoesNotRematerialise) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  Outcome r = execute("VAR l = SUBFLOWS; FOREACH (VAR s IN l) { s.SET_USER(3); }", vb);
  EXPECT_EQ(actions(r.log, vb), (Strings{"SET_USER 1 3", "SET_USER 2 3"}));
  // VAR 1 + 2 fetches; FOREACH 1; per iteration next 1 + SET_USER 1.
  EXPECT_EQ(r.result.steps, 3u + 1u + 4u);
}

TEST(Interp, ReturnInsideForeachEndsTheExecution) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  ExecState st;
  Outcome r = execute("FOREACH (VAR s IN SUBFLOWS) { s.SET_USER(7); RETURN; } SET(R1, 1);", vb, st);
  EXPECT_EQ(r.result.end, EndCause::Return);
  EXPECT_EQ(actions(r.log, vb), (Strings{"SET_USER 1 7"}));
  EXPECT_EQ(st.registers[0], 0);
}

TEST(Interp, ElseIfCountsAsItsOwnIfStatement) {
  ViewBuilder vb;
  ExecState st;
  Outcome r = execute("IF (FALSE) { } ELSE IF (FALSE) { } ELSE { SET(R1, 1); }", vb, st);
  EXPECT_EQ(st.registers[0], 1);
  EXPECT_EQ(r.result.steps, 3u);
}

TEST(Interp, StepLimitAbortsWithAllowancePlusOne) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  ExecState st;
  st.allowance = 3;
  // FOREACH (1), snapshot fetches (2, 3), first iteration fetch (4) exceeds the allowance.
  Outcome r = execute("FOREACH (VAR s IN SUBFLOWS) { VOID(s); }", vb, st);
  EXPECT_EQ(r.result.end, EndCause::StepLimit);
  EXPECT_EQ(r.result.steps, 4u);
}

TEST(Interp, ActionLimitAbortsTheExecution) {
  ViewBuilder vb;
  for (int i = 1; i <= 32; ++i) vb.subflow(i);
  for (int i = 0; i < 2100; ++i) vb.unsent(i * 1400);
  Outcome r = execute("FOREACH (VAR p IN Q) { FOREACH (VAR s IN SUBFLOWS) { s.SET_USER(1); } }", vb);
  EXPECT_EQ(r.result.end, EndCause::ActionLimit);
  EXPECT_EQ(r.log.actions(), kMaxActionsPerExecution);
}

TEST(Interp, RandomIsSplitmix64UpperHalf) {
  ViewBuilder vb;
  ExecState st;
  st.rng = 0;
  execute("SET(R1, RANDOM); SET(R2, RANDOM);", vb, st);
  // splitmix64 from state 0 yields 0xE220A8397B1DCDAF, then 0x6E789E6AA1B965F4.
  EXPECT_EQ(st.registers[0], 0xE220A839LL);
  EXPECT_EQ(st.registers[1], 0x6E789E6ALL);
}

TEST(Interp, MinMaxSumSkipNullKeysAndPreferFirstOnTies) {
  ViewBuilder vb;
  vb.subflow(1, 20);
  vb.subflow(2, 10);
  SubflowSnapshot& s3 = vb.subflow(3, 10);
  s3.has_delay_in = true;
  s3.delay_in_us = 5;
  ExecState st;
  execute(R"(
    SET(R1, SUBFLOWS.MIN(s => s.RTT).ID);
    SET(R2, SUBFLOWS.MAX(s => s.RTT).ID);
    SET(R3, SUBFLOWS.MIN(s => s.DELAY_IN).ID);
    IF (SUBFLOWS.MIN(s => s.DELAY_OUT) == NULL) { SET(R4, 1); }
    SET(R5, SUBFLOWS.SUM(s => s.RTT));
    SET(R6, SUBFLOWS.FILTER(s => s.RTT < 15).COUNT);
  )", vb, st);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{2, 1, 3, 1, 40, 2}));
}

TEST(Interp, SentOnAndWindow) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  vb.window_end = 2800;
  vb.sent(0, {0});
  vb.unsent(1400);
  vb.unsent(2800);
  ExecState st;
  Outcome r = execute(R"(
    IF (QU.TOP.SENT_ON(SUBFLOWS.GET(0))) { SET(R1, 1); }
    IF (QU.TOP.SENT_ON(SUBFLOWS.GET(1))) { SET(R2, 1); } ELSE { SET(R2, 2); }
    IF (QU.TOP.SENT_ON_ALL) { SET(R3, 1); } ELSE { SET(R3, 2); }
    SET(R4, Q.FILTER(p => SUBFLOWS.GET(0).HAS_WINDOW_FOR(p)).COUNT);
    SUBFLOWS.GET(5).PUSH(Q.POP());
    SET(R5, Q.COUNT);
  )", vb, st);
  EXPECT_EQ(st.registers, (std::array<std::int64_t, 6>{1, 2, 2, 1, 2, 0}));
  EXPECT_TRUE(actions(r.log, vb).empty());
}

TEST(Interp, SetIsVisibleInsideLambdas) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(4);
  vb.subflow(7);
  ExecState st;
  execute("SET(R1, 5); SET(R2, SUBFLOWS.FILTER(s => s.ID < R1).COUNT);", vb, st);
  EXPECT_EQ(st.registers[1], 2);
}

TEST(Interp, ClockAndPacketAge) {
  ViewBuilder vb;
  vb.now_us = 5'000'999;
  vb.unsent(0).t_app_us = 1'500'000;
  ExecState st;
  execute("SET(R1, CURRENT_TIME_MS); SET(R2, Q.TOP.AGE_MS); SET(R3, MSS); SET(R4, WINDOW_END);", vb, st);
  EXPECT_EQ(st.registers[0], 5000);
  EXPECT_EQ(st.registers[1], 3500);
  EXPECT_EQ(st.registers[2], 1400);
  EXPECT_EQ(st.registers[3], INT64_MAX);
}

TEST(Interp, DropCarriesStaticOrigin) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.reinject(vb.sent(0, {0}));
  Outcome r = execute("DROP(RQ.POP()); DROP(QU.TOP);", vb);
  EXPECT_EQ(actions(r.log, vb), (Strings{"POP RQ 0", "DROP 0 RQ", "DROP 0 QU"}));
}

TEST(Interp, PrintArgumentsAreTyped) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  Outcome r = execute(R"(PRINT("x %s", SUBFLOWS); PRINT("hi"); PRINT("n %d", 1 / 0); PRINT("s %s", SUBFLOWS.GET(1));)",
                  vb);
  ASSERT_EQ(r.log.prints().size(), 4u);
  EXPECT_EQ(r.log.prints()[0].kind, PrintValue::Kind::SubflowList);
  EXPECT_EQ(r.log.prints()[0].value, 2);
  EXPECT_EQ(r.log.prints()[0].n_elems, 2u);
  EXPECT_EQ(r.log.prints()[0].elems[1], 2);
  EXPECT_EQ(r.log.prints()[1].kind, PrintValue::Kind::None);
  EXPECT_EQ(r.log.prints()[2].kind, PrintValue::Kind::Null);
  EXPECT_EQ(r.log.prints()[3].kind, PrintValue::Kind::Subflow);
  EXPECT_EQ(r.log.prints()[3].value, 2);
}

TEST(Interp, PrintsBeyondTheCapAreCountedNotLogged) {
  ViewBuilder vb;
  for (int i = 0; i < 100; ++i) vb.unsent(i * 1400);
  Outcome r = execute(R"(FOREACH (VAR p IN Q) { PRINT("%d", p); })", vb);
  EXPECT_EQ(r.log.prints().size(), kMaxPrintsPerExecution);
  EXPECT_EQ(r.result.prints_suppressed, 100u - kMaxPrintsPerExecution);
}

TEST(Interp, GetWalksOnlyAsFarAsNeeded) {
  ViewBuilder vb;
  for (int i = 1; i <= 5; ++i) vb.subflow(i);
  ExecState st;
  Outcome r = execute("SET(R1, SUBFLOWS.GET(1).ID); SET(R2, 0); IF (SUBFLOWS.GET(-1) == NULL) { SET(R3, 1); }", vb, st);
  EXPECT_EQ(st.registers[0], 2);
  EXPECT_EQ(st.registers[2], 1);
  // 4 statements; GET(1) fetches 2 elements; GET(-1) walks nothing.
  EXPECT_EQ(r.result.steps, 4u + 2u);
}

}  // namespace
}  // namespace progmp::testing

namespace progmp::testing {
namespace {
// A program without variables over an empty view has an empty scratch arena; the execution must still be clean
// (found under UBSan by the runtime tests).
TEST(Interp, EmptyScratchArena) {
  ViewBuilder vb;
  ExecState st;
  Outcome r = execute("SET(R1, 3);", vb, st);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(st.registers[0], 3);
}
}  // namespace
}  // namespace progmp::testing

// Unit tests of the JIT engine: specific constructs, each checked against the interpreter (and, where the value is
// easy to state, against the expected value), the Steps statement, the action and PRINT limits, deep expressions,
// compilation options, concurrent compilation and the API's error paths.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "compare.hpp"
#include "exec/random_view.hpp"
#include "progmp/exec/jit.hpp"
#include "progmp/ir/nodes.hpp"

namespace progmp::testing {
namespace {

std::unique_ptr<Executable> jit_ok(const std::shared_ptr<const ir::Module>& m, const jit::Options& o = {}) {
  std::string error;
  auto exe = jit::compile(m, error, nullptr, o);
  EXPECT_TRUE(exe) << error;
  return exe;
}

ViewBuilder small_view() {
  ViewBuilder vb;
  vb.subflow(1, 30000, 10, 2);
  vb.subflow(2, 20000, 5, 5);
  vb.subflow(4, 50000, 8, 1).has_delay_in = true;
  vb.sent(0, {0});
  vb.sent(1400, {0, 1});
  vb.sent(2800, {});
  vb.reinject(*vb.qu[1]);
  for (int i = 0; i < 5; ++i) vb.unsent(4200 + 1400 * i);
  vb.now_us = 1'234'567;
  vb.window_end = 9000;
  return vb;
}

// Runs `src` on both engines over a few views, states and allowances (0 … steps + 1 of the unlimited run).
void check_agrees(const std::string& src, const ViewBuilder& vb, ExecState initial = {}) {
  auto m = compile_ok(src);
  ASSERT_TRUE(m);
  auto interp = interp::make_executable(m);
  auto jit = jit_ok(m);
  ASSERT_TRUE(jit);
  Totals t;
  ASSERT_TRUE(agree(src, "unit", *interp, *jit, vb, initial, t));
  // Every abort point.
  ExecScratch s;
  ExecState st = initial;
  st.scratch = &s;
  EffectLog log;
  interp->prepare(vb.view(), s);
  log.reserve(100);
  const std::uint64_t steps = interp->run(vb.view(), st, log).steps;
  for (std::uint64_t a = 0; a <= steps + 1 && a < 400; ++a) {
    ExecState limited = initial;
    limited.allowance = a;
    ASSERT_TRUE(agree(src, "unit allowance " + std::to_string(a), *interp, *jit, vb, limited, t));
  }
}

// One JIT execution.
struct JitRun {
  ExecResult result;
  ExecState state;
  EffectLog log;
};
JitRun run_jit(const std::string& src, const ViewBuilder& vb, ExecState state = {}) {
  JitRun r;
  auto m = compile_ok(src);
  if (!m) return r;
  auto jit = jit_ok(m);
  if (!jit) return r;
  ExecScratch scratch;
  const SchedulerView v = vb.view();
  jit->prepare(v, scratch);
  r.log.reserve(v.q.size() + v.qu.size() + v.rq.size());
  state.scratch = &scratch;
  r.result = jit->run(v, state, r.log);
  state.scratch = nullptr;
  r.state = state;
  return r;
}

TEST(Jit, EngineNameAndIr) {
  auto m = compile_ok("VAR x = SUBFLOWS.MIN(s => s.RTT);\nIF (x != NULL) { x.PUSH(Q.POP()); }\n");
  auto exe = jit_ok(m);
  ASSERT_TRUE(exe);
  EXPECT_EQ(exe->engine_name(), "jit");
  const std::string ir = jit::llvm_ir(*m);
  EXPECT_NE(ir.find("define i32 @progmp_jit_"), std::string::npos) << ir;
  EXPECT_EQ(ir.find("alloca i64"), std::string::npos) << "variables are promoted to SSA\n" << ir;
  jit::CompileInfo info;
  std::string error;
  ASSERT_TRUE(jit::compile(m, error, &info));
  EXPECT_GT(info.compile_ms, 0);
  EXPECT_GT(info.llvm_instructions, 10u);
}

TEST(Jit, NullModuleIsAnError) {
  std::string error;
  EXPECT_FALSE(jit::compile(nullptr, error));
  EXPECT_FALSE(error.empty());
}

TEST(Jit, ArithmeticEdgesWrapAndGuardDivision) {
  ViewBuilder vb = small_view();
  ExecState st;
  st.registers = {INT64_MIN, -1, 0, 7, INT64_MAX, 3};
  const std::string src =
      "SET(R1, R1 / R2);\n"          // INT64_MIN / -1 = INT64_MIN
      "SET(R2, R5 + R5);\n"          // wraps to -2
      "SET(R3, R4 % R3);\n"          // NULL: R3 keeps 0
      "SET(R4, R6 * R5);\n"          // wraps
      "SET(R5, -R1);\n"              // -INT64_MIN = INT64_MIN
      "SET(R6, R1 % -1);\n";         // 0
  const JitRun r = run_jit(src, vb, st);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(r.state.registers[0], INT64_MIN);
  EXPECT_EQ(r.state.registers[1], -2);
  EXPECT_EQ(r.state.registers[2], 0);
  EXPECT_EQ(r.state.registers[3], static_cast<std::int64_t>(3ull * static_cast<std::uint64_t>(INT64_MAX)));
  EXPECT_EQ(r.state.registers[4], INT64_MIN);
  EXPECT_EQ(r.state.registers[5], 0);
  EXPECT_EQ(r.result.steps, 6u);
  check_agrees(src, vb, st);
  check_agrees("SET(R1, R2 / R3); SET(R4, R5 % R6); SET(R1, (R1 - 5) / (R2 + 1) % (R3 - 2));", vb,
               ExecState{{INT64_MIN, -1, 0, 9, -9, 4}, 0, 1'000'000, nullptr, {}});
}

TEST(Jit, ShortCircuitDrawsAndNullPropagation) {
  ViewBuilder vb = small_view();
  const std::string src =
      "IF (R1 > 0 AND RANDOM > 5) { SET(R2, 1); }\n"
      "IF (R1 == 0 OR RANDOM > 5) { SET(R3, RANDOM); }\n"
      "VAR n = SUBFLOWS.FILTER(s => s.RTT > 1000000).GET(0);\n"
      "SET(R4, n.RTT);\n"
      "SET(R5, n.RTT + 1);\n"
      "IF (n == NULL) { SET(R6, 42); }\n"
      "IF (!(n.RTT > 0)) { SET(R6, 43); }\n";
  for (std::int64_t r1 : {0, 1}) {
    ExecState st;
    st.registers = {r1, 0, 0, 5, 6, 0};
    st.rng = 99;
    const JitRun r = run_jit(src, vb, st);
    EXPECT_EQ(r.state.registers[3], 5);  // NULL keeps the register
    EXPECT_EQ(r.state.registers[4], 6);
    EXPECT_EQ(r.state.registers[5], 42);
    check_agrees(src, vb, st);
  }
}

TEST(Jit, PropertiesOfSubflowsAndPackets) {
  ViewBuilder vb = small_view();
  vb.subflows[1].has_delay_out = true;
  vb.subflows[1].delay_out_us = 777;
  vb.packets[4].psh = true;
  vb.packets[4].t_app_us = 1000;
  const std::string src =
      "FOREACH (VAR s IN SUBFLOWS) {\n"
      "  PRINT(\"%d\", s.RTT_MS); PRINT(\"%d\", s.DELAY_IN); PRINT(\"%d\", s.DELAY_OUT);\n"
      "  PRINT(\"%d\", s.CWND + s.SKBS_IN_FLIGHT + s.QUEUED + s.LOST_SKBS + s.SSTHRESH + s.RTT_VAR);\n"
      "  PRINT(\"%b\", s.IS_BACKUP OR s.THROTTLED OR !s.LOSSY); PRINT(\"%s\", s);\n"
      "  PRINT(\"%b\", s.HAS_WINDOW_FOR(Q.TOP)); PRINT(\"%b\", QU.TOP.SENT_ON(s));\n"
      "}\n"
      "FOREACH (VAR p IN QU) { PRINT(\"%b\", p.SENT_ON_ALL); PRINT(\"%d\", p.AGE_MS); PRINT(\"%p\", p); }\n"
      "FOREACH (VAR p IN Q) { PRINT(\"%b\", p.PSH); PRINT(\"%d\", p.SEQ + p.LENGTH + p.USER); }\n"
      "PRINT(\"%d\", CURRENT_TIME_MS + WINDOW_END + MSS);\n"
      "PRINT(\"%s\", Q.TOP.SEQ > 0);\n"
      "PRINT(\"%s\", NULL);\n"
      "PRINT(\"hello\");\n";
  check_agrees(src, vb);
}

TEST(Jit, ListOperationsAndPops) {
  ViewBuilder vb = small_view();
  const std::string src =
      "VAR fast = SUBFLOWS.FILTER(s => s.RTT < 40).FILTER(s => s.CWND > s.SKBS_IN_FLIGHT);\n"
      "SET(R1, fast.COUNT); SET(R2, SUBFLOWS.SUM(s => s.RTT)); SET(R3, Q.COUNT);\n"
      "IF (!fast.EMPTY) { fast.MIN(s => s.RTT).PUSH(Q.POP()); }\n"
      "SET(R4, Q.COUNT + QU.FILTER(p => p.SEQ > 0).COUNT);\n"
      "VAR p = Q.FILTER(p => p.SEQ > 6000).POP();\n"
      "SUBFLOWS.MAX(s => s.RTT).PUSH(p);\n"
      "DROP(RQ.POP());\n"
      "VAR u = QU.POP();\n"
      "SET(R5, QU.COUNT * 100 + RQ.COUNT * 10 + Q.FILTER(x => TRUE).COUNT);\n"
      "SET(R6, SUBFLOWS.GET(2).ID + SUBFLOWS.GET(-1).ID);\n"
      "PRINT(\"%s\", Q); PRINT(\"%s\", fast); VOID(QU.FILTER(x => x.SEQ > 0)); VOID(Q.EMPTY);\n"
      "FOREACH (VAR s IN fast) { s.SET_USER(u.SEQ); }\n"
      "SUBFLOWS.GET(0).PUSH(Q.TOP);\n";
  check_agrees(src, vb);
  ViewBuilder empty;
  check_agrees(src, empty);
}

TEST(Jit, ListPrintsCarryTheFirst17Elements) {
  ViewBuilder vb;
  vb.subflow(1);
  for (int i = 0; i < 40; ++i) vb.unsent(i * 100, 100);
  const JitRun r = run_jit("PRINT(\"%s\", Q.FILTER(p => p.SEQ > 50));", vb);
  ASSERT_EQ(r.log.prints().size(), 1u);
  const PrintValue& pv = r.log.prints()[0];
  EXPECT_EQ(pv.kind, PrintValue::Kind::PacketList);
  EXPECT_EQ(pv.value, 39);
  EXPECT_EQ(pv.n_elems, 17u);
  EXPECT_EQ(pv.elems[0], 100);
  EXPECT_EQ(pv.elems[16], 1700);
  check_agrees("PRINT(\"%s\", Q.FILTER(p => p.SEQ > 50)); PRINT(\"%s\", SUBFLOWS);", vb);
}

TEST(Jit, PrintCapCountsSuppressedPrints) {
  ViewBuilder vb;
  vb.subflow(1);
  for (int i = 0; i < 100; ++i) vb.unsent(i * 100, 100);
  const std::string src = "FOREACH (VAR p IN Q) { PRINT(\"%p\", p); }";
  const JitRun r = run_jit(src, vb);
  EXPECT_EQ(r.log.prints().size(), kMaxPrintsPerExecution);
  EXPECT_EQ(r.result.prints_suppressed, 100 - kMaxPrintsPerExecution);
  check_agrees(src, vb);
}

TEST(Jit, ActionLimitAborts) {
  ViewBuilder vb;
  vb.subflow(1);
  for (int i = 0; i < 300; ++i) vb.unsent(i * 100, 100);
  const std::string src = "FOREACH (VAR p IN Q) { FOREACH (VAR r IN Q) { SUBFLOWS.GET(0).SET_USER(r.SEQ); } }";
  const JitRun r = run_jit(src, vb);
  EXPECT_EQ(r.result.end, EndCause::ActionLimit);
  EXPECT_EQ(r.log.actions(), kMaxActionsPerExecution);
  auto m = compile_ok(src);
  auto interp = interp::make_executable(m);
  auto jit = jit_ok(m);
  Totals t;
  EXPECT_TRUE(agree(src, "action limit", *interp, *jit, vb, ExecState{}, t));
}

// More effects than the JIT buffers between hand-overs to the log, interleaved with PRINTs, aborted at every point.
TEST(Jit, ManyEffectsKeepTheirOrderAtEveryAbortPoint) {
  ViewBuilder vb;
  vb.subflow(1);
  vb.subflow(2);
  for (int i = 0; i < 50; ++i) vb.unsent(i * 100, 100);
  const std::string src =
      "FOREACH (VAR p IN Q) {\n"
      "  SUBFLOWS.GET(p.SEQ / 100 % 2).PUSH(p);\n"
      "  IF (p.SEQ % 700 == 0) { PRINT(\"%p\", p); }\n"
      "  DROP(p);\n"
      "}\n"
      "DROP(Q.POP()); SUBFLOWS.GET(1).SET_USER(RANDOM);\n";
  const JitRun r = run_jit(src, vb);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(r.log.actions(), 102u);
  EXPECT_EQ(r.log.entries().size(), 103u + 8u);
  check_agrees(src, vb);
}

// The IR statement Steps adds its count at once, with the interpreter's abort rule.
TEST(Jit, StepsStatement) {
  auto m = std::make_shared<ir::Module>();
  ir::Instr steps;
  steps.op = ir::StmtOp::Steps;
  steps.a = 5;
  ir::Instr set;
  set.op = ir::StmtOp::Set;
  set.aux = 0;
  set.a = 0;
  ir::Node one;
  one.op = ir::ExprOp::ConstInt;
  one.imm = 1;
  m->nodes.push_back(one);
  ir::Instr ret;
  ret.op = ir::StmtOp::Return;
  ir::Instr end;
  end.op = ir::StmtOp::End;
  m->code = {steps, set, steps, ret, end};
  std::shared_ptr<const ir::Module> cm = m;
  auto interp = interp::make_executable(cm);
  auto jit = jit_ok(cm);
  ASSERT_TRUE(jit);
  ViewBuilder vb;
  Totals t;
  for (std::uint64_t a = 0; a < 16; ++a) {
    ExecState st;
    st.allowance = a;
    EXPECT_TRUE(agree("(IR: Steps 5; SET(R1, 1); Steps 5; RETURN)", "steps", *interp, *jit, vb, st, t));
  }
  const JitRun r = [&] {
    JitRun out;
    ExecScratch s;
    out.state.scratch = &s;
    jit->prepare(vb.view(), s);
    out.result = jit->run(vb.view(), out.state, out.log);
    return out;
  }();
  EXPECT_EQ(r.result.end, EndCause::Return);
  EXPECT_EQ(r.result.steps, 12u);
  EXPECT_EQ(r.state.registers[0], 1);
}

// Deep syntax trees (near the front end's nesting limit) compile to flat code and still agree.
TEST(Jit, DeepExpressions) {
  std::string e = "R1";
  for (int i = 0; i < 120; ++i) e = "(" + e + (i % 3 == 0 ? " + 1)" : i % 3 == 1 ? " * 3)" : " / R2)");
  std::string b = "R3 > 0";
  for (int i = 0; i < 120; ++i) b = "(" + b + (i % 2 ? " AND R4 < 10)" : " OR R5 == 2)");
  const std::string src = "SET(R6, " + e + ");\nIF (" + b + ") { SET(R1, RANDOM); }\n"
                          "VAR x = SUBFLOWS.MIN(s => s.RTT);\nIF (x != NULL) { x.PUSH(Q.POP()); }\n";
  ViewBuilder vb = small_view();
  for (std::int64_t r2 : {0, -1, 2, 7}) {
    ExecState st;
    st.registers = {INT64_MIN, r2, 1, 3, 2, 0};
    check_agrees(src, vb, st);
  }
}

// Every combination of optimisation levels computes the same thing.
TEST(Jit, OptionLevelsAgree) {
  const std::string src =
      "VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY);\n"
      "IF (ready.EMPTY) { RETURN; }\n"
      "VAR lost = RQ.TOP;\n"
      "IF (lost != NULL) {\n"
      "  VAR alt = ready.FILTER(f => !lost.SENT_ON(f)).MIN(f => f.RTT);\n"
      "  IF (alt != NULL) { alt.PUSH(RQ.POP()); RETURN; }\n"
      "}\n"
      "ready.MIN(f => f.RTT).PUSH(Q.POP());\n"
      "SET(R1, R1 + RANDOM % 3);\n";
  auto m = compile_ok(src);
  auto interp = interp::make_executable(m);
  std::mt19937_64 rng(5);
  Totals t;
  for (int ir = 0; ir <= 2; ++ir)
    for (int cg = 0; cg <= 3; ++cg) {
      auto jit = jit_ok(m, jit::Options{ir, cg});
      ASSERT_TRUE(jit);
      for (int v = 0; v < 20; ++v) {
        const ViewBuilder vb = random_view(rng, v % 2 == 1);
        const ExecState st = random_state(rng, v % 3 == 2 ? rng() % 30 : 1'000'000);
        ASSERT_TRUE(agree(src, "levels " + std::to_string(ir) + "," + std::to_string(cg), *interp, *jit, vb, st, t));
      }
    }
}

// Compilation from several threads at once, executions on other threads meanwhile, executables destroyed while
// others compile.
TEST(Jit, ConcurrentCompilationAndExecution) {
  const std::string src = "VAR x = SUBFLOWS.MIN(s => s.RTT + R1);\nIF (x != NULL) { x.PUSH(Q.POP()); }\n";
  auto m = compile_ok(src);
  auto interp = interp::make_executable(m);
  auto shared = jit_ok(m);
  ASSERT_TRUE(shared);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < 3; ++k) {
    threads.emplace_back([&, k] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(k) + 11);
      for (int i = 0; i < 10; ++i) {
        std::string error;
        auto exe = jit::compile(m, error);
        if (!exe) {
          ++failures;
          continue;
        }
        for (int v = 0; v < 5; ++v) {
          const ViewBuilder vb = random_view(rng);
          const SchedulerView view = vb.view();
          ExecState a = random_state(rng, 1'000'000), b = a;
          ExecScratch sa, sb;
          a.scratch = &sa;
          b.scratch = &sb;
          exe->prepare(view, sa);
          shared->prepare(view, sb);
          EffectLog la, lb;
          la.reserve(64);
          lb.reserve(64);
          const ExecResult ra = exe->run(view, a, la);
          const ExecResult rb = shared->run(view, b, lb);
          if (ra.steps != rb.steps || a.registers != b.registers || !same_log(la, lb)) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace progmp::testing

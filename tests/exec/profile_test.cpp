// Profiling runs of the interpreter (ExecState::instr_counts, docs/profiling.md): exact per-instruction counts on
// hand-made programs and views, and executions that are identical with and without counting.
#include <gtest/gtest.h>

#include <random>

#include "progmp/ir/nodes.hpp"
#include "progmp/ir/passes.hpp"
#include "random_view.hpp"
#include "support/program_gen.hpp"
#include "view_builder.hpp"

namespace progmp::testing {
namespace {

struct Counted {
  ExecResult result;
  std::vector<std::string> effects;
};

// `times` executions of `module` over `vb`, counting into `counts` when it is non-empty.
Counted run_counted(const std::shared_ptr<const ir::Module>& module, const ViewBuilder& vb,
                std::vector<std::uint64_t>& counts, int times = 1, std::uint64_t allowance = 1'000'000) {
  auto exe = interp::make_executable(module);
  const SchedulerView v = vb.view();
  ExecScratch scratch;
  exe->prepare(v, scratch);
  Counted r;
  for (int i = 0; i < times; ++i) {
    EffectLog log;
    log.reserve(v.q.size() + v.qu.size() + v.rq.size());
    ExecState st;
    st.scratch = &scratch;
    st.allowance = allowance;
    st.instr_counts = counts;
    r.result = exe->run(v, st, log);
    r.effects = actions(log, vb);
  }
  return r;
}

// The count of the first instruction on `line` (the statement's entry).
std::uint64_t line_count(const ir::Module& m, const std::vector<std::uint64_t>& counts, std::uint32_t line) {
  for (std::size_t pc = 0; pc < m.code.size(); ++pc)
    if (m.lines[pc] == line) return counts[pc];
  ADD_FAILURE() << "no instruction on line " << line;
  return 0;
}

std::uint64_t op_count(const ir::Module& m, const std::vector<std::uint64_t>& counts, ir::StmtOp op) {
  for (std::size_t pc = 0; pc < m.code.size(); ++pc)
    if (m.code[pc].op == op) return counts[pc];
  ADD_FAILURE() << "no " << ir::stmt_op_name(op);
  return 0;
}

const char* kForeach =
    "SCHEDULER each;\n"                      // 1
    "VAR n = 0;\n"                           // 2
    "FOREACH (VAR p IN Q) {\n"               // 3
    "  SUBFLOWS.MIN(s => s.RTT).PUSH(p);\n"  // 4
    "}\n"                                    // 5
    "IF (Q.COUNT > 5) {\n"                   // 6
    "  DROP(Q.POP());\n"                     // 7
    "}\n";                                   // 8

ViewBuilder three_packets() {
  ViewBuilder vb;
  vb.subflow(1, 20000);
  vb.subflow(2, 10000);
  vb.unsent(0);
  vb.unsent(1400);
  vb.unsent(2800);
  return vb;
}

TEST(Profile, ForeachBodyIsCountedOncePerElement) {
  const auto m = compile_ok(kForeach);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->lines.size(), m->code.size());
  std::vector<std::uint64_t> counts(m->code.size(), 0);
  const Counted r = run_counted(m, three_packets(), counts);
  EXPECT_EQ(r.result.end, EndCause::End);
  EXPECT_EQ(line_count(*m, counts, 2), 1u);  // VAR n
  EXPECT_EQ(line_count(*m, counts, 3), 1u);  // the loop was entered once ...
  EXPECT_EQ(op_count(*m, counts, ir::StmtOp::ForeachNext), 4u);  // ... took 3 elements and found the end
  EXPECT_EQ(line_count(*m, counts, 4), 3u);  // the body, once per packet
  EXPECT_EQ(line_count(*m, counts, 6), 1u);  // the IF
  EXPECT_EQ(line_count(*m, counts, 7), 0u);  // never taken
  EXPECT_EQ(op_count(*m, counts, ir::StmtOp::End), 1u);

  // Counters accumulate over executions.
  std::fill(counts.begin(), counts.end(), 0);
  run_counted(m, three_packets(), counts, 5);
  EXPECT_EQ(line_count(*m, counts, 4), 15u);
  EXPECT_EQ(line_count(*m, counts, 3), 5u);
  EXPECT_EQ(line_count(*m, counts, 7), 0u);
}

TEST(Profile, OptimisedModuleCountsTheSameStatements) {
  const auto lowered = compile_ok(kForeach);
  ASSERT_TRUE(lowered);
  const auto m = ir::optimise(*lowered);
  std::vector<std::uint64_t> counts(m->code.size(), 0);
  run_counted(m, three_packets(), counts, 2);
  // `VAR n = 0` is never read: it became Steps on its own line.
  EXPECT_EQ(line_count(*m, counts, 2), 2u);
  EXPECT_EQ(line_count(*m, counts, 4), 6u);
  EXPECT_EQ(line_count(*m, counts, 6), 2u);
  EXPECT_EQ(line_count(*m, counts, 7), 0u);
}

TEST(Profile, EveryInstructionOnTheTakenPathIsCounted) {
  // No loops: every counter is 0 or the number of executions; which ones follows the branches.
  const char* src =
      "IF (Q.EMPTY) {\n"
      "  RETURN;\n"
      "} ELSE {\n"
      "  SET(R1, 7);\n"
      "}\n";
  const auto m = compile_ok(src);
  ASSERT_TRUE(m);
  std::vector<std::uint64_t> counts(m->code.size(), 0);
  ViewBuilder empty;
  empty.subflow(1);
  run_counted(m, empty, counts, 3);
  std::string got;
  for (std::size_t pc = 0; pc < m->code.size(); ++pc)
    got += std::string(ir::stmt_op_name(m->code[pc].op)) + "=" + std::to_string(counts[pc]) + " ";
  EXPECT_EQ(got, "IfNot=3 Return=3 Jump=0 Set=0 End=0 ");

  std::fill(counts.begin(), counts.end(), 0);
  run_counted(m, three_packets(), counts, 2);
  got.clear();
  for (std::size_t pc = 0; pc < m->code.size(); ++pc)
    got += std::string(ir::stmt_op_name(m->code[pc].op)) + "=" + std::to_string(counts[pc]) + " ";
  EXPECT_EQ(got, "IfNot=2 Return=0 Jump=0 Set=2 End=2 ");
}

TEST(Profile, AbortedExecutionCountsUpToTheAbort) {
  const auto m = compile_ok(kForeach);
  ASSERT_TRUE(m);
  std::vector<std::uint64_t> counts(m->code.size(), 0);
  // VAR (1) + FOREACH (1 + 3 fetches into its snapshot) = 5 steps: the first element's fetch aborts.
  const Counted r = run_counted(m, three_packets(), counts, 1, 5);
  EXPECT_EQ(r.result.end, EndCause::StepLimit);
  EXPECT_EQ(r.result.steps, 6u);
  EXPECT_EQ(line_count(*m, counts, 2), 1u);
  EXPECT_EQ(line_count(*m, counts, 3), 1u);
  EXPECT_EQ(op_count(*m, counts, ir::StmtOp::ForeachNext), 1u);  // the instruction that aborted is counted
  EXPECT_EQ(line_count(*m, counts, 4), 0u);
  EXPECT_EQ(line_count(*m, counts, 6), 0u);
  EXPECT_EQ(op_count(*m, counts, ir::StmtOp::End), 0u);
}

TEST(Profile, EmptyOrShortCountersCountNothing) {
  const auto m = compile_ok(kForeach);
  ASSERT_TRUE(m);
  std::vector<std::uint64_t> none;
  const Counted plain = run_counted(m, three_packets(), none);
  // A table shorter than the code is not written to (the run is not counted).
  std::vector<std::uint64_t> short_table(m->code.size() - 1, 0);
  const Counted shorter = run_counted(m, three_packets(), short_table);
  EXPECT_EQ(short_table, std::vector<std::uint64_t>(m->code.size() - 1, 0));
  EXPECT_EQ(plain.result.steps, shorter.result.steps);
  EXPECT_EQ(plain.effects, shorter.effects);
}

// Counting changes nothing else: results, steps, effects, registers and draws are those of a plain run, for random
// programs over random views (lowered and optimised), also under small allowances.
TEST(Profile, CountingLeavesEveryExecutionUnchanged) {
  std::mt19937_64 rng(42);
  int compared = 0;
  for (int seed = 0; seed < 600; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull + 3);
    const std::string src = gen.program(5 + seed % 8);
    const auto lowered = compile_ok(src);
    ASSERT_TRUE(lowered);
    for (const auto& m : {lowered, ir::optimise(*lowered)}) {
      const ViewBuilder vb = random_view(rng);
      const SchedulerView v = vb.view();
      auto exe = interp::make_executable(m);
      const std::uint64_t allowance = seed % 3 == 0 ? 1 + rng() % 40 : 1'000'000;
      const std::uint64_t seed_rng = rng();
      auto once = [&](std::span<std::uint64_t> counts, ExecState& st, EffectLog& log) {
        ExecScratch scratch;
        exe->prepare(v, scratch);
        log.reserve(v.q.size() + v.qu.size() + v.rq.size());
        st.scratch = &scratch;
        st.allowance = allowance;
        st.rng = seed_rng;
        st.registers = {1, 2, 3, 4, 5, 6};
        st.instr_counts = counts;
        const ExecResult r = exe->run(v, st, log);
        st.scratch = nullptr;
        return r;
      };
      std::vector<std::uint64_t> counts(m->code.size(), 0);
      ExecState a, b;
      EffectLog la, lb;
      const ExecResult ra = once({}, a, la);
      const ExecResult rb = once(counts, b, lb);
      ASSERT_EQ(ra.end, rb.end) << src;
      ASSERT_EQ(ra.steps, rb.steps) << src;
      ASSERT_EQ(ra.prints_suppressed, rb.prints_suppressed) << src;
      ASSERT_EQ(a.registers, b.registers) << src;
      ASSERT_EQ(a.rng, b.rng) << src;
      ASSERT_EQ(actions(la, vb), actions(lb, vb)) << src;
      // The entry is always executed, exactly once.
      ASSERT_EQ(counts[0], 1u) << src;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 1200);
}

}  // namespace
}  // namespace progmp::testing

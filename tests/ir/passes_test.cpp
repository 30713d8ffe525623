// The optimisation passes (progmp/ir/passes.hpp), each on small programs: what the IR looks like before and after.
// That the optimised IR behaves exactly like the lowered one (steps, effects, draws, aborts) is checked by executing
// both on the interpreter, for these examples and for thousands of random programs, in
// tests/exec/passes_differential_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/pass_examples.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"

namespace progmp::ir {
namespace {

using testing::count_stmt;
using testing::live_expr_ops;
using testing::opcodes;
using testing::steps_total;
using testing::validate_module;

std::shared_ptr<const Module> lower_ok(const std::string& src) {
  auto out = lang::compile(src);
  EXPECT_TRUE(out.program) << lang::format_diagnostics_text(out.diagnostics, "<t>", src);
  return out.program ? lower(*out.program) : nullptr;
}

const char* example(const std::string& name) {
  for (const auto& e : testing::pass_examples())
    if (name == e.name) return e.source;
  ADD_FAILURE() << "no example " << name;
  return "";
}

struct Optimised {
  std::shared_ptr<const Module> lowered;
  std::shared_ptr<const Module> optimised;
  std::vector<PassSnapshot> trace;
  const std::string& after(const std::string& pass) const {
    for (const auto& s : trace)
      if (s.pass == pass) return s.listing;
    static const std::string none;
    ADD_FAILURE() << "no pass " << pass;
    return none;
  }
};

Optimised optimise_src(const std::string& src) {
  Optimised r;
  r.lowered = lower_ok(src);
  if (!r.lowered) return r;
  r.optimised = optimise(*r.lowered, &r.trace);
  EXPECT_EQ(validate_module(*r.optimised), "") << format(*r.optimised);
  return r;
}

// The value node of the i-th instruction with opcode op.
const Node& operand(const Module& m, StmtOp op, int i = 0) {
  for (const Instr& in : m.code)
    if (in.op == op && i-- == 0) return m.nodes[in.op == StmtOp::VarScalar ? in.b : in.a];
  static const Node none{};
  ADD_FAILURE() << "no " << stmt_op_name(op);
  return none;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ---- pipeline ---------------------------------------------------------------------------------------------------

TEST(Passes, PipelineAndTrace) {
  EXPECT_EQ(pass_names(), (std::vector<std::string>{"constant-fold", "dead-code", "merge-blocks"}));
  Optimised r = optimise_src(example("merging"));
  ASSERT_EQ(r.trace.size(), 4u);
  EXPECT_EQ(r.trace[0].pass, "lowered");
  EXPECT_EQ(r.trace[0].listing, format(*r.lowered));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(r.trace[i + 1].pass, pass_names()[i]);
  EXPECT_EQ(r.trace.back().listing, format(*r.optimised));
  // The input is not modified; without a trace the result is the same.
  EXPECT_EQ(format(*r.lowered), r.trace[0].listing);
  EXPECT_EQ(format(*optimise(*r.lowered)), format(*r.optimised));
}

TEST(Passes, EveryExampleIsValidAndIdempotent) {
  for (const auto& e : testing::pass_examples()) {
    Optimised r = optimise_src(e.source);
    ASSERT_TRUE(r.optimised) << e.name;
    EXPECT_NE(format(*r.lowered), format(*r.optimised)) << e.name;
    EXPECT_LE(r.optimised->code.size(), r.lowered->code.size()) << e.name;
    // Running the pipeline again finds nothing more to do.
    EXPECT_EQ(format(*optimise(*r.optimised)), format(*r.optimised)) << e.name;
  }
}

TEST(Passes, LibrarySchedulersStayValid) {
  // minrtt has nothing to fold: the optimiser leaves it as it is.
  Optimised r = optimise_src(
      "VAR usable = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);\n"
      "IF (usable.EMPTY) { RETURN; }\nVAR next = Q.TOP;\n"
      "usable.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());\n");
  EXPECT_EQ(format(*r.lowered), format(*r.optimised));
}

// ---- constant-fold ----------------------------------------------------------------------------------------------

TEST(ConstantFold, ArithmeticWrapsAndDividesLikeTheInterpreter) {
  Optimised r = optimise_src(example("arithmetic"));
  const std::string& folded = r.after("constant-fold");
  EXPECT_FALSE(contains(folded, "Add")) << folded;
  EXPECT_FALSE(contains(folded, "Div")) << folded;
  EXPECT_FALSE(contains(folded, "Mod")) << folded;
  const Module& m = *r.optimised;
  EXPECT_EQ(opcodes(m), "Set Set Set Set Steps End");
  EXPECT_EQ(operand(m, StmtOp::Set, 0).imm, -6);
  EXPECT_EQ(operand(m, StmtOp::Set, 1).imm, INT64_MIN);  // INT64_MIN / -1
  EXPECT_EQ(operand(m, StmtOp::Set, 2).imm, -4);         // INT64_MIN % -1 + 7 / -2 + -7 % 3 = 0 - 3 - 1
  EXPECT_EQ(operand(m, StmtOp::Set, 3).imm, INT64_MIN);  // INT64_MAX + 1 wraps
  for (int i = 0; i < 4; ++i) EXPECT_EQ(operand(m, StmtOp::Set, i).op, ExprOp::ConstInt);
  // SET(R5, 7 / 0) and SET(R6, R1 % 0) set NULL: the register keeps its value; only their steps remain.
  EXPECT_EQ(steps_total(m), 2u);
}

TEST(ConstantFold, ComparisonsNullTestsAndPropagatedNull) {
  Optimised r = optimise_src(example("comparisons"));
  const Module& m = *r.optimised;
  EXPECT_EQ(count_stmt(m, StmtOp::IfNot), 0) << format(m);
  EXPECT_EQ(count_stmt(m, StmtOp::VarScalar), 0) << format(m);
  EXPECT_EQ(count_stmt(m, StmtOp::Set), 3);  // R1 = 11, R2 = 12, R4 = 2 (R1 == NULL: a register is never NULL)
  EXPECT_EQ(operand(m, StmtOp::Set, 2).imm, 2);
  // PRINT(n) with n = NULL prints the constant NULL.
  for (const Instr& in : m.code)
    if (in.op == StmtOp::Print) {
      EXPECT_EQ(m.nodes[in.b].op, ExprOp::ConstNull);
    }
  // 2 VARs, 4 IFs; the statements kept count themselves.
  EXPECT_EQ(steps_total(m), 6u);
}

TEST(ConstantFold, PropagatesSlotsBoundOnceToAConstant) {
  Optimised r = optimise_src(example("propagation"));
  const std::string& folded = r.after("constant-fold");
  EXPECT_TRUE(contains(folded, "ConstInt 10")) << folded;  // j = k * 2
  const Module& m = *r.optimised;
  const auto ops = live_expr_ops(m);
  EXPECT_EQ(ops.count(ExprOp::Local), 0u) << format(m);
  EXPECT_EQ(ops.count(ExprOp::Mul), 0u);
  EXPECT_EQ(count_stmt(m, StmtOp::VarScalar), 0);
  EXPECT_EQ(count_stmt(m, StmtOp::IfNot), 0);
  EXPECT_EQ(count_stmt(m, StmtOp::ForeachNext), 1);  // the loop stays, its VAR c = 4 became a step
  EXPECT_EQ(opcodes(m), "Steps Set ForeachChain ForeachNext Steps Set Jump Print End");
  EXPECT_EQ(m.code[0].a, 4u);  // VAR k, VAR j, VAR b, IF (b)
}

TEST(ConstantFold, ShortCircuitKeepsDraws) {
  Optimised r = optimise_src(example("short_circuit"));
  const Module& m = *r.optimised;
  const auto ops = live_expr_ops(m);
  // FALSE AND RANDOM > 5: never drawn, gone. RANDOM > 5 OR TRUE: drawn, kept. SET(R5, RANDOM), SET(R6, RANDOM) kept;
  // TRUE OR RANDOM > 1: never drawn.
  EXPECT_EQ(ops.count(ExprOp::Random), 3u) << format(m);
  EXPECT_EQ(ops.count(ExprOp::And), 0u);
  EXPECT_EQ(ops.count(ExprOp::Or), 1u);  // RANDOM > 5 OR TRUE, evaluated by a Void
  // R1 > 0 AND TRUE is R1 > 0 as an IF condition, R2 > 0 OR FALSE likewise.
  EXPECT_EQ(count_stmt(m, StmtOp::IfNot), 2);
  EXPECT_EQ(operand(m, StmtOp::IfNot, 0).op, ExprOp::Gt);
  EXPECT_EQ(operand(m, StmtOp::IfNot, 1).op, ExprOp::Gt);
  // The always-true condition with a draw is evaluated by a Void.
  EXPECT_EQ(count_stmt(m, StmtOp::Void), 1);
}

TEST(ConstantFold, NeverFoldsRegistersTimeRandomOrTheView) {
  Optimised r = optimise_src("SET(R1, R1 - R1);\nSET(R2, CURRENT_TIME_MS - CURRENT_TIME_MS);\nSET(R3, RANDOM * 0);\n"
                       "SET(R4, MSS + WINDOW_END);\nVAR s = SUBFLOWS.GET(0);\nIF (s != NULL) { SET(R5, s.RTT * 0); }\n");
  const auto ops = live_expr_ops(*r.optimised);
  EXPECT_EQ(ops.count(ExprOp::Reg), 2u);
  EXPECT_EQ(ops.count(ExprOp::NowMs), 2u);
  EXPECT_EQ(ops.count(ExprOp::Random), 1u);
  EXPECT_EQ(ops.count(ExprOp::Mss), 1u);
  EXPECT_EQ(ops.count(ExprOp::WindowEnd), 1u);
  EXPECT_EQ(ops.count(ExprOp::SfFieldLocal), 1u);
  EXPECT_EQ(ops.count(ExprOp::ListGet), 1u);
  EXPECT_EQ(count_stmt(*r.optimised, StmtOp::Steps), 0);
}

TEST(ConstantFold, AlgebraicIdentitiesAndConstantsInLambdas) {
  Optimised r = optimise_src(example("foreach_constants"));
  const Module& m = *r.optimised;
  const auto ops = live_expr_ops(m);
  EXPECT_EQ(ops.count(ExprOp::Add), 0u) << format(m);  // s.RTT + 0 * k
  EXPECT_EQ(ops.count(ExprOp::Mul), 0u);
  EXPECT_EQ(ops.count(ExprOp::And), 0u);  // TRUE AND x.SEQ >= 0; FALSE AND s.CWND > 0
  EXPECT_EQ(count_stmt(m, StmtOp::IfNot), 0);
  EXPECT_EQ(count_stmt(m, StmtOp::VarList), 1);  // its walk depends on the view: kept
  EXPECT_EQ(count_stmt(m, StmtOp::ForeachChain), 1);
}

// ---- dead-code --------------------------------------------------------------------------------------------------

TEST(DeadCode, RemovesUnreachableAndEffectFreeStatements) {
  Optimised r = optimise_src(example("dead_statements"));
  const std::string& dce = r.after("dead-code");
  EXPECT_FALSE(contains(dce, "never")) << dce;
  EXPECT_FALSE(contains(dce, "after")) << dce;
  const Module& m = *r.optimised;
  // Kept: SET(R1, 1), the walk of VAR c, the draw of VAR r, the IF with its RETURN, SET(R6), RETURN.
  EXPECT_EQ(opcodes(m), "Steps Set Steps VarScalar VarScalar IfNot Return Set Return End") << format(m);
  // IF (TRUE): 1; IF (FALSE): 1, VOID(R3 + 4): 1, VOID(): 1, VAR n = Q.COUNT: 2, VAR e = SUBFLOWS.EMPTY: 2.
  EXPECT_EQ(m.code[0].a, 1u);
  EXPECT_EQ(m.code[2].a, 7u);
  EXPECT_EQ(live_expr_ops(m).count(ExprOp::Random), 1u);
}

TEST(DeadCode, NullActionsKeepOnlyTheirSteps) {
  Optimised r = optimise_src(example("null_actions"));
  const Module& m = *r.optimised;
  EXPECT_EQ(count_stmt(m, StmtOp::Drop), 0) << format(m);
  EXPECT_EQ(count_stmt(m, StmtOp::Push), 0);  // the POP in a NULL subflow's PUSH is never evaluated
  EXPECT_EQ(live_expr_ops(m).count(ExprOp::ListPop), 0u);
  // SET_USER on SUBFLOWS.GET(0) walks SUBFLOWS: kept even though its value is NULL.
  EXPECT_EQ(count_stmt(m, StmtOp::SetUser), 1);
  EXPECT_EQ(count_stmt(m, StmtOp::Print), 1);
}

TEST(DeadCode, ThreadsJumpsAndDropsJumpsToTheNextInstruction) {
  Optimised r = optimise_src(example("threading"));
  const Module& m = *r.optimised;
  for (const Instr& in : m.code) {
    if (in.op == StmtOp::Jump) {
      EXPECT_NE(m.code[in.a].op, StmtOp::Jump) << format(m);
      EXPECT_NE(in.a, static_cast<std::uint32_t>(&in - m.code.data()) + 1) << format(m);
    }
    if (in.op == StmtOp::IfNot) {
      EXPECT_NE(m.code[in.b].op, StmtOp::Jump) << format(m);
    }
  }
  // The lowered code had jumps to jumps (the inner IF's exit) and jumps to the next instruction (empty ELSE).
  bool threaded = false;
  for (const Instr& in : r.lowered->code) threaded |= in.op == StmtOp::Jump && r.lowered->code[in.a].op == StmtOp::Jump;
  EXPECT_TRUE(threaded);
}

TEST(DeadCode, RemovedLoopsAreRenumbered) {
  Optimised r = optimise_src(example("dead_loops"));
  ASSERT_EQ(r.lowered->n_loops, 4u);
  const Module& m = *r.optimised;
  EXPECT_EQ(m.n_loops, 2u) << format(m);
  ASSERT_EQ(m.loop_region.size(), 2u);
  EXPECT_EQ(m.loop_region[0], r.lowered->loop_region[1]);  // FOREACH over the list variable: no own region
  EXPECT_EQ(m.loop_region[1], r.lowered->loop_region[3]);
  EXPECT_EQ(m.n_regions, r.lowered->n_regions);
  EXPECT_EQ(count_stmt(m, StmtOp::ForeachNext), 2);
}

TEST(DeadCode, JumpToReturnBecomesReturn) {
  Optimised r = optimise_src("IF (R1 > 0) { SET(R2, 1); } ELSE { SET(R2, 2); }\nRETURN;\n");
  EXPECT_EQ(opcodes(*r.optimised), "IfNot Set Return Set Return End") << format(*r.optimised);
}

TEST(DeadCode, KeepsWalksDrawsAndPops) {
  Optimised r = optimise_src("VAR a = Q.FILTER(p => p.SEQ > 0).EMPTY;\nVAR b = RANDOM;\nVOID(SUBFLOWS.COUNT + RANDOM);\n"
                       "VAR q = Q.POP();\nVAR c = SUBFLOWS.SUM(s => s.RTT);\nVOID(R1 > 0 AND Q.EMPTY);\n");
  EXPECT_EQ(format(*r.lowered), format(*r.optimised));
}

// ---- merge-blocks -----------------------------------------------------------------------------------------------

TEST(MergeBlocks, MergesStepsAndMovesThemIntoASinglePredecessorTarget) {
  Optimised r = optimise_src(example("merging"));
  const std::string& dce = r.after("dead-code");
  const Module& m = *r.optimised;
  // VAR a, VAR b, VOID(3), VOID(Q.EMPTY) (1 + 1) = 5; IF (FALSE) + VAR d + VOID(d) = 3.
  EXPECT_EQ(opcodes(m), "Steps Set Steps Set End") << dce << format(m);
  EXPECT_EQ(m.code[0].a, 5u);
  EXPECT_EQ(m.code[2].a, 3u);
  EXPECT_GT(std::count(dce.begin(), dce.end(), '\n'), std::count(r.trace.back().listing.begin(),
                                                                  r.trace.back().listing.end(), '\n'));
}

TEST(MergeBlocks, MergesAcrossStatementsThatOnlyCountSteps) {
  Optimised r = optimise_src(example("merging_effects"));
  const Module& m = *r.optimised;
  // Steps move across the walk of VAR n, never across the draw of VAR r, the POP of VAR q, SET, PRINT or the IF.
  EXPECT_EQ(opcodes(m), "Steps VarScalar Steps VarScalar VarScalar Steps Set Steps Print Steps IfNot Steps Steps End")
      << format(m);
  EXPECT_EQ(m.code[0].a, 1u);  // VAR a
  EXPECT_EQ(m.code[2].a, 2u);  // VAR b, VOID(3)
  EXPECT_EQ(m.code[5].a, 1u);  // VOID(4)
  EXPECT_EQ(m.code[7].a, 2u);  // VOID(SUBFLOWS.COUNT)
  EXPECT_EQ(m.code[9].a, 1u);  // VOID(5)
}

TEST(MergeBlocks, NeverMergesAcrossAJumpTarget) {
  // The IF's else target is the second Steps: merging it into the first would count it on the taken path too.
  Optimised r = optimise_src("VOID(1);\nIF (R1 > 0) { SET(R2, 1); }\nVOID(2);\nVOID(3);\n");
  const Module& m = *r.optimised;
  EXPECT_EQ(opcodes(m), "Steps IfNot Set Steps End") << format(m);
  EXPECT_EQ(m.code[0].a, 1u);
  EXPECT_EQ(m.code[3].a, 2u);
}

}  // namespace
}  // namespace progmp::ir

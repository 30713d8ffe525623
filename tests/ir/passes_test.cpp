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
  EXPECT_EQ(pass_names(), (std::vector<std::string>{"constant-fold", "inline-vars", "hoist-invariants",
                                                     "fuse-walks", "dead-code", "merge-blocks"}));
  Optimised r = optimise_src(example("merging"));
  ASSERT_EQ(r.trace.size(), pass_names().size() + 1);
  EXPECT_EQ(r.trace[0].pass, "lowered");
  EXPECT_EQ(r.trace[0].listing, format(*r.lowered));
  for (std::size_t i = 0; i < pass_names().size(); ++i) EXPECT_EQ(r.trace[i + 1].pass, pass_names()[i]);
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
    // Only hoisting adds instructions (a Bind per moved subexpression).
    EXPECT_LE(r.optimised->code.size(), r.lowered->code.size() + count_stmt(*r.optimised, StmtOp::Bind)) << e.name;
    // Running the pipeline again finds nothing more to do.
    EXPECT_EQ(format(*optimise(*r.optimised)), format(*r.optimised)) << e.name;
  }
}

TEST(Passes, LibrarySchedulersStayValid) {
  // minrtt has nothing to fold or inline (`next` is read inside a lambda), and `usable` is walked twice through an
  // 8-node filter: materialising it once is cheaper than fusing it into both walks.
  const std::string minrtt =
      "VAR usable = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);\n"
      "IF (usable.EMPTY) { RETURN; }\nVAR next = Q.TOP;\n"
      "usable.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());\n";
  Optimised r = optimise_src(minrtt);
  EXPECT_EQ(format(*r.lowered), format(*r.optimised));
}

TEST(FuseWalks, ASingleUseWalksTheSourceOnce) {
  // Without the EMPTY test, `usable` has one use: its declaration only counts its fetches, and the MIN walks
  // SUBFLOWS through usable's filter (the fetch step counted after it) and then its own.
  Optimised r = optimise_src(
      "VAR usable = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);\n"
      "VAR next = Q.TOP;\nusable.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());\n");
  const Module& m = *r.optimised;
  EXPECT_EQ(opcodes(m), "VoidList VarScalar Push End") << format(m);
  const Chain& decl = m.chains[m.code[0].a];
  EXPECT_EQ(decl.source, Source::Subflows);
  EXPECT_EQ(decl.n_filters, 0u);
  const Chain& min = m.chains[m.nodes[m.code[2].a].a];
  EXPECT_EQ(min.source, Source::Subflows);
  EXPECT_EQ(min.n_filters, 2u);
  EXPECT_EQ(min.member_filters, 1u);
  EXPECT_TRUE(contains(format(m), "ListMin SUBFLOWS | FILTER(%0:f => #8) | fetch | FILTER(%3:f")) << format(m);
}

// ---- inline-vars ------------------------------------------------------------------------------------------------

TEST(InlineVars, CopiesLeavesEverywhereAndSingleReadValuesOutsideLambdas) {
  Optimised r = optimise_src(example("inlining"));
  const Module& m = *r.optimised;
  const std::string listing = format(m);
  // Kept: s and lost (walks), rtt (read twice, once in a lambda), k (reads R1 in a program with SET).
  std::vector<std::string> kept;
  for (const Instr& in : m.code)
    if (in.op == StmtOp::VarScalar) kept.push_back(m.slots[in.a].name);
  EXPECT_EQ(kept, (std::vector<std::string>{"s", "rtt", "lost", "k"})) << listing;
  // t = s is read as s (a fused property read too), w = WINDOW_END and seq = lost.SEQ (one read) in place.
  EXPECT_FALSE(contains(listing, "%1:t")) << listing;
  EXPECT_TRUE(contains(listing, "SfFieldLocal RTT of %0:s")) << listing;
  EXPECT_TRUE(contains(listing, "WindowEnd")) << listing;
  EXPECT_TRUE(contains(listing, "PktFieldLocal SEQ of %4:lost")) << listing;
  // Each inlined declaration (t, w, seq) kept its step.
  EXPECT_EQ(steps_total(m), 3u) << listing;
}

TEST(InlineVars, NeverInlinesDrawsWalksOrRegistersThatASetChanges) {
  Optimised r = optimise_src("VAR r = RANDOM;\nVAR c = Q.COUNT;\nVAR k = R1 + 1;\nSET(R1, 5);\nSET(R2, k + r + c);\n");
  EXPECT_EQ(count_stmt(*r.optimised, StmtOp::VarScalar), 3) << format(*r.optimised);
  // Without SET anywhere, a register value is inlined.
  Optimised q = optimise_src("VAR k = R1 + 1;\nPRINT(\"%d\", k);\n");
  EXPECT_EQ(count_stmt(*q.optimised, StmtOp::VarScalar), 0) << format(*q.optimised);
}

// ---- hoist-invariants -------------------------------------------------------------------------------------------

TEST(HoistInvariants, MovesParameterFreeSubexpressionsBeforeTheirStatement) {
  Optimised r = optimise_src(example("hoisting"));
  const Module& m = *r.optimised;
  const std::string listing = format(m);
  // R2 * 2, lost.SEQ * 2, f.RTT > R3 + 1 (f is a loop variable, not a parameter) and R5 - 1 (out of two lambdas);
  // not RANDOM % 5 (a draw per element). All are evaluated for every element (left operands of AND).
  ASSERT_EQ(count_stmt(m, StmtOp::Bind), 4) << listing;
  std::vector<ExprOp> moved;
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    if (m.code[pc].op != StmtOp::Bind) continue;
    moved.push_back(m.nodes[m.code[pc].b].op);
    EXPECT_NE(m.code[pc + 1].op, StmtOp::Bind);  // each right before its own statement
    EXPECT_EQ(m.lines[pc], m.lines[pc + 1]);      // and on its line (profiles)
  }
  EXPECT_EQ(moved, (std::vector<ExprOp>{ExprOp::Mul, ExprOp::Mul, ExprOp::Gt, ExprOp::Sub})) << listing;
  EXPECT_EQ(opcodes(m), "VarScalar Bind Set Bind VarScalar ForeachChain ForeachNext Bind Void Jump Bind Set VarScalar "
                        "Print End")
      << listing;
  // The lambdas read the new slots; Bind counts no step, so nothing else changed.
  EXPECT_TRUE(contains(listing, "Local %")) << listing;
  EXPECT_TRUE(contains(listing, "Random")) << listing;
  EXPECT_EQ(steps_total(m), 0u);
}

TEST(HoistInvariants, MovesTopOutOfLambdasAndCountsItsFetchWhereItWasRead) {
  Optimised r = optimise_src(example("hoisting_top"));
  const Module& m = *r.optimised;
  const std::string listing = format(m);
  // RQ.TOP, QU.TOP and pk.TOP (under .SEQ) move; Q.TOP does not: its statement POPs Q.
  int tops = 0;
  for (const Instr& in : m.code) {
    if (in.op != StmtOp::Bind) continue;
    const Node& v = m.nodes[in.b];
    ASSERT_EQ(v.op, ExprOp::ListTop) << listing;
    EXPECT_EQ(m.chains[v.a].member_filters, kNoIndex) << listing;  // the Bind's walk counts no step
    ++tops;
  }
  EXPECT_EQ(tops, 3) << listing;
  EXPECT_EQ(live_expr_ops(m).count(ExprOp::LocalFetched), 3u) << listing;  // the reads count the fetch
  EXPECT_TRUE(contains(listing, "ListTop RQ | no steps")) << listing;
  EXPECT_TRUE(contains(listing, "PktField SEQ")) << listing;
  EXPECT_EQ(live_expr_ops(m).count(ExprOp::ListTop), 4u) << listing;  // three in Binds, Q.TOP in place
}

TEST(HoistInvariants, LeavesSingleNodesWalksAndParameterReadsInPlace) {
  // Too small (l.SEQ: 1 node), a TOP in a right operand of AND, parameter reads, right operands of AND.
  Optimised r = optimise_src("VAR l = RQ.TOP;\nSET(R1, Q.FILTER(p => p.SEQ > l.SEQ AND RQ.TOP != NULL).COUNT);\n"
                             "SET(R2, SUBFLOWS.SUM(s => s.RTT * 2));\n"
                             "SET(R3, SUBFLOWS.FILTER(s => s.RTT > 5 AND R1 < R2 AND !l.SENT_ON_ALL).COUNT);\n");
  EXPECT_EQ(count_stmt(*r.optimised, StmtOp::Bind), 0) << format(*r.optimised);
}

// ---- fuse-walks -------------------------------------------------------------------------------------------------

TEST(FuseWalks, ChainsListsOfListsAndKeepsSnapshotsThatMustStay) {
  Optimised r = optimise_src(example("fusion"));
  const Module& m = *r.optimised;
  const std::string listing = format(m);
  // ok and fast (cheap filters) and once (one use) are not materialised; big (two uses of a 7-node filter), keep
  // (a Q snapshot in a program that POPs) and mine (iterated in place) are.
  std::vector<std::string> materialised;
  for (const Instr& in : m.code)
    if (in.op == StmtOp::VarList) materialised.push_back(m.slots[in.a].name);
  EXPECT_EQ(materialised, (std::vector<std::string>{"big", "keep", "mine"})) << listing;
  EXPECT_EQ(count_stmt(m, StmtOp::VoidList), 3) << listing;
  // fast's declaration fetches ok's members; the FOREACH over fast.FILTER(...) walks SUBFLOWS through ok's and
  // fast's filters (fetch after both), then its own.
  EXPECT_TRUE(contains(listing, "VoidList SUBFLOWS | FILTER(%0:s => #0) | fetch\n")) << listing;
  EXPECT_TRUE(contains(listing, "ForeachChain loop0 <- SUBFLOWS | FILTER(%0:s => #0) | FILTER(%2:s => #2) | fetch | "
                                "FILTER(%11:x => #"))
      << listing;
}

TEST(FuseWalks, FiltersWithEffectsOrChangingInputsStayMaterialised) {
  // A filter that walks (steps) or reads a register that SET changes, a queue the program POPs.
  for (const char* src : {"VAR l = SUBFLOWS.FILTER(s => Q.COUNT > 0);\nSET(R1, l.COUNT);\n",
                          "VAR l = SUBFLOWS.FILTER(s => s.RTT > R1);\nSET(R1, 5);\nSET(R2, l.COUNT);\n",
                          "VAR l = Q.FILTER(p => p.SEQ > 0);\nDROP(Q.POP());\nSET(R2, l.COUNT);\n"}) {
    Optimised r = optimise_src(src);
    EXPECT_EQ(count_stmt(*r.optimised, StmtOp::VarList), 1) << src << format(*r.optimised);
  }
  // One use, but walked once per iteration of a loop or per element of another walk: materialising once is cheaper.
  for (const char* src : {"VAR l = SUBFLOWS.FILTER(s => s.RTT > 5 AND s.CWND > 2);\n"
                          "FOREACH (VAR f IN SUBFLOWS) { SET(R1, R1 + l.COUNT); }\n",
                          "VAR l = SUBFLOWS.FILTER(s => s.RTT > 5 AND s.CWND > 2);\n"
                          "SET(R1, SUBFLOWS.FILTER(x => l.COUNT > 1).COUNT);\n"}) {
    Optimised r = optimise_src(src);
    EXPECT_EQ(count_stmt(*r.optimised, StmtOp::VarList), 1) << src << format(*r.optimised);
  }
  // Declared and used in the same iteration: one walk per declaration.
  Optimised loop = optimise_src("FOREACH (VAR f IN SUBFLOWS) {\n  VAR l = SUBFLOWS.FILTER(s => s.RTT > f.RTT AND "
                                "s.CWND > 2);\n  SET(R1, R1 + l.COUNT);\n}\n");
  EXPECT_EQ(count_stmt(*loop.optimised, StmtOp::VarList), 0) << format(*loop.optimised);
  // Without SET, a register read in the filter is fine.
  Optimised r = optimise_src("VAR l = SUBFLOWS.FILTER(s => s.RTT > R1);\nPRINT(\"%d\", l.COUNT);\n");
  EXPECT_EQ(count_stmt(*r.optimised, StmtOp::VarList), 0) << format(*r.optimised);
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
  // l's walk depends on the view: it stays, as the walk of its source (fuse-walks: l has one use)
  EXPECT_EQ(count_stmt(m, StmtOp::VarList), 0);
  EXPECT_EQ(count_stmt(m, StmtOp::VoidList), 1);
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

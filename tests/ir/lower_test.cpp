// Lowering picks specialised opcodes; these choices carry the step contract of runtime.md §7.2 (e.g. COUNT of an
// unfiltered queue is one step, a list variable's COUNT walks it), so they are pinned here.
#include <gtest/gtest.h>

#include "progmp/ir/nodes.hpp"
#include "progmp/lang/compile.hpp"

namespace progmp::ir {
namespace {

std::shared_ptr<const Module> lower_ok(const std::string& src) {
  auto out = lang::compile(src);
  EXPECT_TRUE(out.program) << lang::format_diagnostics_text(out.diagnostics, "<t>", src);
  return out.program ? lower(*out.program) : nullptr;
}

bool has(const Module& m, ExprOp op) {
  for (const Node& n : m.nodes)
    if (n.op == op) return true;
  return false;
}

TEST(Lower, CountOfAPlainQueueIsASourceCount) {
  auto m = lower_ok("SET(R1, Q.COUNT); VOID(SUBFLOWS.EMPTY);");
  EXPECT_TRUE(has(*m, ExprOp::SourceCount));
  EXPECT_TRUE(has(*m, ExprOp::SourceEmpty));
  EXPECT_FALSE(has(*m, ExprOp::ListCount));
}

TEST(Lower, CountOfAFilterOrVariableWalks) {
  auto m = lower_ok("VAR l = SUBFLOWS; SET(R1, l.COUNT); SET(R2, Q.FILTER(p => p.SEQ > 0).COUNT);");
  EXPECT_FALSE(has(*m, ExprOp::SourceCount));
  int walks = 0;
  for (const Node& n : m->nodes) walks += n.op == ExprOp::ListCount;
  EXPECT_EQ(walks, 2);
}

TEST(Lower, PropertiesOfVariablesAreFusedFieldReads) {
  auto m = lower_ok("VAR s = SUBFLOWS.GET(0); SET(R1, s.RTT); IF (!s.LOSSY) { SET(R2, SUBFLOWS.GET(1).CWND); }");
  EXPECT_TRUE(has(*m, ExprOp::SfFieldLocal));   // s.RTT
  EXPECT_TRUE(has(*m, ExprOp::SfFlagLocal));    // !s.LOSSY, negation folded in
  EXPECT_TRUE(has(*m, ExprOp::SfField));        // SUBFLOWS.GET(1).CWND
  EXPECT_FALSE(has(*m, ExprOp::Not));
  bool negated = false;
  for (const Node& n : m->nodes)
    if (n.op == ExprOp::SfFlagLocal) negated = (n.aux & kNegated) != 0;
  EXPECT_TRUE(negated);
}

TEST(Lower, NullTestOfAListIsAConstant) {
  auto m = lower_ok("IF (Q == NULL) { SET(R1, 1); } IF (SUBFLOWS != NULL) { SET(R2, 1); }");
  EXPECT_FALSE(has(*m, ExprOp::IsNull));
  EXPECT_FALSE(has(*m, ExprOp::NotNull));
  EXPECT_TRUE(has(*m, ExprOp::ConstBool));
}

TEST(Lower, ForeachOverAVariableIteratesInPlace) {
  auto m = lower_ok("VAR l = SUBFLOWS; FOREACH (VAR s IN l) { VOID(s); } FOREACH (VAR t IN SUBFLOWS) { VOID(t); }");
  int in_place = 0, materialised = 0;
  for (const Instr& in : m->code) {
    in_place += in.op == StmtOp::ForeachSlot;
    materialised += in.op == StmtOp::ForeachChain;
  }
  EXPECT_EQ(in_place, 1);
  EXPECT_EQ(materialised, 1);
  EXPECT_EQ(m->n_loops, 2u);
  EXPECT_EQ(m->n_regions, 2u);  // the list variable and the materialising loop
}

TEST(Lower, ElseIfBecomesANestedIfWithJumps) {
  auto m = lower_ok("IF (R1 == 1) { SET(R2, 1); } ELSE IF (R1 == 2) { SET(R2, 2); } ELSE { SET(R2, 3); }");
  int ifs = 0, jumps = 0;
  for (const Instr& in : m->code) {
    ifs += in.op == StmtOp::IfNot;
    jumps += in.op == StmtOp::Jump;
  }
  EXPECT_EQ(ifs, 2);
  EXPECT_EQ(jumps, 2);
  EXPECT_EQ(m->code.back().op, StmtOp::End);
}

TEST(Lower, FilterChainsKeepTheirOrder) {
  auto m = lower_ok("VOID(Q.FILTER(a => a.SEQ > 1).FILTER(b => b.LENGTH > 2).TOP);");
  const Node* top = nullptr;
  for (const Node& n : m->nodes)
    if (n.op == ExprOp::ListTop) top = &n;
  ASSERT_NE(top, nullptr);
  const Chain& c = m->chains[top->a];
  EXPECT_EQ(c.source, Source::Q);
  ASSERT_EQ(c.n_filters, 2u);
  EXPECT_EQ(m->slots[m->lambdas[c.first_filter].param].name, "a");
  EXPECT_EQ(m->slots[m->lambdas[c.first_filter + 1].param].name, "b");
}

TEST(Format, ListsEveryInstruction) {
  auto m = lower_ok("SCHEDULER x; VAR p = Q.POP(); SUBFLOWS.GET(0).PUSH(p);");
  const std::string text = format(*m);
  EXPECT_NE(text.find("; scheduler x"), std::string::npos);
  EXPECT_NE(text.find("ListPop Q"), std::string::npos);
  EXPECT_NE(text.find("Push origin=Q"), std::string::npos);
  EXPECT_NE(text.find("End"), std::string::npos);
}

}  // namespace
}  // namespace progmp::ir

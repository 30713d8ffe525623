// The checked Program (ast.hpp) for the spec's examples and for each construct: shapes, types and origins.
#include <gtest/gtest.h>

#include <functional>

#include "golden_support.hpp"
#include "progmp/lang/compile.hpp"

namespace progmp::lang {
namespace {

Program compile_ok(std::string_view src) {
  CompileOutput out = compile(src);
  EXPECT_FALSE(has_errors(out.diagnostics)) << format_diagnostics_text(out.diagnostics, "t", src);
  if (!out.program) return Program{};
  return std::move(*out.program);
}

std::vector<StmtId> items(const Program& p, Block b) { return {p.begin(b), p.end(b)}; }

// The statement declaring slot `name` (VAR or FOREACH), searched everywhere.
const Stmt* decl(const Program& p, std::string_view name) {
  for (const Stmt& s : p.stmts) {
    if ((s.kind == StmtKind::Var || s.kind == StmtKind::Foreach) && p.slots[s.slot].name == name) return &s;
  }
  return nullptr;
}

const Expr& init(const Program& p, std::string_view name) {
  const Stmt* s = decl(p, name);
  EXPECT_NE(s, nullptr) << name;
  return p.expr(s->a);
}

Member member_of(const Expr& e) { return static_cast<Member>(e.op); }

Program example(const char* file) {
  std::string src =
      testing::read_text(std::filesystem::path(PROGMP_SOURCE_DIR) / "tests/lang/cases/examples" / file);
  CompileOutput out = compile(src);
  EXPECT_TRUE(out.diagnostics.empty()) << file << "\n" << format_diagnostics_text(out.diagnostics, file, src);
  EXPECT_TRUE(out.program.has_value());
  return out.program ? std::move(*out.program) : Program{};
}

TEST(Examples, LowestRtt) {
  Program p = example("lowest_rtt.progmp");
  EXPECT_EQ(p.header_name, "lowest_rtt");
  ASSERT_EQ(p.body.count, 6u);
  const Expr& ready = init(p, "ready");
  EXPECT_EQ(ready.kind, ExprKind::Member);
  EXPECT_EQ(member_of(ready), Member::Filter);
  EXPECT_EQ(ready.type, Type::SubflowList);
  EXPECT_EQ(p.slots[ready.slot].kind, SlotKind::LambdaParam);
  EXPECT_EQ(p.slots[ready.slot].type, Type::Subflow);
  EXPECT_EQ(p.expr(ready.b).kind, ExprKind::And);
  const Expr& again = init(p, "again");
  EXPECT_EQ(member_of(again), Member::Top);
  EXPECT_EQ(again.type, Type::Packet);
  EXPECT_EQ(again.origin, Origin::RQ);
  EXPECT_EQ(p.slots[decl(p, "again")->slot].origin, Origin::RQ);

  const Stmt& test = p.stmt(p.block_items[p.body.first + 3]);
  ASSERT_EQ(test.kind, StmtKind::If);
  const Expr& cond = p.expr(test.a);
  EXPECT_EQ(cond.kind, ExprKind::NullTest);
  EXPECT_EQ(static_cast<CmpOp>(cond.op), CmpOp::Ne);
  EXPECT_EQ(p.expr(cond.a).kind, ExprKind::Local);
  EXPECT_EQ(p.slots[p.expr(cond.a).slot].name, "again");

  const Stmt& last = p.stmt(p.block_items[p.body.first + 5]);
  ASSERT_EQ(last.kind, StmtKind::Push);
  const Expr& target = p.expr(last.a);
  EXPECT_EQ(member_of(target), Member::Min);
  EXPECT_EQ(target.type, Type::Subflow);
  EXPECT_EQ(member_of(p.expr(target.a)), Member::Filter);
  const Expr& pkt = p.expr(last.b);
  EXPECT_EQ(member_of(pkt), Member::Pop);
  EXPECT_EQ(pkt.origin, Origin::Q);
  EXPECT_EQ(pkt.type, Type::Packet);
  EXPECT_EQ(p.expr(pkt.a).kind, ExprKind::Builtin);
  EXPECT_EQ(static_cast<Builtin>(p.expr(pkt.a).op), Builtin::Q);
  // Locations: a member node is located at its name; a statement at its first token.
  EXPECT_EQ(pkt.loc.line, 22u);
  EXPECT_EQ(pkt.loc.col, 66u);
  EXPECT_EQ(last.loc.line, 22u);
  EXPECT_EQ(last.loc.col, 1u);
}

TEST(Examples, RoundRobin) {
  Program p = example("round_robin.progmp");
  EXPECT_EQ(p.header_name, "round_robin");
  const Expr& later = init(p, "later");
  const Expr& body = p.expr(later.b);
  EXPECT_EQ(body.kind, ExprKind::Compare);
  EXPECT_EQ(static_cast<CmpOp>(body.op), CmpOp::Gt);
  EXPECT_EQ(p.expr(body.b).kind, ExprKind::Register);
  EXPECT_EQ(p.expr(body.b).op, 0);
  const Stmt* ifelse = nullptr;
  for (const Stmt& s : p.stmts) {
    if (s.kind == StmtKind::If && s.has_else) ifelse = &s;
  }
  ASSERT_NE(ifelse, nullptr);
  ASSERT_EQ(ifelse->else_block.count, 3u);
  const Stmt& set = p.stmt(items(p, ifelse->else_block)[2]);
  EXPECT_EQ(set.kind, StmtKind::Set);
  EXPECT_EQ(set.op, 0);
  EXPECT_EQ(member_of(p.expr(set.a)), Member::Id);
  const Expr& r = init(p, "r");
  EXPECT_EQ(member_of(r), Member::Get);
  EXPECT_EQ(r.type, Type::Subflow);
}

TEST(Examples, OpportunisticRedundant) {
  Program p = example("opportunistic_redundant.progmp");
  const Stmt* loop = decl(p, "f");
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(loop->kind, StmtKind::Foreach);
  EXPECT_EQ(p.slots[loop->slot].kind, SlotKind::Loop);
  EXPECT_EQ(p.slots[loop->slot].type, Type::Subflow);
  ASSERT_EQ(loop->then_block.count, 1u);
  EXPECT_EQ(p.stmt(items(p, loop->then_block)[0]).kind, StmtKind::Push);
  const Expr& popped = init(p, "p");
  EXPECT_EQ(member_of(popped), Member::Pop);
  EXPECT_EQ(popped.origin, Origin::Q);
  bool saw_drop = false;
  for (const Stmt& s : p.stmts) {
    if (s.kind != StmtKind::Drop) continue;
    saw_drop = true;
    EXPECT_EQ(p.expr(s.a).origin, Origin::RQ);
  }
  EXPECT_TRUE(saw_drop);
}

TEST(Examples, Blest) {
  Program p = example("blest.progmp");
  const Expr& sw = init(p, "sw");
  EXPECT_EQ(sw.kind, ExprKind::Arith);
  EXPECT_EQ(static_cast<ArithOp>(sw.op), ArithOp::Sub);
  EXPECT_EQ(p.expr(sw.a).kind, ExprKind::Builtin);
  EXPECT_EQ(static_cast<Builtin>(p.expr(sw.a).op), Builtin::WindowEnd);
  const Expr& seq = p.expr(sw.b);
  EXPECT_EQ(member_of(seq), Member::Seq);
  EXPECT_EQ(member_of(p.expr(seq.a)), Member::Top);
  EXPECT_EQ(p.expr(seq.a).origin, Origin::QU);
  const Expr& ratio = init(p, "ratio");
  EXPECT_EQ(static_cast<ArithOp>(ratio.op), ArithOp::Div);
  EXPECT_EQ(ratio.type, Type::Int);
}

TEST(Examples, Ecf) {
  Program p = example("ecf.progmp");
  const Expr& delta = init(p, "delta");
  EXPECT_EQ(member_of(delta), Member::RttVar);
  const Expr& max = p.expr(delta.a);
  EXPECT_EQ(member_of(max), Member::Max);
  const Expr& filter = p.expr(max.a);
  const Expr& pred = p.expr(filter.b);
  EXPECT_EQ(pred.kind, ExprKind::Or);
  const Expr& eq = p.expr(pred.a);
  EXPECT_EQ(eq.kind, ExprKind::Compare);
  EXPECT_EQ(static_cast<CmpOp>(eq.op), CmpOp::Eq);
  EXPECT_EQ(p.expr(eq.a).type, Type::Subflow);
  EXPECT_EQ(p.expr(eq.b).type, Type::Subflow);
  EXPECT_EQ(init(p, "k").type, Type::Int);
}

TEST(Examples, BuiltinMinRtt) {
  Program p = example("builtin_minrtt.progmp");
  EXPECT_EQ(p.header_name, "");
  const Stmt& last = p.stmt(p.block_items[p.body.first + p.body.count - 1]);
  ASSERT_EQ(last.kind, StmtKind::If);
  EXPECT_TRUE(last.has_else);
  ASSERT_EQ(last.then_block.count, 1u);
  ASSERT_EQ(last.else_block.count, 1u);
  EXPECT_EQ(p.stmt(items(p, last.else_block)[0]).kind, StmtKind::Push);
  const Expr& cond = p.expr(last.a);
  EXPECT_EQ(member_of(cond), Member::Empty);
  EXPECT_EQ(cond.type, Type::Bool);
}

TEST(Ast, ElseIfIsAnElseBlockHoldingOneIf) {
  Program p = compile_ok("IF (Q.EMPTY) { } ELSE IF (RQ.EMPTY) { RETURN; } ELSE { VOID(1); }");
  ASSERT_EQ(p.body.count, 1u);
  const Stmt& outer = p.stmt(p.block_items[p.body.first]);
  ASSERT_TRUE(outer.has_else);
  ASSERT_EQ(outer.else_block.count, 1u);
  const Stmt& inner = p.stmt(items(p, outer.else_block)[0]);
  EXPECT_EQ(inner.kind, StmtKind::If);
  EXPECT_TRUE(inner.has_else);
  EXPECT_EQ(inner.then_block.count, 1u);
  EXPECT_EQ(p.stmt(items(p, inner.else_block)[0]).kind, StmtKind::Void);
  EXPECT_EQ(inner.loc.col, 23u);
}

TEST(Ast, UnreachableStatementsAreKept) {
  Program p = compile_ok("RETURN;\nVOID(1);\nVOID(2);");
  ASSERT_EQ(p.body.count, 3u);
  EXPECT_EQ(p.stmt(p.block_items[p.body.first + 2]).kind, StmtKind::Void);
}

TEST(Ast, NullTests) {
  Program p = compile_ok("VAR s = SUBFLOWS.GET(0);\nVOID(NULL == s);\nVOID(s != NULL);\nVOID(NULL == NULL);");
  auto v = items(p, p.body);
  const Expr& a = p.expr(p.stmt(v[1]).a);
  EXPECT_EQ(a.kind, ExprKind::NullTest);
  EXPECT_EQ(static_cast<CmpOp>(a.op), CmpOp::Eq);
  EXPECT_EQ(p.expr(a.a).kind, ExprKind::Local);  // the tested operand, whichever side NULL is on
  EXPECT_EQ(a.type, Type::Bool);
  const Expr& b = p.expr(p.stmt(v[2]).a);
  EXPECT_EQ(static_cast<CmpOp>(b.op), CmpOp::Ne);
  EXPECT_EQ(p.expr(b.a).kind, ExprKind::Local);
  const Expr& c = p.expr(p.stmt(v[3]).a);
  EXPECT_EQ(p.expr(c.a).kind, ExprKind::NullLit);
  EXPECT_EQ(p.expr(c.a).loc.col, 6u);  // the left one
}

TEST(Ast, ValueComparisonsByOperandType) {
  Program p = compile_ok(
      "VAR s = SUBFLOWS.GET(0);\nVAR q = Q.TOP;\nVOID(s == s);\nVOID(q != q);\nVOID(TRUE == FALSE);\nVOID(1 < 2);");
  auto v = items(p, p.body);
  Type expected[] = {Type::Subflow, Type::Packet, Type::Bool, Type::Int};
  for (int i = 0; i < 4; ++i) {
    const Expr& e = p.expr(p.stmt(v[static_cast<std::size_t>(i + 2)]).a);
    EXPECT_EQ(e.kind, ExprKind::Compare);
    EXPECT_EQ(p.expr(e.a).type, expected[i]);
  }
}

TEST(Ast, MembersResolvedByReceiverType) {
  Program p = compile_ok(
      "VAR s = SUBFLOWS.GET(0);\nVAR q = Q.TOP;\nVOID(s.USER);\nVOID(q.USER);\nVOID(s.RTT_US);\nVOID(q.SIZE);\n"
      "VOID(Q.MIN(x => x.SEQ));\nVOID(SUBFLOWS.MIN(x => x.ID));");
  auto v = items(p, p.body);
  EXPECT_EQ(member_of(p.expr(p.stmt(v[2]).a)), Member::SfUser);
  EXPECT_EQ(member_of(p.expr(p.stmt(v[3]).a)), Member::PktUser);
  EXPECT_EQ(member_of(p.expr(p.stmt(v[4]).a)), Member::RttUs);
  EXPECT_EQ(member_of(p.expr(p.stmt(v[5]).a)), Member::Size);
  const Expr& pmin = p.expr(p.stmt(v[6]).a);
  EXPECT_EQ(member_of(pmin), Member::Min);
  EXPECT_EQ(pmin.type, Type::Packet);
  EXPECT_EQ(pmin.origin, Origin::Q);
  const Expr& smin = p.expr(p.stmt(v[7]).a);
  EXPECT_EQ(smin.type, Type::Subflow);
  EXPECT_EQ(smin.origin, Origin::None);
}

TEST(Ast, EveryDeclarationHasItsOwnSlot) {
  Program p = compile_ok(
      "VAR x = 1;\nIF (TRUE) { VAR x = Q; VOID(x); }\nFOREACH (VAR x IN RQ) { VOID(x); }\n"
      "VOID(SUBFLOWS.FILTER(x => x.ID > 0));\nVOID(x);");
  ASSERT_EQ(p.slots.size(), 4u);
  for (const Slot& s : p.slots) EXPECT_EQ(s.name, "x");
  EXPECT_EQ(p.slots[0].type, Type::Int);
  EXPECT_EQ(p.slots[1].type, Type::PacketList);
  EXPECT_EQ(p.slots[1].origin, Origin::Q);
  EXPECT_EQ(p.slots[2].kind, SlotKind::Loop);
  EXPECT_EQ(p.slots[2].type, Type::Packet);
  EXPECT_EQ(p.slots[2].origin, Origin::RQ);
  EXPECT_EQ(p.slots[3].kind, SlotKind::LambdaParam);
  EXPECT_EQ(p.slots[3].loc.line, 4u);
  EXPECT_EQ(p.slots[3].loc.col, 22u);
  const Stmt& last = p.stmt(p.block_items[p.body.first + p.body.count - 1]);
  EXPECT_EQ(p.expr(last.a).slot, 0u);  // the outer x again
}

TEST(Ast, OriginsFollowVariablesLambdasAndLoops) {
  Program p = compile_ok(
      "VAR l = QU.FILTER(x => x.PSH);\nVAR t = l.TOP;\nVAR g = l.GET(0);\n"
      "VOID(RQ.FILTER(x => x.SEQ > 0).COUNT);\nFOREACH (VAR y IN l) { DROP(y); }\nVAR z = (Q).POP();\nDROP(z);");
  EXPECT_EQ(init(p, "l").origin, Origin::QU);
  EXPECT_EQ(init(p, "t").origin, Origin::QU);
  EXPECT_EQ(init(p, "g").origin, Origin::QU);
  EXPECT_EQ(init(p, "z").origin, Origin::Q);
  for (const Slot& s : p.slots) {
    if (s.kind == SlotKind::LambdaParam && s.type == Type::Packet && s.loc.line == 4) {
      EXPECT_EQ(s.origin, Origin::RQ);
    }
    if (s.kind == SlotKind::Loop) {
      EXPECT_EQ(s.origin, Origin::QU);
    }
  }
}

TEST(Ast, PrintFormatsAndStrings) {
  Program p = compile_ok("VAR f = \"a\\tb %d\";\nPRINT(f, 3);\nPRINT(\"plain\");\nPRINT(\"%s\", \"arg\");");
  auto v = items(p, p.body);
  const Stmt& a = p.stmt(v[1]);
  EXPECT_EQ(a.kind, StmtKind::Print);
  EXPECT_EQ(p.strings[static_cast<std::size_t>(a.value)], "a\tb %d");
  EXPECT_EQ(p.expr(a.a).kind, ExprKind::IntLit);
  const Stmt& b = p.stmt(v[2]);
  EXPECT_EQ(p.strings[static_cast<std::size_t>(b.value)], "plain");
  EXPECT_EQ(b.a, kNone);
  const Stmt& c = p.stmt(v[3]);
  EXPECT_EQ(p.strings[static_cast<std::size_t>(c.value)], "%s");
  EXPECT_EQ(p.expr(c.a).kind, ExprKind::StringLit);
  EXPECT_EQ(p.strings[static_cast<std::size_t>(p.expr(c.a).value)], "arg");
}

TEST(Ast, StatementsAndRegisters) {
  Program p = compile_ok(
      "VAR s = SUBFLOWS.GET(0);\nSET(R6, -5);\ns.SET_USER(R3);\nVOID();\nDROP(RQ.TOP);\ns.PUSH(Q.POP());");
  auto v = items(p, p.body);
  const Stmt& set = p.stmt(v[1]);
  EXPECT_EQ(set.op, 5);
  EXPECT_EQ(p.expr(set.a).kind, ExprKind::Neg);
  EXPECT_EQ(p.expr(p.expr(set.a).a).value, 5);
  const Stmt& su = p.stmt(v[2]);
  EXPECT_EQ(su.kind, StmtKind::SetUser);
  EXPECT_EQ(p.expr(su.a).kind, ExprKind::Local);
  EXPECT_EQ(p.expr(su.b).kind, ExprKind::Register);
  EXPECT_EQ(p.expr(su.b).op, 2);
  EXPECT_EQ(p.stmt(v[3]).kind, StmtKind::Void);
  EXPECT_EQ(p.stmt(v[3]).a, kNone);
  EXPECT_EQ(p.stmt(v[4]).kind, StmtKind::Drop);
  EXPECT_EQ(p.stmt(v[5]).kind, StmtKind::Push);
}

TEST(Ast, LiteralsAndOperators) {
  Program p = compile_ok("VOID(9223372036854775807);\nVOID(TRUE AND !FALSE OR 1 % 2 == 1);\nVOID(NULL);");
  auto v = items(p, p.body);
  EXPECT_EQ(p.expr(p.stmt(v[0]).a).value, 9223372036854775807LL);
  const Expr& orx = p.expr(p.stmt(v[1]).a);
  EXPECT_EQ(orx.kind, ExprKind::Or);
  EXPECT_EQ(p.expr(orx.a).kind, ExprKind::And);
  EXPECT_EQ(p.expr(p.expr(orx.a).b).kind, ExprKind::Not);
  const Expr& cmp = p.expr(orx.b);
  EXPECT_EQ(cmp.kind, ExprKind::Compare);
  EXPECT_EQ(static_cast<ArithOp>(p.expr(cmp.a).op), ArithOp::Mod);
  EXPECT_EQ(p.expr(p.stmt(v[2]).a).type, Type::Null);
}

TEST(Ast, ExpressionTypesAreNeverErrorInACheckedProgram) {
  for (const auto& path : testing::all_cases()) {
    testing::CaseFile c = testing::load_case(path);
    CompileOutput out = compile(c.source);
    if (!out.program) continue;
    for (const Expr& e : out.program->exprs) EXPECT_NE(e.type, Type::Error) << path;
    for (const Slot& s : out.program->slots) EXPECT_NE(s.type, Type::Error) << path;
  }
}

}  // namespace
}  // namespace progmp::lang

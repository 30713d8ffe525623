// Small programs that exercise each optimisation pass, and structural checks on optimised modules. Shared by the
// IR tests (tests/ir/passes_test.cpp: what each pass does to the IR) and the execution tests
// (tests/exec/passes_differential_test.cpp: lowered and optimised IR behave identically on many views).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "progmp/ir/nodes.hpp"

namespace progmp::testing {

struct PassExample {
  const char* name;
  const char* source;
};

// clang-format off
inline const std::vector<PassExample>& pass_examples() {
  static const std::vector<PassExample> examples = {
    {"arithmetic", "SET(R1, 2 + 3 * 4 - 20);\nSET(R2, (0 - 9223372036854775807 - 1) / -1);\n"
                   "SET(R3, (0 - 9223372036854775807 - 1) % -1 + 7 / -2 + -7 % 3);\n"
                   "SET(R4, 9223372036854775807 + 1);\nSET(R5, 7 / 0);\nSET(R6, R1 % 0);\n"},
    {"comparisons", "VAR n = NULL;\nVAR t = 3 < 4;\nIF (t AND (5 >= 5) AND !(2 == 3) AND (2 != 3) AND (1 <= 0 OR 9 > 8)) "
                    "{ SET(R1, 11); }\nIF (n == NULL) { SET(R2, 12); }\nIF (n != NULL) { SET(R3, 13); }\n"
                    "PRINT(\"n %d\", n);\nIF (R1 == NULL) { SET(R4, 1); } ELSE { SET(R4, 2); }\n"},
    {"propagation", "VAR k = 5;\nVAR j = k * 2;\nVAR b = j > 9;\nIF (b) { SET(R1, j + R2); }\n"
                    "FOREACH (VAR s IN SUBFLOWS) { VAR c = k - 1; SET(R3, R3 + c); }\nPRINT(\"j %d\", j);\n"},
    {"short_circuit", "IF (FALSE AND RANDOM > 5) { SET(R1, 1); }\nIF (R1 > 0 AND TRUE) { SET(R2, 2); }\n"
                      "IF (RANDOM > 5 OR TRUE) { SET(R3, 3); }\nIF (R2 > 0 OR FALSE) { SET(R4, 4); }\n"
                      "SET(R5, RANDOM);\nIF (TRUE OR RANDOM > 1) { SET(R6, RANDOM); }\n"},
    {"dead_statements", "IF (TRUE) { SET(R1, 1); } ELSE { SET(R1, 2); PRINT(\"never\"); }\n"
                        "IF (FALSE) { SET(R2, 9); }\nVOID(R3 + 4);\nVOID();\nVAR n = Q.COUNT;\n"
                        "VAR e = SUBFLOWS.EMPTY;\nVAR c = Q.FILTER(p => p.SEQ > 0).COUNT;\nVAR r = RANDOM;\n"
                        "IF (R4 > 100) { RETURN; SET(R5, 5); }\nSET(R6, R6 + 1);\nRETURN;\nPRINT(\"after\");\n"},
    {"null_actions", "VAR p = NULL;\nVAR s = SUBFLOWS.GET(-1);\nDROP(Q.GET(7 / 0));\n"
                     "SUBFLOWS.GET(-2).PUSH(Q.POP());\nSUBFLOWS.GET(0).SET_USER(7 / 0);\nSET(R1, 5 % 0);\n"
                     "IF (s == NULL) { SET(R2, 1); }\nPRINT(\"p %d\", p);\n"},
    {"threading", "IF (R1 > 0) {\n  IF (R2 > 0) { SET(R3, 1); } ELSE { SET(R3, 2); }\n} ELSE {\n"
                  "  IF (R2 < 0) { SET(R3, 3); } ELSE { SET(R3, 4); }\n}\n"
                  "FOREACH (VAR s IN SUBFLOWS) { IF (s.RTT > 10) { SET(R4, R4 + 1); } ELSE { IF (TRUE) { VOID(1); } } }\n"},
    {"merging", "VAR a = 1;\nVAR b = 2;\nVOID(3);\nVOID(Q.EMPTY);\nSET(R1, R2);\nIF (FALSE) { SET(R3, 1); } "
                "ELSE { VAR d = 4; VOID(d); SET(R3, 2); }\n"},
    {"merging_effects", "VAR a = 1;\nVAR r = RANDOM;\nVAR b = 2;\nVAR n = Q.FILTER(p => p.SEQ > 0).COUNT;\nVOID(3);\n"
                        "VAR q = Q.POP();\nVOID(4);\nSET(R1, r);\nVOID(SUBFLOWS.COUNT);\nPRINT(\"x\");\nVOID(5);\n"
                        "IF (R2 > 0) { VOID(6); }\nVOID(7);\n"},
    {"dead_loops", "IF (FALSE) { FOREACH (VAR s IN SUBFLOWS) { SET(R1, R1 + 1); } }\n"
                   "VAR l = Q.FILTER(p => p.SEQ > 0);\nFOREACH (VAR p IN l) { VOID(p); }\n"
                   "IF (R2 > 5) { RETURN; FOREACH (VAR s IN SUBFLOWS) { VOID(s); } }\n"
                   "FOREACH (VAR s IN SUBFLOWS.FILTER(x => x.CWND > 2 * 2)) { SET(R3, R3 + 1); }\n"},
    {"foreach_constants", "FOREACH (VAR p IN Q.FILTER(x => TRUE AND x.SEQ >= 0)) {\n  VAR k = 2;\n"
                          "  IF (k > 1) { SUBFLOWS.MIN(s => s.RTT + 0 * k).PUSH(p); }\n}\n"
                          "VAR l = SUBFLOWS.FILTER(s => FALSE AND s.CWND > 0);\nSET(R1, l.COUNT);\n"},
    {"inlining", "VAR s = SUBFLOWS.GET(0);\nVAR t = s;\nVAR rtt = t.RTT + 1;\nVAR w = WINDOW_END;\nVAR lost = RQ.TOP;\n"
                 "VAR seq = lost.SEQ;\nIF (rtt > 10 AND lost != NULL) { t.SET_USER(w - seq); }\nVAR k = R1 * 2;\n"
                 "SET(R2, k);\nPRINT(\"%d\", Q.FILTER(p => p.SEQ > rtt).COUNT);\n"},
    {"hoisting", "VAR lost = RQ.TOP;\nSET(R1, Q.FILTER(p => p.SEQ > R2 * 2 AND !p.SENT_ON_ALL).COUNT);\n"
                 "VAR best = SUBFLOWS.MIN(s => s.RTT + lost.SEQ * 2);\n"
                 "FOREACH (VAR f IN SUBFLOWS) { VOID(Q.FILTER(p => f.RTT > R3 + 1 AND p.SENT_ON(f)).COUNT); }\n"
                 "SET(R4, SUBFLOWS.FILTER(s => Q.FILTER(p => p.SEQ > R5 - 1 AND p.SENT_ON(s)).EMPTY).COUNT);\n"
                 "VAR k = SUBFLOWS.FILTER(s => s.RTT > RANDOM % 5).COUNT;\nPRINT(\"%d\", best.RTT + k);\n"},
    {"hoisting_top", "VAR l = SUBFLOWS.FILTER(s => s.CWND > 0);\nSET(R1, l.FILTER(s => !RQ.TOP.SENT_ON(s)).COUNT);\n"
                     "SET(R2, Q.FILTER(p => p.SEQ > QU.TOP.SEQ).COUNT);\nVAR pk = QU.FILTER(p => p.LENGTH > 0);\n"
                     "SET(R3, Q.FILTER(p => pk.TOP.SEQ < p.SEQ).COUNT);\n"
                     "SUBFLOWS.FILTER(s => !Q.TOP.SENT_ON(s)).GET(0).PUSH(Q.POP());\n"},
    {"fusion", "VAR ok = SUBFLOWS.FILTER(s => !s.LOSSY);\nIF (ok.EMPTY) { RETURN; }\n"
               "VAR fast = ok.FILTER(s => !s.IS_BACKUP);\nSET(R1, fast.COUNT);\n"
               "VAR big = SUBFLOWS.FILTER(s => s.RTT > 5 AND s.CWND > 2);\nSET(R4, big.COUNT + big.FILTER(x => x.RTT < 9).COUNT);\n"
               "VAR once = SUBFLOWS.FILTER(s => s.RTT > 5 AND s.CWND > 2);\nSET(R5, once.FILTER(x => x.RTT < 9).SUM(x => x.RTT));\n"
               "FOREACH (VAR s IN fast.FILTER(x => x.RTT > R2)) { SET(R3, R3 + s.RTT); }\n"
               "VAR keep = Q.FILTER(p => p.SEQ > 10);\nPRINT(\"%d\", keep);\nVAR mine = QU.FILTER(p => !p.SENT_ON_ALL);\n"
               "FOREACH (VAR p IN mine) { VOID(p); }\nok.MIN(s => s.RTT).PUSH(Q.POP());\n"},
  };
  return examples;
}
// clang-format on

// Structural validity of a module as the engines need it; empty when valid, else what is wrong.
inline std::string validate_module(const ir::Module& m) {
  using namespace ir;
  if (m.code.empty() || m.code.back().op != StmtOp::End) return "the code does not end with End";
  const std::size_t n = m.code.size();
  // The source line table (profiles) stays parallel to the code: a line for every statement, none for End.
  if (m.lines.size() != n) return "the line table has " + std::to_string(m.lines.size()) + " entries for " +
                                  std::to_string(n) + " instructions";
  if (m.lines.back() != 0) return "End carries a line";
  for (std::size_t pc = 0; pc + 1 < n; ++pc)
    if (m.lines[pc] == 0) return "pc " + std::to_string(pc) + " has no line";
  auto node_ok = [&](std::uint32_t x) { return x < m.nodes.size(); };
  auto chain_ok = [&](std::uint32_t c) {
    if (c >= m.chains.size()) return false;
    const Chain& ch = m.chains[c];
    if (ch.first_filter + ch.n_filters > m.lambdas.size()) return false;
    if (ch.source == Source::Snapshot && (ch.slot >= m.slots.size() || !m.slots[ch.slot].is_list)) return false;
    return true;
  };
  // Every loop has its header (the eBPF translator needs each loop's region) and its region.
  if (m.loop_region.size() != m.n_loops) return "loop_region does not have n_loops entries";
  std::vector<bool> header(m.n_loops, false);
  for (const Instr& in : m.code)
    if ((in.op == StmtOp::ForeachChain || in.op == StmtOp::ForeachSlot) && in.a < m.n_loops) header[in.a] = true;
  for (std::uint32_t l = 0; l < m.n_loops; ++l)
    if (!header[l]) return "loop " + std::to_string(l) + " has no header";
  for (std::size_t pc = 0; pc < n; ++pc) {
    const Instr& in = m.code[pc];
    const std::string at = "pc " + std::to_string(pc) + ": ";
    switch (in.op) {
      case StmtOp::IfNot:
        if (!node_ok(in.a) || in.b >= n) return at + "bad IfNot";
        break;
      case StmtOp::Jump:
        if (in.a >= n) return at + "bad Jump";
        break;
      case StmtOp::ForeachNext:
        if (in.a >= m.n_loops || in.b >= m.slots.size() || in.c >= n) return at + "bad ForeachNext";
        break;
      case StmtOp::ForeachChain:
        if (in.a >= m.n_loops || !chain_ok(in.b) || m.loop_region[in.a] >= m.n_regions) return at + "bad loop";
        break;
      case StmtOp::ForeachSlot:
        if (in.a >= m.n_loops || in.b >= m.slots.size() || !m.slots[in.b].is_list) return at + "bad loop";
        break;
      case StmtOp::VarScalar:
      case StmtOp::Bind:
        if (in.a >= m.slots.size() || m.slots[in.a].is_list || !node_ok(in.b)) return at + "bad VarScalar";
        break;
      case StmtOp::VarList:
        if (in.a >= m.slots.size() || !m.slots[in.a].is_list || !chain_ok(in.b)) return at + "bad VarList";
        break;
      case StmtOp::Steps:
        if (in.a == 0 || in.a == kNoIndex) return at + "bad Steps";
        break;
      case StmtOp::Set:
      case StmtOp::Drop:
        if (!node_ok(in.a)) return at + "bad operand";
        break;
      case StmtOp::Push:
      case StmtOp::SetUser:
        if (!node_ok(in.a) || !node_ok(in.b)) return at + "bad operands";
        break;
      default: break;
    }
  }
  return {};
}

// Statement opcodes of the reachable code, in order, e.g. "Steps IfNot Set Return End".
inline std::string opcodes(const ir::Module& m) {
  std::string s;
  for (const ir::Instr& in : m.code) s += std::string(s.empty() ? "" : " ") + ir::stmt_op_name(in.op);
  return s;
}

inline int count_stmt(const ir::Module& m, ir::StmtOp op) {
  int k = 0;
  for (const ir::Instr& in : m.code) k += in.op == op;
  return k;
}

// Sum of the Steps operands.
inline std::uint64_t steps_total(const ir::Module& m) {
  std::uint64_t k = 0;
  for (const ir::Instr& in : m.code)
    if (in.op == ir::StmtOp::Steps) k += in.a;
  return k;
}

}  // namespace progmp::testing

namespace progmp::testing {

// Expression opcodes reachable from the instructions (chains' FILTER bodies and MIN/MAX/SUM keys included).
inline std::multiset<ir::ExprOp> live_expr_ops(const ir::Module& m) {
  using namespace ir;
  std::multiset<ExprOp> out;
  std::vector<std::uint32_t> work;
  auto chain = [&](std::uint32_t c) {
    const Chain& ch = m.chains[c];
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) work.push_back(m.lambdas[ch.first_filter + i].body);
  };
  for (const Instr& in : m.code) {
    switch (in.op) {
      case StmtOp::VarScalar:
      case StmtOp::Bind: work.push_back(in.b); break;
      case StmtOp::VarList:
      case StmtOp::ForeachChain: chain(in.b); break;
      case StmtOp::IfNot:
      case StmtOp::Set:
      case StmtOp::Drop:
      case StmtOp::Void: work.push_back(in.a); break;
      case StmtOp::Push:
      case StmtOp::SetUser:
      case StmtOp::Print:
        work.push_back(in.a);
        work.push_back(in.b);
        break;
      case StmtOp::PrintList:
        work.push_back(in.a);
        chain(in.b);
        break;
      case StmtOp::VoidList: chain(in.a); break;
      default: break;
    }
  }
  while (!work.empty()) {
    const std::uint32_t n = work.back();
    work.pop_back();
    if (n == kNoIndex) continue;
    const Node& node = m.nodes[n];
    out.insert(node.op);
    switch (node.op) {
      case ExprOp::ConstInt: case ExprOp::ConstBool: case ExprOp::ConstNull: case ExprOp::ConstString:
      case ExprOp::Reg: case ExprOp::Local: case ExprOp::LocalFetched: case ExprOp::NowMs: case ExprOp::Random: case ExprOp::WindowEnd:
      case ExprOp::Mss: case ExprOp::SfFieldLocal: case ExprOp::SfFlagLocal: case ExprOp::PktFieldLocal:
      case ExprOp::PktFlagLocal: case ExprOp::SourceEmpty: case ExprOp::SourceCount: break;
      case ExprOp::ListEmpty: case ExprOp::ListCount: case ExprOp::ListTop: case ExprOp::ListPop: chain(node.a); break;
      case ExprOp::ListGet: chain(node.a); work.push_back(node.b); break;
      case ExprOp::ListMin: case ExprOp::ListMax: case ExprOp::ListSum:
        chain(node.a);
        work.push_back(m.lambdas[node.b].body);
        break;
      default:
        work.push_back(node.a);
        if (node.b != kNoIndex) work.push_back(node.b);
        break;
    }
  }
  return out;
}

}  // namespace progmp::testing

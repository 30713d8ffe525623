// Shared helpers of the optimisation passes: operand layout of nodes and instructions, effect and step analysis of
// expressions, and the rebuilding of the instruction list with jump retargeting.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "progmp/ir/nodes.hpp"

namespace progmp::ir::passes {

// The passes, in pipeline order (each runs to its own fixpoint).
void fold_constants(Module& m);       // const_fold.cpp
void inline_variables(Module& m);     // inline_vars.cpp
void hoist_invariants(Module& m);     // hoist_invariants.cpp
void fuse_walks(Module& m);           // fuse_walks.cpp
void eliminate_dead_code(Module& m);  // dead_code.cpp
void merge_blocks(Module& m);         // merge_blocks.cpp

// ---- nodes ---------------------------------------------------------------------------------------------------
enum class Operand : std::uint8_t { None, Node, Chain, Slot, Lambda };
struct NodeLayout {
  Operand a = Operand::None;
  Operand b = Operand::None;
};
NodeLayout node_layout(ExprOp op);

// Calls f(node index) for every node of the expression tree rooted at n, chains' FILTER bodies and MIN/MAX/SUM
// keys included (pre-order).
template <class F>
void for_each_node(const Module& m, std::uint32_t n, F&& f) {
  if (n == kNoIndex) return;
  f(n);
  const Node& node = m.nodes[n];
  const NodeLayout l = node_layout(node.op);
  if (l.a == Operand::Node) for_each_node(m, node.a, f);
  if (l.a == Operand::Chain) {
    const Chain& ch = m.chains[node.a];
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) for_each_node(m, m.lambdas[ch.first_filter + i].body, f);
  }
  if (l.b == Operand::Node) for_each_node(m, node.b, f);
  if (l.b == Operand::Lambda) for_each_node(m, m.lambdas[node.b].body, f);
}

// The operands of an instruction, in evaluation order: node(root of an expression tree) and chain(chain index).
template <class OnNode, class OnChain>
void for_each_operand(const Instr& in, OnNode&& node, OnChain&& chain) {
  switch (in.op) {
    case StmtOp::VarScalar:
    case StmtOp::Bind: node(in.b); break;
    case StmtOp::VarList:
    case StmtOp::ForeachChain: chain(in.b); break;
    case StmtOp::IfNot:
    case StmtOp::Set:
    case StmtOp::Drop:
    case StmtOp::Void: node(in.a); break;
    case StmtOp::Push:
    case StmtOp::SetUser:
    case StmtOp::Print:
      node(in.a);
      node(in.b);
      break;
    case StmtOp::PrintList:
      node(in.a);
      chain(in.b);
      break;
    case StmtOp::VoidList: chain(in.a); break;
    default: break;
  }
}

// The expression roots of an instruction (nodes and chains' FILTER bodies).
template <class F>
void for_each_instr_node(const Module& m, const Instr& in, F&& f) {
  for_each_operand(
      in, [&](std::uint32_t n) { for_each_node(m, n, f); },
      [&](std::uint32_t c) {
        const Chain& ch = m.chains[c];
        for (std::uint32_t i = 0; i < ch.n_filters; ++i) for_each_node(m, m.lambdas[ch.first_filter + i].body, f);
      });
}

// True for the opcodes whose operand a is a slot read (Local and the fused field reads).
bool reads_slot(ExprOp op);

// Pure: evaluating the tree has no effect at all (no RANDOM draw, no step, no walk, no POP). Such a tree may be
// dropped or evaluated fewer times without any observable difference (reads of the view are pure).
bool pure(const Module& m, std::uint32_t n);

// The number of reference steps evaluating the tree always costs when its only effects are such steps
// (SourceEmpty/SourceCount, 1 each, evaluated unconditionally); nullopt when it draws, walks, pops or its step
// count depends on values. A tree with a cost may be replaced by `Steps cost` at statement level.
std::optional<std::uint64_t> static_cost(const Module& m, std::uint32_t n);

// The tree reads a register (its value can change between statements, by SET).
bool reads_register(const Module& m, std::uint32_t n);

// Nodes in the tree (chains' FILTER bodies and MIN/MAX/SUM keys included).
std::size_t node_count(const Module& m, std::uint32_t n);

// A value that is never NULL and always 0 or 1 (so that `is_true(x) == x`).
bool strict_bool(const Module& m, std::uint32_t n);

// Constant scalar nodes: ConstInt, ConstBool, ConstNull.
bool is_const(const Node& n);

// ---- instructions --------------------------------------------------------------------------------------------
bool is_branch(StmtOp op);     // IfNot, Jump, ForeachNext: carry a target
std::uint32_t& target(Instr& in);
std::uint32_t target(const Instr& in);
bool falls_through(StmtOp op);  // false for Jump, Return, End

// pcs that are the target of some jump.
std::vector<bool> jump_targets(const Module& m);
// pcs reachable from pc 0.
std::vector<bool> reachable(const Module& m);

// Replaces instruction pc by replacement[pc] (any number, targets in the old numbering) and renumbers every target:
// a target maps to the first instruction emitted for it or, when it emitted none, for a later pc. The line table
// follows: every instruction emitted for pc gets pc's line. This is the only place where passes insert or remove
// instructions; rewrites in place (a Jump becoming a Return, Steps becoming a Jump) keep the line of the slot.
void rebuild(Module& m, const std::vector<std::vector<Instr>>& replacement);

// Renumbers the FOREACH loops that still have instructions 0, 1, ... (loop_region and n_loops follow), so that
// every loop of the module has its header after code was removed. The regions stay (unused ones cost only scratch).
void compact_loops(Module& m);

inline Instr steps_instr(std::uint64_t n) {
  return Instr{StmtOp::Steps, 0, static_cast<std::uint32_t>(n), kNoIndex, kNoIndex};
}

}  // namespace progmp::ir::passes

namespace progmp::ir::passes {
// Jump cleanup shared by dead-code and merge-blocks (dead_code.cpp): removes unreachable instructions (the final
// End stays), threads jumps to jumps, turns a jump to a RETURN into that RETURN and deletes jumps to the next
// instruction. True if the code changed.
bool remove_unreachable(Module& m);
bool simplify_jumps(Module& m);
}  // namespace progmp::ir::passes

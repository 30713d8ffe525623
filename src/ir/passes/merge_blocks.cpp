// Pass 3, "merge-blocks": merges the `Steps` instructions the earlier passes left, never changing a count.
//   * `Steps a; Steps b` where the second is not a jump target becomes `Steps a+b` (nothing happens between them,
//     so the abort point and the count are the same); so does `Steps a; S...; Steps b` when the statements S in
//     between fall through, are no jump targets and have no effect but their steps (VarScalar, VarList, Void,
//     VoidList without RANDOM or POP, list walks allowed): whether such a block aborts for steps depends only on
//     its total, and when it aborts it has made no other effect, whichever order its steps are counted in;
//   * `Steps a; Jump t` where t is `Steps b` reached only by that jump: the a steps move to t (`Steps a+b`), which
//     can leave a jump to a jump or to the next instruction for the jump cleanup;
//   * Steps in code that became unreachable go with it; jumps are threaded again afterwards.
#include <limits>

#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

constexpr std::uint64_t kMaxSteps = std::numeric_limits<std::uint32_t>::max() - 1;

// Number of ways to reach each pc: jumps to it, plus the fall-through from the previous instruction.
std::vector<std::uint32_t> predecessors(const Module& m) {
  std::vector<std::uint32_t> p(m.code.size() + 1, 0);
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    if (is_branch(in.op)) ++p[target(in)];
    if (falls_through(in.op)) ++p[pc + 1];
  }
  ++p[0];  // the entry
  return p;
}

// A statement whose only observable effect is its steps (it may walk lists, but draws nothing, pops nothing and
// acts on nothing): steps after it may be counted before it instead. Whether the block aborts for steps depends only
// on its total, and an aborted block has made no other effect either way.
bool only_steps(const Module& m, const Instr& in) {
  switch (in.op) {
    case StmtOp::VarScalar:
    case StmtOp::Bind:
    case StmtOp::VarList:
    case StmtOp::Void:
    case StmtOp::VoidList: break;
    default: return false;
  }
  bool effects = false;
  for_each_instr_node(m, in, [&](std::uint32_t n) {
    const ExprOp op = m.nodes[n].op;
    effects |= op == ExprOp::Random || op == ExprOp::ListPop;
  });
  return !effects;
}

bool merge_consecutive(Module& m) {
  const std::vector<bool> targets = jump_targets(m);
  std::vector<std::vector<Instr>> out(m.code.size());
  bool changed = false;
  Instr* open = nullptr;  // the Steps being extended
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    if (in.op == StmtOp::Steps && open && !targets[pc] && std::uint64_t{open->a} + in.a <= kMaxSteps) {
      open->a += in.a;
      changed = true;
      continue;
    }
    out[pc].push_back(in);
    if (in.op == StmtOp::Steps) {
      open = &out[pc].back();
    } else if (open && (targets[pc] || !only_steps(m, in))) {
      open = nullptr;
    }
  }
  if (changed) rebuild(m, out);
  return changed;
}

bool sink_into_jump_target(Module& m) {
  const std::vector<std::uint32_t> preds = predecessors(m);
  bool changed = false;
  for (std::size_t pc = 0; pc + 1 < m.code.size(); ++pc) {
    Instr& steps = m.code[pc];
    const Instr& jump = m.code[pc + 1];
    if (steps.op != StmtOp::Steps || jump.op != StmtOp::Jump) continue;
    Instr& dest = m.code[jump.a];
    if (jump.a == pc || jump.a == pc + 1 || dest.op != StmtOp::Steps || preds[jump.a] != 1 ||
        preds[pc + 1] != 1)
      continue;
    if (std::uint64_t{dest.a} + steps.a > kMaxSteps) continue;
    dest.a += steps.a;
    // The Steps at pc becomes a jump to the same place: the jump cleanup threads and removes it.
    steps = Instr{StmtOp::Jump, 0, jump.a};
    changed = true;
    break;  // predecessor counts changed
  }
  return changed;
}

}  // namespace

void merge_blocks(Module& m) {
  for (int round = 0; round < 1000; ++round) {
    bool changed = merge_consecutive(m);
    changed |= sink_into_jump_target(m);
    changed |= remove_unreachable(m);
    changed |= simplify_jumps(m);
    if (!changed) break;
  }
}

}  // namespace progmp::ir::passes

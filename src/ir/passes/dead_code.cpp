// Pass 2, "dead-code": dead-code elimination and jump threading. Removed statements keep their reference steps
// (runtime.md §7.2) through a `Steps n` instruction, so every execution counts, aborts and reports exactly as
// before:
//   * an IfNot whose condition folded to a constant becomes `Steps 1` (taken: falls through) or `Steps 1; Jump t`;
//     an IfNot jumping to the next instruction is only its condition's evaluation; an IfNot whose condition has
//     effects but a known truth (`RANDOM > 5 OR TRUE`) becomes `Void cond` (+ `Jump t` when false);
//   * a VarScalar whose slot is never read, or a Void, whose expression has no effect but steps that do not depend
//     on values (`Q.COUNT`, `SUBFLOWS.EMPTY`: 1 each) becomes `Steps 1 + those`; an expression that draws RANDOM,
//     walks a list (its fetch count depends on the view) or POPs stays;
//   * SET of NULL, DROP(NULL), PUSH/SET_USER on a NULL subflow or with a NULL argument (evaluated without effect)
//     do nothing but their step: `Steps 1` (+ the static steps of what was evaluated);
//   * instructions that cannot be reached are removed (dead nodes, chains and lambdas stay in their arrays,
//     unreferenced; the final End stays; the loops of removed FOREACHs are renumbered away, so every loop index
//     has its header, which the eBPF translator requires); a jump to a jump goes straight to the final target, a jump to RETURN
//     becomes that RETURN, a jump to the next instruction is removed (Jump counts no step).
// Repeated until nothing changes (a removed statement can make a slot unread).
#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

// Scalar slots read by a reachable instruction.
std::vector<bool> read_slots(const Module& m, const std::vector<bool>& live) {
  std::vector<bool> read(m.slots.size(), false);
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    if (!live[pc]) continue;
    for_each_instr_node(m, m.code[pc], [&](std::uint32_t n) {
      const Node& node = m.nodes[n];
      if (reads_slot(node.op) && node.a < read.size()) read[node.a] = true;
    });
  }
  return read;
}

bool is_null(const Module& m, std::uint32_t n) { return n != kNoIndex && m.nodes[n].op == ExprOp::ConstNull; }

// The truth of a condition when it does not depend on values (its evaluation may still have effects):
// `x AND FALSE` is false, `x OR TRUE` is true, whatever x.
std::optional<bool> known_truth(const Module& m, std::uint32_t n) {
  const Node& node = m.nodes[n];
  if (is_const(node)) return node.op != ExprOp::ConstNull && node.imm != 0;
  if (node.op == ExprOp::And || node.op == ExprOp::Or) {
    const bool is_and = node.op == ExprOp::And;
    const auto a = known_truth(m, node.a);
    if (a && *a != is_and) return !is_and;  // decides alone, b not evaluated
    const auto b = known_truth(m, node.b);
    if (b && *b != is_and) return !is_and;
    if (a && b) return is_and;  // both true (AND) or both false (OR)
  }
  return std::nullopt;
}

bool simplify_statements(Module& m) {
  const std::vector<bool> live = reachable(m);
  const std::vector<bool> read = read_slots(m, live);
  std::vector<std::vector<Instr>> out(m.code.size());
  bool changed = false;
  for (std::uint32_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    std::vector<Instr>& r = out[pc];
    auto removed = [&](std::uint64_t steps) {
      r.push_back(steps_instr(steps));
      changed = true;
    };
    switch (in.op) {
      case StmtOp::VarScalar: {
        const auto cost = static_cost(m, in.b);
        if (in.a < read.size() && !read[in.a] && cost) {
          removed(1 + *cost);
          continue;
        }
        break;
      }
      case StmtOp::Void: {
        const auto cost = static_cost(m, in.a);
        if (cost) {
          removed(1 + *cost);
          continue;
        }
        break;
      }
      case StmtOp::Set:
      case StmtOp::Drop:
        if (is_null(m, in.a)) {
          removed(1);
          continue;
        }
        break;
      case StmtOp::Push:
      case StmtOp::SetUser: {
        // b is evaluated only when a is not NULL.
        if (is_null(m, in.a)) {
          removed(1);
          continue;
        }
        const auto cost = static_cost(m, in.a);
        if (is_null(m, in.b) && cost) {
          removed(1 + *cost);
          continue;
        }
        break;
      }
      case StmtOp::IfNot: {
        const Node& c = m.nodes[in.a];
        if (is_const(c)) {
          removed(1);
          if (c.op == ExprOp::ConstNull || c.imm == 0) r.push_back(Instr{StmtOp::Jump, 0, in.b});
          continue;
        }
        // A condition with effects but a known truth: evaluated by a Void, then the known way.
        if (const auto truth = known_truth(m, in.a)) {
          r.push_back(Instr{StmtOp::Void, 0, in.a});
          if (!*truth) r.push_back(Instr{StmtOp::Jump, 0, in.b});
          changed = true;
          continue;
        }
        const auto cost = static_cost(m, in.a);
        if (in.b == pc + 1 && cost) {
          removed(1 + *cost);
          continue;
        }
        break;
      }
      default: break;
    }
    r.push_back(in);
  }
  if (changed) rebuild(m, out);
  return changed;
}

}  // namespace

bool remove_unreachable(Module& m) {
  const std::vector<bool> live = reachable(m);
  std::vector<std::vector<Instr>> out(m.code.size());
  bool changed = false;
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    const bool keep = live[pc] || (pc + 1 == m.code.size() && m.code[pc].op == StmtOp::End);
    if (keep) {
      out[pc].push_back(m.code[pc]);
    } else {
      changed = true;
    }
  }
  if (changed) {
    rebuild(m, out);
    compact_loops(m);  // a removed FOREACH leaves no loop without its header
  }
  return changed;
}

bool simplify_jumps(Module& m) {
  bool changed = false;
  // Threading: follow chains of unconditional jumps (bounded: a cycle of jumps is left alone).
  for (Instr& in : m.code) {
    if (!is_branch(in.op)) continue;
    std::uint32_t t = target(in);
    for (std::size_t hops = 0; hops < m.code.size() && m.code[t].op == StmtOp::Jump && m.code[t].a != t; ++hops)
      t = m.code[t].a;
    if (t != target(in)) {
      target(in) = t;
      changed = true;
    }
    // `Jump t` with t: RETURN is that RETURN (Jump counts nothing, RETURN its one step either way).
    if (in.op == StmtOp::Jump && m.code[in.a].op == StmtOp::Return) {
      in = Instr{StmtOp::Return};
      changed = true;
    }
  }
  // Jumps to the next instruction.
  std::vector<std::vector<Instr>> out(m.code.size());
  bool removed = false;
  for (std::size_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    if (in.op == StmtOp::Jump && in.a == pc + 1) {
      removed = true;
      continue;
    }
    out[pc].push_back(in);
  }
  if (removed) rebuild(m, out);
  return changed || removed;
}

void eliminate_dead_code(Module& m) {
  for (int round = 0; round < 1000; ++round) {
    bool changed = simplify_statements(m);
    changed |= remove_unreachable(m);
    changed |= simplify_jumps(m);
    if (!changed) break;
  }
}

}  // namespace progmp::ir::passes

// Pass "inline-vars": variable inlining (copy propagation). A scalar variable whose value is pure (no draw, no
// step, no walk) is replaced by its value at its reads, and its VarScalar keeps only its step (`Steps 1`):
//   * a leaf value (another variable, a register, CURRENT_TIME_MS, WINDOW_END, MSS) at every read;
//   * any other pure value at its single read, unless that read sits inside a lambda (where it would be evaluated
//     once per element: the opposite of hoisting).
// Why this is exact: variables are immutable and lexically scoped (language.md: no assignment), so every variable
// the value reads holds the same value at the read as at the declaration; the view does not change during an
// execution; registers change only through SET, so a value that reads a register is inlined only in programs
// without SET. A pure value costs no step and has no effect, so evaluating it later, more often or never is not
// observable.
#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

bool is_leaf_value(const Node& n) {
  switch (n.op) {
    case ExprOp::Local:
    case ExprOp::Reg:
    case ExprOp::NowMs:
    case ExprOp::WindowEnd:
    case ExprOp::Mss: return true;
    default: return false;
  }
}

// Every slot read (node index), with whether it sits inside a lambda (FILTER predicate or MIN/MAX/SUM key).
struct SlotRead {
  std::uint32_t node;
  bool in_lambda;
};

void collect(const Module& m, std::uint32_t n, bool in_lambda, std::vector<std::vector<SlotRead>>& reads) {
  if (n == kNoIndex) return;
  const Node& node = m.nodes[n];
  const NodeLayout l = node_layout(node.op);
  if (l.a == Operand::Slot && node.a < reads.size()) reads[node.a].push_back({n, in_lambda});
  if (l.a == Operand::Node) collect(m, node.a, in_lambda, reads);
  if (l.a == Operand::Chain) {
    const Chain& ch = m.chains[node.a];
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) collect(m, m.lambdas[ch.first_filter + i].body, true, reads);
  }
  if (l.b == Operand::Node) collect(m, node.b, in_lambda, reads);
  if (l.b == Operand::Lambda) collect(m, m.lambdas[node.b].body, true, reads);
}

// The read node r of the inlined slot now evaluates value node v instead.
void rewrite_read(Module& m, std::uint32_t r, std::uint32_t v) {
  Node& read = m.nodes[r];
  const Node& value = m.nodes[v];
  if (read.op == ExprOp::Local) {
    read = value;
    return;
  }
  // A fused property read of the variable: of the variable the value copies, or of the value's tree.
  if (value.op == ExprOp::Local) {
    read.a = value.a;
    return;
  }
  switch (read.op) {
    case ExprOp::SfFieldLocal: read.op = ExprOp::SfField; break;
    case ExprOp::SfFlagLocal: read.op = ExprOp::SfFlag; break;
    case ExprOp::PktFieldLocal: read.op = ExprOp::PktField; break;
    case ExprOp::PktFlagLocal: read.op = ExprOp::PktFlag; break;
    default: return;
  }
  read.a = v;
}

}  // namespace

void inline_variables(Module& m) {
  bool has_set = false;
  for (const Instr& in : m.code) has_set = has_set || in.op == StmtOp::Set;

  std::vector<std::uint32_t> binds(m.slots.size(), 0);
  std::vector<std::uint32_t> bound_at(m.slots.size(), kNoIndex);
  for (std::uint32_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    std::uint32_t s = kNoIndex;
    if (in.op == StmtOp::VarScalar || in.op == StmtOp::VarList) s = in.a;
    if (in.op == StmtOp::ForeachNext) s = in.b;
    if (s >= binds.size()) continue;
    ++binds[s];
    bound_at[s] = pc;
  }
  for (const Lambda& l : m.lambdas)
    if (l.param < binds.size()) binds[l.param] += 2;  // never inlined

  // Reads, gathered per instruction root (a node shared by two roots counts twice).
  std::vector<std::vector<SlotRead>> reads(m.slots.size());
  for (const Instr& in : m.code)
    for_each_operand(
        in, [&](std::uint32_t n) { collect(m, n, false, reads); },
        [&](std::uint32_t c) {
          const Chain& ch = m.chains[c];
          for (std::uint32_t i = 0; i < ch.n_filters; ++i)
            collect(m, m.lambdas[ch.first_filter + i].body, true, reads);
        });

  // In declaration order: a value inlined into a later declaration's value travels on with it.
  for (std::uint32_t s = 0; s < m.slots.size(); ++s) {
    if (binds[s] != 1 || m.slots[s].is_list) continue;
    const std::uint32_t pc = bound_at[s];
    if (m.code[pc].op != StmtOp::VarScalar || reads[s].empty()) continue;
    const std::uint32_t v = m.code[pc].b;
    if (!pure(m, v) || (has_set && reads_register(m, v))) continue;
    const bool leaf = is_leaf_value(m.nodes[v]);
    if (!leaf && (reads[s].size() != 1 || reads[s][0].in_lambda)) continue;
    // A leaf copy of another variable: that variable's reads grow by ours.
    for (const SlotRead& r : reads[s]) {
      rewrite_read(m, r.node, v);
      if (m.nodes[v].op == ExprOp::Local && m.nodes[v].a < reads.size()) reads[m.nodes[v].a].push_back(r);
    }
    reads[s].clear();
    m.code[pc] = steps_instr(1);
  }
}

}  // namespace progmp::ir::passes

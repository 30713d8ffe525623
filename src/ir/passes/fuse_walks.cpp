// Pass "fuse-walks": late materialisation of list variables. `VAR l = SUBFLOWS.FILTER(f);` followed by walks of l
// (`l.EMPTY`, `l.FILTER(g).MIN(k)`, `FOREACH (VAR x IN l.FILTER(g))`, ...) materialises a snapshot and walks it
// again at every use. When the snapshot would always equal a fresh walk of its chain, the variable is not
// materialised: each use walks the source itself through l's filters and then its own, in one pass (FILTER chains
// already fuse into the MIN/MAX/SUM/COUNT/... that consumes them), and the declaration only walks the source
// unfiltered to count its steps (`VoidList`: 1 + |source| fetches, what the materialisation cost).
//
// The reference steps stay exact through ir::Chain::member_filters: an element pays its fetch step only once it
// passes l's filters, i.e. exactly when the snapshot walk would have fetched it. l's filters run more often (once
// per use instead of once), which is unobservable because they must be pure: no draw, no step, no walk.
//
// A variable qualifies when
//   * it is bound by exactly one VarList (variables are immutable and lexically scoped, so the variables its
//     filters read have the same values at every use);
//   * its filters are pure, and read no register if the program has a SET (a SET between the declaration and a use
//     could change their result);
//   * its source does not change between declaration and use: SUBFLOWS never does, a queue only if the program
//     never POPs, a snapshot always;
//   * every use is a walk: no FOREACH iterates it in place and no POP is applied to it;
//   * it pays off: the variable is walked at most once (a list variable of a single use is the common case; a use
//     inside a lambda, or inside a loop that does not also re-declare the variable, counts as many walks), or its
//     filters are cheap (at most kCheapFilterNodes nodes). Each extra use re-evaluates the filters on every source
//     element, which costs more than reading a snapshot when they are larger: measured with `progmp bench --no-opt`
//     (docs/performance.md), fusing minrtt's `usable` (8 filter nodes, 4 uses) made the interpreter 10-20 % slower.
// Variables are taken in declaration order, so a list built from an unmaterialised list chains both filter runs.
#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

constexpr std::size_t kCheapFilterNodes = 2;

// Where each chain is walked from: the instruction, and whether from inside a lambda (once per element).
struct ChainUse {
  std::uint32_t pc = kNoIndex;
  bool in_lambda = false;
};

void record_uses(const Module& m, std::uint32_t n, std::uint32_t pc, bool in_lambda, std::vector<ChainUse>& uses) {
  if (n == kNoIndex) return;
  const Node& node = m.nodes[n];
  const NodeLayout l = node_layout(node.op);
  if (l.a == Operand::Node) record_uses(m, node.a, pc, in_lambda, uses);
  if (l.a == Operand::Chain) {
    uses[node.a] = ChainUse{pc, in_lambda};
    const Chain& ch = m.chains[node.a];
    for (std::uint32_t i = 0; i < ch.n_filters; ++i)
      record_uses(m, m.lambdas[ch.first_filter + i].body, pc, true, uses);
  }
  if (l.b == Operand::Node) record_uses(m, node.b, pc, in_lambda, uses);
  if (l.b == Operand::Lambda) record_uses(m, m.lambdas[node.b].body, pc, true, uses);
}

std::vector<ChainUse> chain_uses(const Module& m) {
  std::vector<ChainUse> uses(m.chains.size());
  for (std::uint32_t pc = 0; pc < m.code.size(); ++pc)
    for_each_operand(
        m.code[pc], [&](std::uint32_t n) { record_uses(m, n, pc, false, uses); },
        [&](std::uint32_t c) {
          uses[c] = ChainUse{pc, false};
          const Chain& ch = m.chains[c];
          for (std::uint32_t i = 0; i < ch.n_filters; ++i)
            record_uses(m, m.lambdas[ch.first_filter + i].body, pc, true, uses);
        });
  return uses;
}

}  // namespace

void fuse_walks(Module& m) {
  bool has_set = false, has_pop = false;
  for (const Instr& in : m.code) has_set = has_set || in.op == StmtOp::Set;
  for (const Node& n : m.nodes) has_pop = has_pop || n.op == ExprOp::ListPop;

  // List slots: their binding instruction, and whether some use is not a walk.
  const std::size_t n_slots = m.slots.size();
  std::vector<std::uint32_t> binds(n_slots, 0), bound_at(n_slots, kNoIndex);
  std::vector<bool> pinned(n_slots, false);
  for (std::uint32_t pc = 0; pc < m.code.size(); ++pc) {
    const Instr& in = m.code[pc];
    if (in.op == StmtOp::VarList && in.a < n_slots) {
      ++binds[in.a];
      bound_at[in.a] = pc;
    }
    if (in.op == StmtOp::ForeachSlot && in.b < n_slots) pinned[in.b] = true;
  }
  for (const Node& n : m.nodes)
    if (n.op == ExprOp::ListPop && n.a < m.chains.size() && m.chains[n.a].source == Source::Snapshot &&
        m.chains[n.a].slot < n_slots)
      pinned[m.chains[n.a].slot] = true;

  const std::vector<ChainUse> uses = chain_uses(m);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> loops;  // [head, back jump] of every loop
  for (std::uint32_t pc = 0; pc < m.code.size(); ++pc)
    if (m.code[pc].op == StmtOp::Jump && m.code[pc].a <= pc) loops.emplace_back(m.code[pc].a, pc);

  for (std::uint32_t s = 0; s < n_slots; ++s) {
    if (!m.slots[s].is_list || binds[s] != 1 || pinned[s]) continue;
    const std::uint32_t pc = bound_at[s];
    const Chain def = m.chains[m.code[pc].b];
    if ((def.source == Source::Q || def.source == Source::QU || def.source == Source::RQ) && has_pop) continue;
    bool filters_ok = true;
    std::size_t filter_nodes = 0;
    for (std::uint32_t i = 0; i < def.n_filters; ++i) {
      const std::uint32_t body = m.lambdas[def.first_filter + i].body;
      filters_ok = filters_ok && pure(m, body) && !(has_set && reads_register(m, body));
      filter_nodes += node_count(m, body);
    }
    if (!filters_ok) continue;
    std::size_t walks = 0;
    for (std::uint32_t c = 0; c < m.chains.size(); ++c) {
      if (m.chains[c].source != Source::Snapshot || m.chains[c].slot != s) continue;
      const ChainUse& u = c < uses.size() ? uses[c] : ChainUse{};
      bool repeated = u.in_lambda;
      for (const auto& [head, tail] : loops)
        repeated = repeated || (head <= u.pc && u.pc <= tail && !(head <= pc && pc <= tail));
      walks += repeated ? 2 : 1;
    }
    if (walks > 1 && filter_nodes > kCheapFilterNodes) continue;

    // Every walk of the snapshot walks the source through the definition's filters, then its own.
    for (Chain& use : m.chains) {
      if (use.source != Source::Snapshot || use.slot != s) continue;
      const auto first = static_cast<std::uint32_t>(m.lambdas.size());
      for (std::uint32_t i = 0; i < def.n_filters; ++i) m.lambdas.push_back(m.lambdas[def.first_filter + i]);
      for (std::uint32_t i = 0; i < use.n_filters; ++i) m.lambdas.push_back(m.lambdas[use.first_filter + i]);
      // A walk that counts no step (a hoisted TOP) stays uncounted.
      const std::uint32_t member =
          use.member_filters == kNoIndex ? kNoIndex : def.n_filters + use.member_filters;
      use = Chain{def.source, def.packets, def.slot, first, def.n_filters + use.n_filters, member};
    }
    // The declaration keeps its cost: 1 step and one fetch per element the materialisation fetched.
    Chain fetches = def;
    fetches.n_filters = def.member_filters;
    m.chains.push_back(fetches);
    m.code[pc] = Instr{StmtOp::VoidList, 0, static_cast<std::uint32_t>(m.chains.size() - 1), kNoIndex, kNoIndex};
  }
}

}  // namespace progmp::ir::passes

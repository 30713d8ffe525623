// Pass "hoist-invariants": loop-invariant code motion out of lambdas. A FILTER predicate or MIN/MAX/SUM key is
// evaluated once per element; a subexpression of it that does not depend on any lambda parameter has the same
// value for every element (`p.SEQ > R1 * 2`, `s.RTT < lost.RTT + 10`). Such a subexpression is computed once, by a
// `Bind` instruction placed just before the statement, into a new slot that the lambda then reads.
//
// Why this is exact: only pure subexpressions move (no draw, no step, no walk, no POP), so evaluating one once
// before the statement instead of zero or more times inside it changes neither the step count (`Bind` counts no
// step; runtime.md §7.2 asks moved code to add its own count per evaluation it replaces, which is 0) nor the
// effects. Its inputs cannot change within the statement: variables are immutable, the view is constant during an
// execution and registers change only by SET, a statement of its own.
//
// `TOP` of an unfiltered queue or list variable inside a lambda (`usable.FILTER(f => !RQ.TOP.SENT_ON(f))`) is a walk:
// each evaluation fetches the first element, 1 step when there is one. It moves too, when the statement POPs
// nothing (so the queue is the same for the whole statement): the Bind walks a copy of its chain that counts no
// step (ir::Chain::member_filters = kNoIndex), and the lambda reads the slot through `LocalFetched`, which counts
// the 1 step whenever the value is not NULL, exactly where and as often as the TOP did.
//
// Only where it pays: subexpressions of at least kMinNodes nodes (a Bind costs about as much as evaluating two
// nodes), evaluated for every element (not the right operand of AND/OR: `f.ID == R1 AND R3 < R2` evaluates
// `R3 < R2` for one element at most, and hoisting it made round_robin 5-10 % slower on the interpreter), and only
// nodes referenced once (a node shared with another statement must keep its meaning there).
#include <string>

#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

constexpr std::size_t kMinNodes = 3;

class Hoister {
 public:
  explicit Hoister(Module& m) : m_(m), param_(m.slots.size(), false), refs_(m.nodes.size(), 0) {
    for (const Lambda& l : m.lambdas)
      if (l.param < param_.size()) param_[l.param] = true;
    for (const Instr& in : m.code) for_each_instr_node(m, in, [&](std::uint32_t n) { ++refs_[n]; });
  }

  void run() {
    std::vector<std::vector<Instr>> replacement(m_.code.size());
    bool any = false;
    for (std::uint32_t pc = 0; pc < m_.code.size(); ++pc) {
      binds_.clear();
      const Instr in = m_.code[pc];
      stmt_pops_ = false;
      for_each_instr_node(m_, in, [&](std::uint32_t k) { stmt_pops_ = stmt_pops_ || m_.nodes[k].op == ExprOp::ListPop; });
      for_each_operand(in, [&](std::uint32_t n) { scan(n); }, [&](std::uint32_t c) { chain(c); });
      replacement[pc] = binds_;
      replacement[pc].push_back(in);
      any = any || !binds_.empty();
    }
    if (any) rebuild(m_, replacement);
  }

 private:
  // Statement-level expression: looks for lambdas.
  void scan(std::uint32_t n) {
    if (n == kNoIndex) return;
    const Node node = m_.nodes[n];
    const NodeLayout l = node_layout(node.op);
    if (l.a == Operand::Node) scan(node.a);
    if (l.a == Operand::Chain) chain(node.a);
    if (l.b == Operand::Node) scan(node.b);
    if (l.b == Operand::Lambda) hoist_in(m_.lambdas[node.b].body, false);
  }

  void chain(std::uint32_t c) {
    const Chain ch = m_.chains[c];
    for (std::uint32_t i = 0; i < ch.n_filters; ++i) hoist_in(m_.lambdas[ch.first_filter + i].body, false);
  }

  // Inside a lambda: moves the largest invariant subtrees out of the positions evaluated for every element
  // (`conditional`: below the right operand of AND/OR).
  void hoist_in(std::uint32_t n, bool conditional) {
    if (n == kNoIndex) return;
    if (!conditional && refs_[n] == 1 && hoistable_top(n)) {
      Chain uncounted = m_.chains[m_.nodes[n].a];
      uncounted.member_filters = kNoIndex;
      m_.chains.push_back(uncounted);
      Node top = m_.nodes[n];
      top.a = static_cast<std::uint32_t>(m_.chains.size() - 1);
      const auto value = static_cast<std::uint32_t>(m_.nodes.size());
      m_.nodes.push_back(top);
      const auto slot = new_slot();
      m_.nodes[n] = Node{ExprOp::LocalFetched, 0, slot, kNoIndex, 0};
      binds_.push_back(Instr{StmtOp::Bind, 0, slot, value, kNoIndex});
      return;
    }
    if (!conditional && refs_[n] == 1 && node_count(m_, n) >= kMinNodes && invariant(n)) {
      const auto value = static_cast<std::uint32_t>(m_.nodes.size());
      const Node moved = m_.nodes[n];
      m_.nodes.push_back(moved);
      const auto slot = new_slot();
      m_.nodes[n] = Node{ExprOp::Local, 0, slot, kNoIndex, 0};
      binds_.push_back(Instr{StmtOp::Bind, 0, slot, value, kNoIndex});
      return;
    }
    const Node node = m_.nodes[n];
    const NodeLayout l = node_layout(node.op);
    const bool short_circuit = node.op == ExprOp::And || node.op == ExprOp::Or;
    if (l.a == Operand::Node) hoist_in(node.a, conditional);
    if (l.a == Operand::Chain) chain(node.a);  // a nested walk: its lambdas run per element of their own
    if (l.b == Operand::Node) hoist_in(node.b, conditional || short_circuit);
    if (l.b == Operand::Lambda) hoist_in(m_.lambdas[node.b].body, false);
  }

  std::uint32_t new_slot() {
    const auto slot = static_cast<std::uint32_t>(m_.slots.size());
    m_.slots.push_back(SlotInfo{"hoisted" + std::to_string(slot), false, kNoIndex});
    return slot;
  }

  // TOP of an unfiltered queue or list variable, in a statement that POPs nothing.
  bool hoistable_top(std::uint32_t n) const {
    const Node& node = m_.nodes[n];
    if (node.op != ExprOp::ListTop || stmt_pops_) return false;
    const Chain& ch = m_.chains[node.a];
    return ch.n_filters == 0 && ch.member_filters == 0;
  }

  bool invariant(std::uint32_t n) const {
    if (!pure(m_, n)) return false;
    bool reads_param = false, all_const = true;
    for_each_node(m_, n, [&](std::uint32_t k) {
      const Node& node = m_.nodes[k];
      if (reads_slot(node.op) && node.a < param_.size() && param_[node.a]) reads_param = true;
      if (!is_const(node) && node.op != ExprOp::ConstString) all_const = false;
    });
    return !reads_param && !all_const;
  }

  Module& m_;
  std::vector<bool> param_;        // per slot: bound by a lambda
  std::vector<std::uint32_t> refs_;  // per node: references from the code (a shared node is not rewritten)
  std::vector<Instr> binds_;       // the Binds of the statement being scanned
  bool stmt_pops_ = false;         // the statement being scanned POPs
};

}  // namespace

void hoist_invariants(Module& m) { Hoister(m).run(); }

}  // namespace progmp::ir::passes

// Pass 1, "constant-fold": constant folding and propagation with the interpreter's NULL semantics.
//
// Expression trees are folded bottom-up, in place (a folded node is rewritten into a constant, or into a copy of
// the operand it reduces to; the nodes it no longer references stay in the array, unreferenced):
//   * arithmetic wraps, Div/Mod by 0 is NULL, x / -1 is the wrapping negation (INT64_MIN / -1 = INT64_MIN) and
//     x % -1 is 0, as in the interpreter; any NULL operand makes arithmetic, comparisons, Neg, Not and property
//     reads NULL; IsNull/NotNull of a constant, or of a pure operand that is never NULL, are constants;
//   * AND/OR with a constant operand: `FALSE AND x` is FALSE (x is never evaluated), `x AND FALSE` is FALSE only if
//     x is pure, `TRUE AND x` is x when x is a strict bool or where only its truth matters (IF conditions, FILTER
//     predicates and AND/OR operands); likewise for OR;
//   * x + 0, 0 + x, x - 0, x * 1, 1 * x and x / 1 are x;
//   * GET with a NULL or negative constant index is NULL (the list is not walked);
//   * a scalar slot bound by exactly one statement, a VarScalar whose value folded to a constant, is propagated
//     into every read of the slot (Local, and NULL into the fused property reads).
// Never folded: RANDOM (each draw is observable), registers (SET changes them), CURRENT_TIME_MS and every read of
// the view. An operand is dropped only when it is pure (no draw, no step, no walk) or never evaluated, so the step
// count, the draws and the effects are unchanged; statements are not touched (dead-code does that).
#include "passes/pass_util.hpp"

namespace progmp::ir::passes {
namespace {

inline std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

class Folder {
 public:
  explicit Folder(Module& m) : m_(m), consts_(m.slots.size(), kNoIndex) {}

  void run() {
    for (;;) {
      changed_ = false;
      for (const Chain& ch : m_.chains)
        for (std::uint32_t i = 0; i < ch.n_filters; ++i) fold(m_.lambdas[ch.first_filter + i].body, true);
      for (const Instr& in : m_.code) {
        switch (in.op) {
          case StmtOp::VarScalar:
          case StmtOp::Bind: fold(in.b, false); break;
          case StmtOp::IfNot: fold(in.a, true); break;
          case StmtOp::Set:
          case StmtOp::Drop:
          case StmtOp::Void:
          case StmtOp::PrintList: fold(in.a, false); break;
          case StmtOp::Push:
          case StmtOp::SetUser:
          case StmtOp::Print:
            fold(in.a, false);
            fold(in.b, false);
            break;
          default: break;
        }
      }
      propagate();
      if (!changed_) break;
    }
  }

 private:
  // ---- rewriting ------------------------------------------------------------------------------------------------
  void set_const(std::uint32_t n, ExprOp op, std::int64_t v) {
    Node& node = m_.nodes[n];
    node = Node{op, 0, kNoIndex, kNoIndex, op == ExprOp::ConstNull ? 0 : v};
    changed_ = true;
  }
  void set_null(std::uint32_t n) { set_const(n, ExprOp::ConstNull, 0); }
  void set_bool(std::uint32_t n, bool b) { set_const(n, ExprOp::ConstBool, b ? 1 : 0); }
  void set_int(std::uint32_t n, std::int64_t v) { set_const(n, ExprOp::ConstInt, v); }
  // n takes the place of its operand `from` (which becomes unreferenced).
  void copy(std::uint32_t n, std::uint32_t from) {
    m_.nodes[n] = m_.nodes[from];
    changed_ = true;
  }

  bool is_null(std::uint32_t n) const { return m_.nodes[n].op == ExprOp::ConstNull; }
  bool is_true(std::uint32_t n) const {
    const Node& x = m_.nodes[n];
    return x.op != ExprOp::ConstNull && x.imm != 0;
  }

  // Never NULL, whatever the view and state (conservative).
  bool never_null(std::uint32_t n) const {
    const Node& x = m_.nodes[n];
    switch (x.op) {
      case ExprOp::ConstInt:
      case ExprOp::ConstBool:
      case ExprOp::ConstString:
      case ExprOp::Reg:
      case ExprOp::NowMs:
      case ExprOp::Random:
      case ExprOp::WindowEnd:
      case ExprOp::Mss:
      case ExprOp::IsNull:
      case ExprOp::NotNull:
      case ExprOp::And:
      case ExprOp::Or:
      case ExprOp::SourceEmpty:
      case ExprOp::SourceCount:
      case ExprOp::ListEmpty:
      case ExprOp::ListCount:
      case ExprOp::ListSum: return true;
      case ExprOp::Neg:
      case ExprOp::Not: return never_null(x.a);
      case ExprOp::Add:
      case ExprOp::Sub:
      case ExprOp::Mul:
      case ExprOp::Eq:
      case ExprOp::Ne:
      case ExprOp::Lt:
      case ExprOp::Le:
      case ExprOp::Gt:
      case ExprOp::Ge: return never_null(x.a) && never_null(x.b);
      default: return false;
    }
  }

  // ---- folding --------------------------------------------------------------------------------------------------
  // `truth`: only whether the value is exactly true matters to the consumer (IF, FILTER, AND/OR operand).
  void fold(std::uint32_t n, bool truth) {
    if (n == kNoIndex) return;
    const ExprOp op = m_.nodes[n].op;
    const NodeLayout l = node_layout(op);
    const bool logic = op == ExprOp::And || op == ExprOp::Or;
    if (l.a == Operand::Node) fold(m_.nodes[n].a, logic);
    if (l.b == Operand::Node) fold(m_.nodes[n].b, logic);
    if (l.b == Operand::Lambda) fold(m_.lambdas[m_.nodes[n].b].body, false);

    const Node node = m_.nodes[n];  // a copy: the rewrites below replace m_.nodes[n]
    switch (node.op) {
      case ExprOp::Local: {
        const std::uint32_t c = consts_[node.a];
        if (c != kNoIndex) copy(n, c);
        return;
      }
      case ExprOp::SfFieldLocal:
      case ExprOp::SfFlagLocal:
      case ExprOp::PktFieldLocal:
      case ExprOp::PktFlagLocal: {
        const std::uint32_t c = consts_[node.a];
        if (c != kNoIndex && m_.nodes[c].op == ExprOp::ConstNull) set_null(n);
        return;
      }
      case ExprOp::Neg:
        if (!is_const(m_.nodes[node.a])) return;
        if (is_null(node.a)) return set_null(n);
        return set_int(n, wrap_sub(0, m_.nodes[node.a].imm));
      case ExprOp::Not:
        if (!is_const(m_.nodes[node.a])) return;
        if (is_null(node.a)) return set_null(n);
        return set_bool(n, m_.nodes[node.a].imm == 0);
      case ExprOp::Add:
      case ExprOp::Sub:
      case ExprOp::Mul:
      case ExprOp::Div:
      case ExprOp::Mod:
      case ExprOp::Eq:
      case ExprOp::Ne:
      case ExprOp::Lt:
      case ExprOp::Le:
      case ExprOp::Gt:
      case ExprOp::Ge: return binary(n, node);
      case ExprOp::IsNull:
      case ExprOp::NotNull: {
        bool null;
        if (is_const(m_.nodes[node.a])) {
          null = is_null(node.a);
        } else if (never_null(node.a) && pure(m_, node.a)) {
          null = false;
        } else {
          return;
        }
        return set_bool(n, node.op == ExprOp::IsNull ? null : !null);
      }
      case ExprOp::And:
      case ExprOp::Or: return logic_op(n, node, truth);
      case ExprOp::SfField:
      case ExprOp::SfFlag:
      case ExprOp::SfRttMs:
      case ExprOp::SfDelayIn:
      case ExprOp::SfDelayOut:
      case ExprOp::PktField:
      case ExprOp::PktFlag:
      case ExprOp::PktAgeMs:
      case ExprOp::PktSentOnAll:
        if (is_null(node.a)) set_null(n);
        return;
      case ExprOp::SfHasWindow:
      case ExprOp::PktSentOn:
        // b is evaluated only when a is not NULL.
        if (is_null(node.a) || (is_null(node.b) && pure(m_, node.a))) set_null(n);
        return;
      case ExprOp::ListGet: {
        // The index is evaluated first; NULL or negative: NULL without walking the list.
        const Node& idx = m_.nodes[node.b];
        if (is_const(idx) && (idx.op == ExprOp::ConstNull || idx.imm < 0)) set_null(n);
        return;
      }
      default: return;
    }
  }

  void binary(std::uint32_t n, const Node& node) {
    const Node& a = m_.nodes[node.a];
    const Node& b = m_.nodes[node.b];
    // Both operands are always evaluated: a NULL makes the result NULL, the other operand may go if pure.
    if ((a.op == ExprOp::ConstNull && pure(m_, node.b)) || (b.op == ExprOp::ConstNull && pure(m_, node.a)))
      return set_null(n);
    const bool divides = node.op == ExprOp::Div || node.op == ExprOp::Mod;
    if (divides && b.op == ExprOp::ConstInt && b.imm == 0 && pure(m_, node.a)) return set_null(n);
    if (!is_const(a) || !is_const(b)) return identity(n, node);
    if (a.op == ExprOp::ConstNull || b.op == ExprOp::ConstNull) return set_null(n);
    const std::int64_t x = a.imm, y = b.imm;
    switch (node.op) {
      case ExprOp::Add: return set_int(n, wrap_add(x, y));
      case ExprOp::Sub: return set_int(n, wrap_sub(x, y));
      case ExprOp::Mul: return set_int(n, wrap_mul(x, y));
      case ExprOp::Div:
        if (y == 0) return set_null(n);
        if (y == -1) return set_int(n, wrap_sub(0, x));  // INT64_MIN / -1 wraps to INT64_MIN
        return set_int(n, x / y);
      case ExprOp::Mod:
        if (y == 0) return set_null(n);
        if (y == -1) return set_int(n, 0);
        return set_int(n, x % y);
      case ExprOp::Eq: return set_bool(n, x == y);
      case ExprOp::Ne: return set_bool(n, x != y);
      case ExprOp::Lt: return set_bool(n, x < y);
      case ExprOp::Le: return set_bool(n, x <= y);
      case ExprOp::Gt: return set_bool(n, x > y);
      case ExprOp::Ge: return set_bool(n, x >= y);
      default: return;
    }
  }

  // x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1 are x (NULL stays NULL, the constant operand has no effect).
  void identity(std::uint32_t n, const Node& node) {
    auto int_const = [&](std::uint32_t x, std::int64_t v) {
      return m_.nodes[x].op == ExprOp::ConstInt && m_.nodes[x].imm == v;
    };
    switch (node.op) {
      case ExprOp::Add:
        if (int_const(node.b, 0)) return copy(n, node.a);
        if (int_const(node.a, 0)) return copy(n, node.b);
        return;
      case ExprOp::Sub:
        if (int_const(node.b, 0)) return copy(n, node.a);
        return;
      case ExprOp::Mul:
        if (int_const(node.b, 1)) return copy(n, node.a);
        if (int_const(node.a, 1)) return copy(n, node.b);
        return;
      case ExprOp::Div:
        if (int_const(node.b, 1)) return copy(n, node.a);
        return;
      default: return;
    }
  }

  // AND / OR: never NULL, short-circuit. `truth` as in fold().
  void logic_op(std::uint32_t n, const Node& node, bool truth) {
    const bool is_and = node.op == ExprOp::And;
    // The result is is_true(x): x itself where that is the same.
    auto truth_of = [&](std::uint32_t x) {
      if (is_const(m_.nodes[x])) return set_bool(n, is_true(x));
      if (truth || strict_bool(m_, x)) copy(n, x);
    };
    if (is_const(m_.nodes[node.a])) {
      // The first operand decides alone, or the result is the second one's truth.
      if (is_true(node.a) != is_and) return set_bool(n, !is_and);
      return truth_of(node.b);
    }
    if (is_const(m_.nodes[node.b])) {
      // `x AND TRUE`, `x OR FALSE`: x's truth (x evaluated once either way).
      if (is_true(node.b) == is_and) return truth_of(node.a);
      // `x AND FALSE`, `x OR TRUE`: constant, if x can go.
      if (pure(m_, node.a)) return set_bool(n, !is_and);
    }
  }

  // Slots bound by exactly one statement, a VarScalar with a constant value, become constants.
  void propagate() {
    std::vector<std::uint32_t> binds(m_.slots.size(), 0);
    std::vector<std::uint32_t> value(m_.slots.size(), kNoIndex);
    auto bind = [&](std::uint32_t s, std::uint32_t v) {
      if (s >= binds.size()) return;
      ++binds[s];
      value[s] = v;
    };
    for (const Instr& in : m_.code) {
      switch (in.op) {
        case StmtOp::VarScalar:
        case StmtOp::Bind: bind(in.a, in.b); break;
        case StmtOp::VarList: bind(in.a, kNoIndex); break;
        case StmtOp::ForeachNext: bind(in.b, kNoIndex); break;
        default: break;
      }
    }
    for (const Lambda& l : m_.lambdas) bind(l.param, kNoIndex);
    for (std::size_t s = 0; s < binds.size(); ++s) {
      if (consts_[s] != kNoIndex || binds[s] != 1 || value[s] == kNoIndex) continue;
      if (!is_const(m_.nodes[value[s]])) continue;
      consts_[s] = value[s];
      changed_ = true;
    }
  }

  Module& m_;
  std::vector<std::uint32_t> consts_;  // per slot: its constant value node, or kNoIndex
  bool changed_ = false;
};

}  // namespace

void fold_constants(Module& m) { Folder(m).run(); }

}  // namespace progmp::ir::passes

// Literals, names, prefix and binary operators (language.md §4, §5, §6.2, §7), with W0203 and W0301.
#include "checker.hpp"

#include <array>

namespace progmp::lang {
namespace {

struct BuiltinName {
  std::string_view name;
  Builtin builtin;
  Type type;
  Origin origin;
};

constexpr std::array kBuiltins = {
    BuiltinName{"Q", Builtin::Q, Type::PacketList, Origin::Q},
    BuiltinName{"QU", Builtin::QU, Type::PacketList, Origin::QU},
    BuiltinName{"RQ", Builtin::RQ, Type::PacketList, Origin::RQ},
    BuiltinName{"SUBFLOWS", Builtin::Subflows, Type::SubflowList, Origin::None},
    BuiltinName{"CURRENT_TIME_MS", Builtin::CurrentTimeMs, Type::Int, Origin::None},
    BuiltinName{"RANDOM", Builtin::Random, Type::Int, Origin::None},
    BuiltinName{"WINDOW_END", Builtin::WindowEnd, Type::Int, Origin::None},
    BuiltinName{"MSS", Builtin::Mss, Type::Int, Origin::None},
};

// Names that are always candidates of a suggestion (language.md §14.3), besides the names in scope.
constexpr std::array<std::string_view, 17> kFixedCandidates = {
    "Q", "QU", "RQ", "SUBFLOWS", "CURRENT_TIME_MS", "RANDOM", "WINDOW_END", "MSS", "R1",
    "R2", "R3", "R4", "R5", "R6", "TRUE", "FALSE", "NULL"};

int register_index(std::string_view n) {
  if (n.size() == 2 && n[0] == 'R' && n[1] >= '0' && n[1] <= '9') return n[1] - '0';
  return -1;
}

}  // namespace

ExprId Checker::expr(std::uint32_t syn, bool pop_allowed) {
  const SynExpr& e = tree_.exprs[syn];
  Expr out;
  out.loc = loc(e.first);
  switch (e.kind) {
    case SynKind::Int:
      out.kind = ExprKind::IntLit;
      out.type = Type::Int;
      out.value = lx_.tokens[e.tok].value;
      return add_expr(out);
    case SynKind::True:
    case SynKind::False:
      out.kind = ExprKind::BoolLit;
      out.type = Type::Bool;
      out.value = e.kind == SynKind::True ? 1 : 0;
      return add_expr(out);
    case SynKind::Null:
      out.kind = ExprKind::NullLit;
      out.type = Type::Null;
      return add_expr(out);
    case SynKind::String:
      prog_.strings.push_back(lx_.strings[static_cast<std::size_t>(lx_.tokens[e.tok].value)]);
      out.kind = ExprKind::StringLit;
      out.type = Type::String;
      out.value = static_cast<std::int64_t>(prog_.strings.size() - 1);
      return add_expr(out);
    case SynKind::Name: return name(e);
    // Parentheses only matter for POP placement: `PUSH((Q.POP()))` is not the whole argument.
    case SynKind::Paren: return expr(e.a);
    case SynKind::Unary: return unary(e);
    case SynKind::Binary: return binary(e);
    case SynKind::Member: return member(e, pop_allowed);
    case SynKind::Lambda:
    case SynKind::Call: break;  // the parser produces neither in an operand position
  }
  return poison(e.first);
}

// Innermost declaration, else built-in value or register, else E0201 (language.md §6.2).
ExprId Checker::name(const SynExpr& e) {
  std::string_view n = spelling(e.tok);
  Expr out;
  out.loc = loc(e.tok);
  if (auto slot = scopes_.lookup(n)) {
    ++reads_[*slot];
    const Slot& s = prog_.slots[*slot];
    out.kind = ExprKind::Local;
    out.type = s.type;
    out.origin = s.origin;
    out.slot = *slot;
    return add_expr(out);
  }
  for (const BuiltinName& b : kBuiltins) {
    if (b.name == n) {
      out.kind = ExprKind::Builtin;
      out.op = static_cast<std::uint8_t>(b.builtin);
      out.type = b.type;
      out.origin = b.origin;
      return add_expr(out);
    }
  }
  int reg = register_index(n);
  if (reg >= 1 && reg <= 6) {
    out.kind = ExprKind::Register;
    out.op = static_cast<std::uint8_t>(reg - 1);
    out.type = Type::Int;
    return add_expr(out);
  }
  if (reg >= 0) {
    sink_.report(DiagKind::NotARegister, loc(e.tok),
                 "'" + std::string(n) + "' is not a register; the registers are R1 to R6");
    return poison(e.tok);
  }
  std::vector<std::string_view> candidates(kFixedCandidates.begin(), kFixedCandidates.end());
  if (suggestions_) scopes_.visible_names(candidates);
  sink_.report(DiagKind::UnknownName, loc(e.tok), with_suggestion("unknown name '" + std::string(n) + "'", n, candidates));
  return poison(e.tok);
}

// "!" bool -> bool, "-" int -> int.
ExprId Checker::unary(const SynExpr& e) {
  ExprId a = expr(e.a);
  Type t = prog_.exprs[a].type;
  if (t == Type::Error) return poison(e.first);
  const bool bang = e.op == TokenKind::Bang;
  const Type want = bang ? Type::Bool : Type::Int;
  if (t != want) {
    sink_.report(DiagKind::BadUnaryOperand, loc(e.tok),
                 "operator '" + std::string(token_kind_text(e.op)) + "' cannot be applied to " +
                     std::string(type_name(t)));
    return poison(e.first);
  }
  Expr out;
  out.kind = bang ? ExprKind::Not : ExprKind::Neg;
  out.type = want;
  out.a = a;
  out.loc = loc(e.tok);
  return add_expr(out);
}

ExprId Checker::binary(const SynExpr& e) {
  ExprId a = expr(e.a);
  ExprId b = expr(e.b);
  const Type ta = prog_.exprs[a].type;
  const Type tb = prog_.exprs[b].type;
  const bool equality = e.op == TokenKind::EqEq || e.op == TokenKind::NotEq;
  if (equality && (ta == Type::Null || tb == Type::Null)) return null_test(e, a, b);
  if (ta == Type::Error || tb == Type::Error) return poison(e.first);

  Expr out;
  out.loc = loc(e.first);
  out.a = a;
  out.b = b;
  bool ok = false;
  switch (e.op) {
    case TokenKind::And:
    case TokenKind::Or:
      ok = ta == Type::Bool && tb == Type::Bool;
      out.kind = e.op == TokenKind::And ? ExprKind::And : ExprKind::Or;
      out.type = Type::Bool;
      break;
    case TokenKind::EqEq:
    case TokenKind::NotEq:
      ok = ta == tb && (ta == Type::Int || ta == Type::Bool || ta == Type::Subflow || ta == Type::Packet);
      out.kind = ExprKind::Compare;
      out.op = static_cast<std::uint8_t>(e.op == TokenKind::EqEq ? CmpOp::Eq : CmpOp::Ne);
      out.type = Type::Bool;
      break;
    case TokenKind::Lt:
    case TokenKind::Le:
    case TokenKind::Gt:
    case TokenKind::Ge: {
      ok = ta == Type::Int && tb == Type::Int;
      out.kind = ExprKind::Compare;
      CmpOp op = e.op == TokenKind::Lt ? CmpOp::Lt : e.op == TokenKind::Le ? CmpOp::Le
               : e.op == TokenKind::Gt ? CmpOp::Gt : CmpOp::Ge;
      out.op = static_cast<std::uint8_t>(op);
      out.type = Type::Bool;
      break;
    }
    default: {
      ok = ta == Type::Int && tb == Type::Int;
      out.kind = ExprKind::Arith;
      ArithOp op = e.op == TokenKind::Plus ? ArithOp::Add : e.op == TokenKind::Minus ? ArithOp::Sub
                 : e.op == TokenKind::Star ? ArithOp::Mul : e.op == TokenKind::Slash ? ArithOp::Div : ArithOp::Mod;
      out.op = static_cast<std::uint8_t>(op);
      out.type = Type::Int;
      if (ok && (op == ArithOp::Div || op == ArithOp::Mod)) {
        const Expr& rhs = prog_.exprs[b];
        if (rhs.kind == ExprKind::IntLit && rhs.value == 0) {
          sink_.report(DiagKind::DivisionByZero, loc(e.tok), "division by zero always yields NULL");
        }
      }
      break;
    }
  }
  if (!ok) {
    sink_.report(DiagKind::BadBinaryOperands, loc(e.tok),
                 "operator '" + std::string(token_kind_text(e.op)) + "' cannot be applied to " +
                     std::string(type_name(ta)) + " and " + std::string(type_name(tb)));
    return poison(e.first);
  }
  return add_expr(out);
}

// `e == NULL` / `e != NULL` with NULL on either side (language.md §7.3); W0203 when the result is static.
ExprId Checker::null_test(const SynExpr& e, ExprId a, ExprId b) {
  ExprId tested = prog_.exprs[a].type == Type::Null && prog_.exprs[b].type != Type::Null ? b : a;
  const Expr t = prog_.exprs[tested];
  if (t.type == Type::Error) return poison(e.first);
  const bool eq = e.op == TokenKind::EqEq;
  if (t.type == Type::Null) {
    sink_.report(DiagKind::ConstantNullTest, loc(e.tok),
                 std::string("this comparison with NULL is always ") + (eq ? "true" : "false"));
  } else if (never_null(t)) {
    sink_.report(DiagKind::ConstantNullTest, loc(e.tok),
                 std::string("this comparison with NULL is always ") + (eq ? "false" : "true"));
  }
  Expr out;
  out.kind = ExprKind::NullTest;
  out.type = Type::Bool;
  out.op = static_cast<std::uint8_t>(eq ? CmpOp::Eq : CmpOp::Ne);
  out.a = tested;
  out.loc = loc(e.first);
  return add_expr(out);
}

// The exhaustive list of W0203 (language.md §14.5): no inference through variables or operators.
bool Checker::never_null(const Expr& e) const {
  if (e.type == Type::SubflowList || e.type == Type::PacketList) return true;
  switch (e.kind) {
    case ExprKind::IntLit:
    case ExprKind::BoolLit:
    case ExprKind::StringLit:
    case ExprKind::Builtin:
    case ExprKind::Register:
    case ExprKind::And:
    case ExprKind::Or:
    case ExprKind::NullTest: return true;
    case ExprKind::Member: {
      Member m = static_cast<Member>(e.op);
      return m == Member::Empty || m == Member::Count || m == Member::Sum;
    }
    default: return e.type == Type::String;
  }
}

}  // namespace progmp::lang

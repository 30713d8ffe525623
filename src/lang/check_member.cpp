// Member access and calls (language.md §3 note 3, §9-§11): lookup by receiver type, argument forms, lambdas,
// origins (§7.6) and the POP rules of §11.4.
#include "checker.hpp"

namespace progmp::lang {
namespace {

// Result type of a member on a receiver of type `recv`.
Type result_type(const MemberSpec& spec, Type recv) {
  switch (spec.member) {
    case Member::Top:
    case Member::Get:
    case Member::Min:
    case Member::Max:
    case Member::Pop: return element_type(recv);
    case Member::Filter: return recv;
    default: return spec.result;
  }
}

}  // namespace

// Precedence (language.md §14.4): unknown member (E0202) before form errors (E0107), and E0105/E0106 only when
// exactly one argument is present. Arguments of unknown or malformed members are not checked.
ExprId Checker::member(const SynExpr& e, bool pop_allowed) {
  ExprId recv = expr(e.a);
  const Expr r = prog_.exprs[recv];
  std::string_view name = spelling(e.tok);
  if (r.type == Type::Error) {
    orphan_argument(e.b);
    return poison(e.tok);
  }
  std::optional<MemberSpec> spec = find_member(r.type, name);
  if (!spec) {
    std::vector<std::string_view> candidates;
    for (const MemberSpec& m : members_of(r.type)) candidates.push_back(m.name);
    sink_.report(DiagKind::UnknownMember, loc(e.tok),
                 with_suggestion("unknown property '" + std::string(name) + "' for type " +
                                     std::string(type_name(r.type)),
                                 name, candidates));
    return poison(e.tok);
  }
  const std::string quoted = "'" + std::string(name) + "'";
  const bool lambda_arg = e.b != kNone && tree_.exprs[e.b].kind == SynKind::Lambda;
  switch (spec->form) {
    case MemberForm::Property:
      if (e.has_parens) {
        sink_.report(DiagKind::WrongMemberForm, loc(e.tok), quoted + " takes no argument list");
        return poison(e.tok);
      }
      break;
    case MemberForm::EmptyCall:
      if (!e.has_parens || e.b != kNone) {
        sink_.report(DiagKind::WrongMemberForm, loc(e.tok), "'POP' must be written POP()");
        return poison(e.tok);
      }
      return pop(e, recv, pop_allowed);
    case MemberForm::OneExpr:
    case MemberForm::OneLambda:
      if (!e.has_parens || e.b == kNone) {
        sink_.report(DiagKind::WrongMemberForm, loc(e.tok), quoted + " needs one argument");
        return poison(e.tok);
      }
      if (spec->form == MemberForm::OneExpr && lambda_arg) {
        sink_.report(DiagKind::LambdaNotAllowed, loc(tree_.exprs[e.b].tok),
                     "a lambda is only allowed as the argument of FILTER, MIN, MAX or SUM");
        return poison(e.tok);
      }
      if (spec->form == MemberForm::OneLambda && !lambda_arg) {
        sink_.report(DiagKind::LambdaExpected, loc(e.tok),
                     std::string(name) + " expects a lambda argument such as 'x => ...'");
        return poison(e.tok);
      }
      if (spec->form == MemberForm::OneLambda) return lambda_member(e, recv, *spec);
      break;
  }

  Expr out;
  out.kind = ExprKind::Member;
  out.op = static_cast<std::uint8_t>(spec->member);
  out.a = recv;
  out.loc = loc(e.tok);
  out.type = result_type(*spec, r.type);
  if (out.type == Type::Packet && r.type == Type::PacketList) out.origin = r.origin;
  if (spec->form == MemberForm::OneExpr) {
    out.b = expr(e.b);
    expect_type(out.b, e.b, spec->arg, spec->context);
  }
  return add_expr(out);
}

// FILTER / MIN / MAX / SUM: the parameter is bound to the list's elements, with the list's origin.
ExprId Checker::lambda_member(const SynExpr& e, ExprId recv, const MemberSpec& spec) {
  const Expr r = prog_.exprs[recv];
  const SynExpr& l = tree_.exprs[e.b];
  const Type elem = element_type(r.type);
  const Origin origin = elem == Type::Packet ? r.origin : Origin::None;
  scopes_.push();
  SlotId param = declare(l.tok, SlotKind::LambdaParam, elem, origin, false);
  ExprId body = expr(l.a);
  scopes_.pop();
  expect_type(body, l.a, spec.arg, spec.context);
  Expr out;
  out.kind = ExprKind::Member;
  out.op = static_cast<std::uint8_t>(spec.member);
  out.a = recv;
  out.b = body;
  out.slot = param;
  out.loc = loc(e.tok);
  out.type = result_type(spec, r.type);
  if (out.type == Type::Packet || out.type == Type::PacketList) out.origin = r.origin;
  return add_expr(out);
}

// The argument of a member whose receiver already has an error: still checked for its own mistakes, with a
// poisoned lambda parameter.
void Checker::orphan_argument(std::uint32_t arg) {
  if (arg == kNone) return;
  const SynExpr& a = tree_.exprs[arg];
  if (a.kind != SynKind::Lambda) {
    expr(arg);
    return;
  }
  scopes_.push();
  declare(a.tok, SlotKind::LambdaParam, Type::Error, Origin::None, false);
  expr(a.a);
  scopes_.pop();
}

// POP(): only as the whole PUSH/DROP argument or VAR initializer (E0401), on Q/QU/RQ optionally filtered (E0402).
ExprId Checker::pop(const SynExpr& e, ExprId recv, bool pop_allowed) {
  bool bad = false;
  if (!pop_allowed) {
    sink_.report(DiagKind::PopPlacement, loc(e.tok),
                 "POP() may only be the whole argument of PUSH(...) or DROP(...), or the whole initializer of VAR");
    bad = true;
  }
  ExprId root = recv;
  while (prog_.exprs[root].kind == ExprKind::Member && prog_.exprs[root].op == static_cast<std::uint8_t>(Member::Filter)) {
    root = prog_.exprs[root].a;
  }
  const Expr& rt = prog_.exprs[root];
  const bool queue = rt.kind == ExprKind::Builtin &&
                     (rt.op == static_cast<std::uint8_t>(Builtin::Q) || rt.op == static_cast<std::uint8_t>(Builtin::QU) ||
                      rt.op == static_cast<std::uint8_t>(Builtin::RQ));
  if (!queue) {
    sink_.report(DiagKind::PopReceiver, loc(e.tok),
                 "POP() needs Q, QU or RQ (optionally filtered) as receiver, found " + pop_receiver_description(root));
    bad = true;
  }
  if (bad) return poison(e.tok);
  Expr out;
  out.kind = ExprKind::Member;
  out.op = static_cast<std::uint8_t>(Member::Pop);
  out.a = recv;
  out.type = Type::Packet;
  out.origin = prog_.exprs[recv].origin;
  out.loc = loc(e.tok);
  return add_expr(out);
}

std::string Checker::pop_receiver_description(ExprId root) const {
  const Expr& e = prog_.exprs[root];
  if (e.kind == ExprKind::Local) {
    const Slot& s = prog_.slots[e.slot];
    switch (s.kind) {
      case SlotKind::Var: return "variable '" + s.name + "'";
      case SlotKind::Loop: return "loop variable '" + s.name + "'";
      case SlotKind::LambdaParam: return "lambda parameter '" + s.name + "'";
    }
  }
  return "an expression of type " + std::string(type_name(e.type));
}

}  // namespace progmp::lang

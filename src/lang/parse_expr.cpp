// Expressions (language.md §3, precedence of §4) with the depth accounting of §15: every node that adds a level
// is entered through enter_node() before the parser recurses into it, so recursion is bounded by
// kMaxNestingDepth whatever the input; operator chains built in loops are checked by check_tree_depth().
#include "parser_impl.hpp"

#include <algorithm>

namespace progmp::lang {
namespace {

// Binding power of binary operators; 0 = not a binary operator.
int precedence(TokenKind k) {
  switch (k) {
    case TokenKind::Or: return 1;
    case TokenKind::And: return 2;
    case TokenKind::EqEq:
    case TokenKind::NotEq:
    case TokenKind::Lt:
    case TokenKind::Le:
    case TokenKind::Gt:
    case TokenKind::Ge: return 3;
    case TokenKind::Plus:
    case TokenKind::Minus: return 4;
    case TokenKind::Star:
    case TokenKind::Slash:
    case TokenKind::Percent: return 5;
    default: return 0;
  }
}

}  // namespace

// expr = or_expr ;
std::uint32_t Parser::expression() { return binary(1); }

// or_expr  = and_expr { "OR" and_expr } ;           and_expr = cmp_expr { "AND" cmp_expr } ;
// cmp_expr = add_expr { cmp_op add_expr } ;          add_expr = mul_expr { ( "+" | "-" ) mul_expr } ;
// mul_expr = unary { ( "*" | "/" | "%" ) unary } ;   all left-associative (precedence climbing).
std::uint32_t Parser::binary(int min_prec) {
  std::uint32_t lhs = unary();
  if (panic_) return kNone;
  for (;;) {
    int prec = precedence(kind());
    if (prec == 0 || prec < min_prec) return lhs;
    SynExpr e;
    e.kind = SynKind::Binary;
    e.op = kind();
    e.tok = pos_;
    e.first = first_of(lhs);
    advance();
    ++depth_;
    std::uint32_t rhs = binary(prec + 1);
    --depth_;
    if (panic_) return kNone;
    e.a = lhs;
    e.b = rhs;
    e.height = 1 + std::max(height_of(lhs), height_of(rhs));
    lhs = add_expr(e);
  }
}

// unary = { "!" | "-" } postfix ;
std::uint32_t Parser::unary() {
  std::vector<std::uint32_t> ops;
  while (at(TokenKind::Bang) || at(TokenKind::Minus)) {
    if (!enter_node(cur().loc())) break;
    ops.push_back(pos_);
    ++depth_;
    advance();
  }
  std::uint32_t e = panic_ ? kNone : postfix();
  depth_ -= static_cast<std::uint32_t>(ops.size());
  if (panic_) return kNone;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    SynExpr u;
    u.kind = SynKind::Unary;
    u.op = lx_.tokens[*it].kind;
    u.tok = *it;
    u.first = *it;
    u.a = e;
    u.height = 1 + height_of(e);
    e = add_expr(u);
  }
  return e;
}

// postfix = primary { "." member } ;
// member  = IDENT [ "(" [ argument ] ")" ] ;
std::uint32_t Parser::postfix() {
  std::uint32_t chain_first = pos_;
  std::uint32_t e = primary();
  if (panic_) return kNone;
  while (at(TokenKind::Dot)) {
    advance();
    if (at(TokenKind::Push) || at(TokenKind::SetUser)) {
      bool ends_statement = false;
      e = call_member(e, chain_first, ends_statement);
      if (panic_ || ends_statement) return e;
      continue;
    }
    if (!at(TokenKind::Ident)) {
      syntax_error(DiagKind::ExpectedToken, "expected an identifier, found " + found());
      return kNone;
    }
    if (!enter_node(lx_.tokens[chain_first].loc())) return kNone;
    SynExpr m;
    m.kind = SynKind::Member;
    m.tok = pos_;
    m.first = chain_first;
    m.a = e;
    advance();
    if (at(TokenKind::LParen)) {
      m.has_parens = true;
      advance();
      if (!at(TokenKind::RParen)) {
        ++depth_;
        m.b = argument();
        --depth_;
        if (panic_) return kNone;
      }
      if (!expect(TokenKind::RParen, "')'")) return kNone;
    }
    m.height = 1 + std::max(height_of(m.a), height_of(m.b));
    e = add_expr(m);
  }
  return e;
}

// "." ( "PUSH" | "SET_USER" ) "(" expr ")": valid only as the last member of a call statement, i.e. when the
// chain starts the statement and nothing continues the expression after it; elsewhere E0108.
std::uint32_t Parser::call_member(std::uint32_t receiver, std::uint32_t chain_first, bool& ends_statement) {
  const std::uint32_t op_tok = pos_;
  const TokenKind op = kind();
  const std::string message = "'" + std::string(token_kind_text(op)) + "' can only be used as a statement";
  const bool root = in_call_stmt_ && chain_first == stmt_first_tok_;
  if (!root) error_at(DiagKind::StatementOnlyCall, cur().loc(), message, false);
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  if (!enter_node(lx_.tokens[chain_first].loc())) return kNone;
  ++depth_;
  std::uint32_t arg = expression();
  --depth_;
  if (panic_ || !expect(TokenKind::RParen, "')'")) return kNone;
  SynExpr c;
  c.kind = SynKind::Call;
  c.op = op;
  c.tok = op_tok;
  c.first = chain_first;
  c.a = receiver;
  c.b = arg;
  c.height = 1 + std::max(height_of(receiver), height_of(arg));
  std::uint32_t id = add_expr(c);
  if (root) {
    if (at(TokenKind::Dot) || precedence(kind()) != 0) {
      error_at(DiagKind::StatementOnlyCall, lx_.tokens[op_tok].loc(), message, false);
    } else {
      ends_statement = true;
    }
  }
  return id;
}

// argument = lambda | expr ;   lambda = IDENT "=" ">" expr ;
std::uint32_t Parser::argument() {
  if (!(at(TokenKind::Ident) && peek_kind(1) == TokenKind::Assign && peek_kind(2) == TokenKind::Gt)) {
    return expression();
  }
  if (!enter_node(cur().loc())) return kNone;
  SynExpr l;
  l.kind = SynKind::Lambda;
  l.tok = pos_;
  l.first = pos_;
  advance();
  advance();
  advance();
  ++depth_;
  l.a = expression();
  --depth_;
  if (panic_) return kNone;
  l.height = 1 + height_of(l.a);
  return add_expr(l);
}

// primary = INT | STRING | "TRUE" | "FALSE" | "NULL" | IDENT | "(" expr ")" ;
std::uint32_t Parser::primary() {
  SynExpr e;
  e.tok = pos_;
  e.first = pos_;
  switch (kind()) {
    case TokenKind::Int: e.kind = SynKind::Int; break;
    case TokenKind::String: e.kind = SynKind::String; break;
    case TokenKind::True: e.kind = SynKind::True; break;
    case TokenKind::False: e.kind = SynKind::False; break;
    case TokenKind::Null: e.kind = SynKind::Null; break;
    case TokenKind::Ident: e.kind = SynKind::Name; break;
    case TokenKind::LParen: {
      if (!enter_node(cur().loc())) return kNone;
      advance();
      ++depth_;
      std::uint32_t inner = expression();
      --depth_;
      if (panic_ || !expect(TokenKind::RParen, "')'")) return kNone;
      e.kind = SynKind::Paren;
      e.a = inner;
      e.height = 1 + height_of(inner);
      return add_expr(e);
    }
    case TokenKind::Push:
    case TokenKind::SetUser:
      syntax_error(DiagKind::StatementOnlyCall,
                   "'" + std::string(token_kind_text(kind())) + "' can only be used as a statement");
      return kNone;
    default:
      syntax_error(DiagKind::ExpectedExprOrStmt, "expected an expression, found " + found());
      return kNone;
  }
  advance();
  return add_expr(e);
}

}  // namespace progmp::lang

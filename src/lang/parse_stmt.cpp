// Statements, blocks and the program (language.md §3), each parse function under its production.
#include "parser_impl.hpp"

namespace progmp::lang {
namespace {

bool starts_expression(TokenKind k) {
  switch (k) {
    case TokenKind::Int:
    case TokenKind::String:
    case TokenKind::True:
    case TokenKind::False:
    case TokenKind::Null:
    case TokenKind::Ident:
    case TokenKind::LParen:
    case TokenKind::Bang:
    case TokenKind::Minus: return true;
    default: return false;
  }
}

}  // namespace

// program = [ header ] { statement } ;
SyntaxTree Parser::run() {
  if (at(TokenKind::Scheduler)) header();
  std::vector<std::uint32_t> items;
  while (!at(TokenKind::Eof)) {
    std::uint32_t before = pos_;
    std::uint32_t id = statement();
    if (id != kNone) items.push_back(id);
    // A stray '}' at the top level stops the recovery skip without being consumed.
    if (pos_ == before && at(TokenKind::RBrace)) advance();
  }
  flush_lex_errors(pos_);
  tree_.body = store_block(items);
  return std::move(tree_);
}

// header = "SCHEDULER" IDENT ";" ;
void Parser::header() {
  frames_.push_back(Frame{cur().offset, false, kNone});
  advance();
  if (!at(TokenKind::Ident)) {
    syntax_error(DiagKind::ExpectedToken, "expected an identifier, found " + found());
  } else {
    std::uint32_t name = pos_;
    advance();
    if (expect(TokenKind::Semi, "';'")) tree_.header_name = name;
  }
  if (panic_) {
    recover();
    panic_ = false;
  }
  frames_.pop_back();
}

// One statement inside its error frame: on a syntax error, skip (§14.1) and drop the statement, keeping a
// poisoned declaration for a VAR or FOREACH whose name was parsed.
std::uint32_t Parser::statement() {
  frames_.push_back(Frame{cur().offset, false, kNone});
  bool is_var = at(TokenKind::Var);
  std::uint32_t first = pos_;
  std::uint32_t id = statement_body();
  if (panic_) {
    recover();
    panic_ = false;
  }
  in_call_stmt_ = false;
  Frame frame = frames_.back();
  frames_.pop_back();
  if (!frame.failed) return id;
  if (frame.name_tok == kNone) return kNone;
  SynStmt s;
  s.kind = is_var ? SynStmtKind::PoisonVar : SynStmtKind::PoisonLoop;
  s.first = first;
  s.name = frame.name_tok;
  return add_stmt(s);
}

// statement = var_stmt | if_stmt | foreach_stmt | set_stmt | drop_stmt | print_stmt | void_stmt | return_stmt
//           | call_stmt ;
std::uint32_t Parser::statement_body() {
  switch (kind()) {
    case TokenKind::Var: return var_stmt();
    case TokenKind::If: return if_stmt();
    case TokenKind::Foreach: return foreach_stmt();
    case TokenKind::Set: return set_stmt();
    case TokenKind::Drop: return drop_stmt();
    case TokenKind::Print: return print_stmt();
    case TokenKind::Void: return void_stmt();
    case TokenKind::Return: return return_stmt();
    default: break;
  }
  if (starts_expression(kind())) return call_stmt();
  syntax_error(DiagKind::ExpectedExprOrStmt, "expected a statement, found " + found());
  return kNone;
}

// An expression that is a whole operand of a statement; its exact depth is checked once it is complete.
std::uint32_t Parser::top_expression() {
  std::uint32_t e = expression();
  if (!panic_) check_tree_depth(e);
  return e;
}

// block = "{" { statement } "}" ;
bool Parser::block(SynBlock& out) {
  if (!at(TokenKind::LBrace)) {
    syntax_error(DiagKind::ExpectedToken, "expected '{', found " + found());
    return false;
  }
  if (!enter_node(cur().loc())) return false;
  advance();
  ++depth_;
  std::vector<std::uint32_t> items;
  while (!at(TokenKind::RBrace) && !at(TokenKind::Eof)) {
    std::uint32_t id = statement();
    if (id != kNone) items.push_back(id);
  }
  --depth_;
  if (!expect(TokenKind::RBrace, "'}'")) return false;
  out = store_block(items);
  return true;
}

// var_stmt = "VAR" IDENT "=" expr ";" ;
std::uint32_t Parser::var_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Var;
  s.first = pos_;
  advance();
  if (!at(TokenKind::Ident)) {
    syntax_error(DiagKind::ExpectedToken, "expected an identifier, found " + found());
    return kNone;
  }
  s.name = pos_;
  frames_.back().name_tok = pos_;
  advance();
  if (!expect(TokenKind::Assign, "'='")) return kNone;
  s.a = top_expression();
  if (panic_ || !expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// if_stmt = "IF" "(" expr ")" block [ "ELSE" ( if_stmt | block ) ] ;
// An ELSE IF belongs to the statement of its chain: an error anywhere drops the whole chain.
std::uint32_t Parser::if_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::If;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  s.a = top_expression();
  if (panic_ || !expect(TokenKind::RParen, "')'")) return kNone;
  if (!block(s.then_block)) return kNone;
  if (at(TokenKind::Else)) {
    advance();
    s.has_else = true;
    if (at(TokenKind::If)) {
      if (!enter_node(cur().loc())) return kNone;
      ++depth_;
      std::uint32_t nested = if_stmt();
      --depth_;
      if (panic_) return kNone;
      s.else_block = store_block({nested});
    } else if (at(TokenKind::LBrace)) {
      if (!block(s.else_block)) return kNone;
    } else {
      syntax_error(DiagKind::ExpectedToken, "expected 'IF' or '{', found " + found());
      return kNone;
    }
  }
  return add_stmt(s);
}

// foreach_stmt = "FOREACH" "(" "VAR" IDENT "IN" expr ")" block ;
std::uint32_t Parser::foreach_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Foreach;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  if (!expect(TokenKind::Var, "'VAR'")) return kNone;
  if (!at(TokenKind::Ident)) {
    syntax_error(DiagKind::ExpectedToken, "expected an identifier, found " + found());
    return kNone;
  }
  s.name = pos_;
  frames_.back().name_tok = pos_;
  advance();
  if (!expect(TokenKind::In, "'IN'")) return kNone;
  s.a = top_expression();
  if (panic_ || !expect(TokenKind::RParen, "')'")) return kNone;
  if (!block(s.then_block)) return kNone;
  return add_stmt(s);
}

// set_stmt = "SET" "(" IDENT "," expr ")" ";" ;
std::uint32_t Parser::set_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Set;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  if (!at(TokenKind::Ident)) {
    syntax_error(DiagKind::ExpectedToken, "expected an identifier, found " + found());
    return kNone;
  }
  s.name = pos_;
  advance();
  if (!expect(TokenKind::Comma, "','")) return kNone;
  s.a = top_expression();
  if (panic_ || !expect(TokenKind::RParen, "')'") || !expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// drop_stmt = "DROP" "(" expr ")" ";" ;
std::uint32_t Parser::drop_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Drop;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  s.a = top_expression();
  if (panic_ || !expect(TokenKind::RParen, "')'") || !expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// print_stmt = "PRINT" "(" expr [ "," expr ] ")" ";" ;
std::uint32_t Parser::print_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Print;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  s.a = top_expression();
  if (panic_) return kNone;
  if (at(TokenKind::Comma)) {
    advance();
    s.b = top_expression();
    if (panic_ || !expect(TokenKind::RParen, "')'")) return kNone;
  } else if (!expect(TokenKind::RParen, "',' or ')'")) {
    return kNone;
  }
  if (!expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// void_stmt = "VOID" "(" [ expr ] ")" ";" ;
std::uint32_t Parser::void_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Void;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::LParen, "'('")) return kNone;
  if (!at(TokenKind::RParen)) {
    s.a = top_expression();
    if (panic_) return kNone;
  }
  if (!expect(TokenKind::RParen, "')'") || !expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// return_stmt = "RETURN" ";" ;
std::uint32_t Parser::return_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Return;
  s.first = pos_;
  advance();
  if (!expect(TokenKind::Semi, "';'")) return kNone;
  return add_stmt(s);
}

// call_stmt = postfix "." ( "PUSH" | "SET_USER" ) "(" expr ")" ";" ;
// Any other expression in statement position is E0103 (unless E0108 was already reported for it).
std::uint32_t Parser::call_stmt() {
  SynStmt s;
  s.kind = SynStmtKind::Call;
  s.first = pos_;
  in_call_stmt_ = true;
  stmt_first_tok_ = pos_;
  std::uint32_t e = expression();
  in_call_stmt_ = false;
  if (panic_) return kNone;
  if (tree_.exprs[e].kind != SynKind::Call) {
    error_at(DiagKind::NotAStatement, lx_.tokens[s.first].loc(),
             "this expression is not a statement; only s.PUSH(...) and s.SET_USER(...) may stand alone", false);
  } else {
    check_tree_depth(e);
  }
  if (!expect(TokenKind::Semi, "';'")) return kNone;
  s.a = e;
  return add_stmt(s);
}

}  // namespace progmp::lang

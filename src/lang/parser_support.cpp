// Parser plumbing: token access, attribution of lexical errors to statements, syntax errors and the recovery skip
// of language.md §14.1, and the nesting-depth accounting of §15.
#include "parser_impl.hpp"

namespace progmp::lang {

SyntaxTree parse(const Lexed& lexed, std::string_view source, DiagSink& sink) {
  return Parser(lexed, source, sink).run();
}

TokenKind Parser::peek_kind(std::size_t ahead) const {
  std::size_t i = pos_ + ahead;
  return i < lx_.tokens.size() ? lx_.tokens[i].kind : TokenKind::Eof;
}

void Parser::advance() {
  flush_lex_errors(pos_);
  if (!at(TokenKind::Eof)) ++pos_;
}

bool Parser::expect(TokenKind k, std::string_view what) {
  if (at(k)) {
    advance();
    return true;
  }
  syntax_error(DiagKind::ExpectedToken, "expected " + std::string(what) + ", found " + found());
  return false;
}

std::string Parser::found() const { return describe_token(cur(), src_); }

// Reports the lexical errors recorded up to the end of token `through_token`, each in the innermost statement
// that had started at its position.
void Parser::flush_lex_errors(std::uint32_t through_token) {
  std::uint32_t end = lx_.tokens[through_token].lex_errors;
  while (lex_flushed_ < end) {
    const LexError& e = lx_.errors[lex_flushed_++];
    Frame* owner = nullptr;
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      if (it->start_offset <= e.loc.offset) {
        owner = &*it;
        break;
      }
    }
    if (owner != nullptr && owner->failed) continue;
    sink_.report(e.kind, e.loc, e.message);
    if (owner != nullptr) owner->failed = true;
  }
}

void Parser::error_at(DiagKind kind, Loc at, const std::string& message, bool panic) {
  flush_lex_errors(pos_);
  if (panic) panic_ = true;
  Frame* frame = frames_.empty() ? nullptr : &frames_.back();
  if (frame != nullptr && frame->failed) return;
  sink_.report(kind, at, message);
  if (frame != nullptr) frame->failed = true;
}

// `SCHEDULER` met anywhere but at the start is E0104 whatever was expected there (language.md §3 note 1).
void Parser::syntax_error(DiagKind kind, const std::string& message) {
  if (at(TokenKind::Scheduler)) {
    error_at(DiagKind::MisplacedHeader, cur().loc(), "SCHEDULER may only appear once, at the start of the program",
             true);
    return;
  }
  error_at(kind, cur().loc(), message, true);
}

// Skips from the offending token, tracking bracket depth, to a ';' (consumed) or '}' (not consumed) at depth 0.
void Parser::recover() {
  std::uint32_t depth = 0;
  while (!at(TokenKind::Eof)) {
    switch (kind()) {
      case TokenKind::LParen:
      case TokenKind::LBrace: ++depth; break;
      case TokenKind::RParen:
        if (depth > 0) --depth;
        break;
      case TokenKind::RBrace:
        if (depth == 0) return;
        --depth;
        break;
      case TokenKind::Semi:
        if (depth == 0) {
          advance();
          return;
        }
        break;
      default: break;
    }
    advance();
  }
}

bool Parser::enter_node(Loc first_token) {
  if (depth_ + 1 <= kMaxNestingDepth) return true;
  error_at(DiagKind::NestingTooDeep, first_token, "nesting is too deep (at most 256 levels)", true);
  return false;
}

// Exact depth check of a statement's expression: operator chains grow left-deep in loops, so their depth is only
// known once the expression is complete. Reports E0503 at the first token of the node on the deepest path that
// sits one level beyond the limit.
void Parser::check_tree_depth(std::uint32_t root) {
  if (root == kNone || depth_ + height_of(root) <= kMaxNestingDepth) return;
  std::uint32_t d = depth_;
  std::uint32_t n = root;
  while (n != kNone) {
    const SynExpr& e = tree_.exprs[n];
    if (e.height > 0) ++d;
    if (d > kMaxNestingDepth) {
      error_at(DiagKind::NestingTooDeep, lx_.tokens[e.first].loc(), "nesting is too deep (at most 256 levels)",
               false);
      return;
    }
    n = height_of(e.b) > height_of(e.a) ? e.b : e.a;
  }
}

std::uint32_t Parser::add_expr(SynExpr e) {
  tree_.exprs.push_back(e);
  return static_cast<std::uint32_t>(tree_.exprs.size() - 1);
}

std::uint32_t Parser::add_stmt(SynStmt s) {
  tree_.stmts.push_back(s);
  return static_cast<std::uint32_t>(tree_.stmts.size() - 1);
}

SynBlock Parser::store_block(const std::vector<std::uint32_t>& items) {
  SynBlock b;
  b.first = static_cast<std::uint32_t>(tree_.items.size());
  b.count = static_cast<std::uint32_t>(items.size());
  tree_.items.insert(tree_.items.end(), items.begin(), items.end());
  return b;
}

}  // namespace progmp::lang

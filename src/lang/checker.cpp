// The checker's entry point and shared helpers.
#include "checker.hpp"

#include <algorithm>

#include "source_text.hpp"
#include "suggest.hpp"

namespace progmp::lang {

Program check(const Lexed& lexed, std::string_view source, const SyntaxTree& tree, DiagSink& sink) {
  return Checker(lexed, source, tree, sink).run();
}

Checker::Checker(const Lexed& lexed, std::string_view source, const SyntaxTree& tree, DiagSink& sink)
    : lx_(lexed), src_(source), tree_(tree), sink_(sink) {
  for (const Diagnostic& d : sink_.items()) {
    if (d.severity == Severity::Error) parse_error_positions_.emplace_back(d.line, d.col);
  }
  std::sort(parse_error_positions_.begin(), parse_error_positions_.end());
  parse_errors_ = sink_.error_count();
}

Program Checker::run() {
  if (tree_.header_name != kNone) prog_.header_name = std::string(spelling(tree_.header_name));
  prog_.body = block(tree_.body).block;
  report_unused();
  if (tree_.body.count == 0) {
    sink_.report(DiagKind::EmptyProgram, Loc{1, 1, static_cast<std::uint32_t>(bom_length(src_))},
                 "program contains no statements");
  }
  return std::move(prog_);
}

std::string_view Checker::spelling(std::uint32_t tok) const {
  const Token& t = lx_.tokens[tok];
  return src_.substr(t.offset, t.length);
}

// Errors of this statement sort after every error already known before it; once 50 of those exist, nothing it
// reports can be printed, so the suggestion search is skipped.
void Checker::begin_statement(std::uint32_t first_tok) {
  const Token& t = lx_.tokens[first_tok];
  auto before = std::lower_bound(parse_error_positions_.begin(), parse_error_positions_.end(),
                                 std::pair{t.line, t.col});
  std::size_t earlier = static_cast<std::size_t>(before - parse_error_positions_.begin()) +
                        (sink_.error_count() - parse_errors_);
  suggestions_ = earlier < 50;
}

std::string Checker::with_suggestion(std::string message, std::string_view unknown,
                                     const std::vector<std::string_view>& candidates) {
  if (!suggestions_) return message;
  if (auto s = suggest(unknown, candidates)) message += "; did you mean '" + *s + "'?";
  return message;
}

ExprId Checker::add_expr(Expr e) {
  prog_.exprs.push_back(e);
  return static_cast<ExprId>(prog_.exprs.size() - 1);
}

StmtId Checker::add_stmt(Stmt s) {
  prog_.stmts.push_back(s);
  return static_cast<StmtId>(prog_.stmts.size() - 1);
}

ExprId Checker::poison(std::uint32_t tok) {
  Expr e;
  e.kind = ExprKind::NullLit;
  e.type = Type::Error;
  e.loc = loc(tok);
  return add_expr(e);
}

bool Checker::expect_type(ExprId e, std::uint32_t syn, Type want, std::string_view context) {
  Type t = prog_.exprs[e].type;
  if (t == Type::Error) return false;
  if (t == want) return true;
  sink_.report(DiagKind::TypeMismatch, loc(first_tok(syn)),
               "type mismatch in " + std::string(context) + ": expected " + std::string(type_name(want)) +
                   ", found " + std::string(type_name(t)));
  return false;
}

}  // namespace progmp::lang

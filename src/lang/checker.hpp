// Name resolution and static type checking (language.md §5-§12, §14): turns the parse tree into the checked
// Program of ast.hpp, reporting every error of every statement that parsed, and the warnings of §14.5.
//
// Error contract: check() never fails; an expression with an error gets Type::Error, which silences every
// diagnostic that would only follow from it. The returned Program is meaningful only when no error was reported.
#pragma once

#include <string_view>
#include <vector>

#include "diag_sink.hpp"
#include "lexer.hpp"
#include "members.hpp"
#include "scopes.hpp"
#include "syntax.hpp"

namespace progmp::lang {

// At most this many VAR and FOREACH variables per program (language.md §6.4): engines give every declaration a
// slot in fixed-size per-execution storage.
inline constexpr std::uint32_t kMaxVariables = 256;

Program check(const Lexed& lexed, std::string_view source, const SyntaxTree& tree, DiagSink& sink);

class Checker {
 public:
  Checker(const Lexed& lexed, std::string_view source, const SyntaxTree& tree, DiagSink& sink);
  Program run();

 private:
  struct BlockResult {
    Block block;
    bool returns = false;
  };

  // --- check_stmt.cpp
  BlockResult block(SynBlock b, bool own_scope = true);
  bool stmt(std::uint32_t id, std::vector<StmtId>& out);  // returns "is a returning statement"
  void var_stmt(const SynStmt& s, std::vector<StmtId>& out);
  bool if_stmt(const SynStmt& s, std::vector<StmtId>& out);
  void foreach_stmt(const SynStmt& s, std::vector<StmtId>& out);
  void set_stmt(const SynStmt& s, std::vector<StmtId>& out);
  void drop_stmt(const SynStmt& s, std::vector<StmtId>& out);
  void print_stmt(const SynStmt& s, std::vector<StmtId>& out);
  void call_stmt(const SynStmt& s, std::vector<StmtId>& out);
  StmtId add_stmt(Stmt s);

  // --- declare.cpp
  SlotId declare(std::uint32_t name_tok, SlotKind kind, Type type, Origin origin, bool counts);
  void count_variable(std::uint32_t name_tok, bool report);
  void report_unused();

  // --- check_expr.cpp
  ExprId expr(std::uint32_t syn, bool pop_allowed = false);
  ExprId name(const SynExpr& e);
  ExprId unary(const SynExpr& e);
  ExprId binary(const SynExpr& e);
  ExprId null_test(const SynExpr& e, ExprId a, ExprId b);
  // E0301 unless `e` has type `want` (or Error); `syn` locates the operand.
  bool expect_type(ExprId e, std::uint32_t syn, Type want, std::string_view context);
  ExprId add_expr(Expr e);
  ExprId poison(std::uint32_t tok);
  bool never_null(const Expr& e) const;

  // --- check_member.cpp
  ExprId member(const SynExpr& e, bool pop_allowed);
  ExprId lambda_member(const SynExpr& e, ExprId recv, const MemberSpec& spec);
  void orphan_argument(std::uint32_t arg);
  ExprId pop(const SynExpr& e, ExprId recv, bool pop_allowed);
  std::string pop_receiver_description(ExprId recv) const;

  // --- helpers
  std::string_view spelling(std::uint32_t tok) const;
  Loc loc(std::uint32_t tok) const { return lx_.tokens[tok].loc(); }
  std::uint32_t first_tok(std::uint32_t syn) const { return tree_.exprs[syn].first; }
  std::string with_suggestion(std::string message, std::string_view unknown,
                              const std::vector<std::string_view>& candidates);
  void begin_statement(std::uint32_t first_tok);

  const Lexed& lx_;
  std::string_view src_;
  const SyntaxTree& tree_;
  DiagSink& sink_;
  Program prog_;
  Scopes scopes_;
  std::vector<std::uint32_t> reads_;         // per slot
  std::vector<std::uint32_t> slot_string_;   // per slot: string index for string-typed variables
  std::uint32_t variables_ = 0;
  bool limit_reported_ = false;
  // Suggestions are computed only while the diagnostic can still be among the 50 printed (language.md §14.1).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> parse_error_positions_;  // sorted (line, col)
  std::size_t parse_errors_ = 0;
  bool suggestions_ = true;
};

}  // namespace progmp::lang

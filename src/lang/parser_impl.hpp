// Internal state of the parser, shared by parse_stmt.cpp (statements, blocks, recovery entry points),
// parse_expr.cpp (expressions) and parser_support.cpp (token access, error reporting, depth accounting).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser.hpp"

namespace progmp::lang {

class Parser {
 public:
  Parser(const Lexed& lexed, std::string_view source, DiagSink& sink)
      : lx_(lexed), src_(source), sink_(sink) {}

  SyntaxTree run();

 private:
  // One statement being parsed. Errors are attributed to the innermost frame that started at or before them;
  // once a frame has failed, further errors in it are suppressed (language.md §14.1).
  struct Frame {
    std::uint32_t start_offset = 0;
    bool failed = false;
    std::uint32_t name_tok = kNone;  // VAR / FOREACH name once parsed
  };

  // --- parser_support.cpp
  const Token& cur() const { return lx_.tokens[pos_]; }
  TokenKind kind() const { return cur().kind; }
  bool at(TokenKind k) const { return kind() == k; }
  TokenKind peek_kind(std::size_t ahead) const;
  void advance();
  bool expect(TokenKind k, std::string_view what);
  void flush_lex_errors(std::uint32_t through_token);
  void syntax_error(DiagKind kind, const std::string& message);  // at the current token; starts recovery
  void error_at(DiagKind kind, Loc at, const std::string& message, bool panic);
  std::string found() const;
  void recover();
  bool enter_node(Loc first_token);  // false (after E0503) when one more level would exceed the limit
  void check_tree_depth(std::uint32_t root);
  std::uint32_t add_expr(SynExpr e);
  std::uint32_t height_of(std::uint32_t e) const { return e == kNone ? 0 : tree_.exprs[e].height; }
  std::uint32_t first_of(std::uint32_t e) const { return tree_.exprs[e].first; }
  SynBlock store_block(const std::vector<std::uint32_t>& items);

  // --- parse_stmt.cpp
  void header();
  std::uint32_t statement();
  std::uint32_t statement_body();
  std::uint32_t var_stmt();
  std::uint32_t if_stmt();
  std::uint32_t foreach_stmt();
  std::uint32_t set_stmt();
  std::uint32_t drop_stmt();
  std::uint32_t print_stmt();
  std::uint32_t void_stmt();
  std::uint32_t return_stmt();
  std::uint32_t call_stmt();
  bool block(SynBlock& out);
  std::uint32_t top_expression();
  std::uint32_t add_stmt(SynStmt s);

  // --- parse_expr.cpp
  std::uint32_t expression();
  std::uint32_t binary(int min_prec);
  std::uint32_t unary();
  std::uint32_t postfix();
  std::uint32_t call_member(std::uint32_t receiver, std::uint32_t chain_first, bool& ends_statement);
  std::uint32_t argument();
  std::uint32_t primary();

  const Lexed& lx_;
  std::string_view src_;
  DiagSink& sink_;
  SyntaxTree tree_;
  std::uint32_t pos_ = 0;
  std::uint32_t lex_flushed_ = 0;
  bool panic_ = false;
  std::vector<Frame> frames_;
  std::uint32_t depth_ = 0;               // counted ancestors of the node being parsed (a lower bound)
  bool in_call_stmt_ = false;             // parsing the expression of an expression statement
  std::uint32_t stmt_first_tok_ = kNone;  // its first token
};

}  // namespace progmp::lang

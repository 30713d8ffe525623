// The parse tree: what the parser recognised, before names and types are known. Only statements that parsed
// without error are in it (plus "poisoned" declarations, language.md §14.1). The checker turns it into the
// Program of ast.hpp. Nodes refer to tokens by index into Lexed::tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "progmp/lang/ast.hpp"
#include "token.hpp"

namespace progmp::lang {

enum class SynKind : std::uint8_t {
  Int,     // tok = literal
  True,    //
  False,   //
  Null,    //
  String,  // tok = literal
  Name,    // tok = identifier
  Paren,   // a = inner; tok = '('
  Unary,   // op = Bang/Minus; tok = operator; a = operand
  Binary,  // op = operator kind; tok = operator; a, b
  Member,  // tok = member name; a = receiver; b = argument or Lambda (kNone); has_parens
  Lambda,  // tok = parameter; a = body
  Call,    // op = Push/SetUser; tok = that keyword; a = receiver; b = argument (only as a call statement)
};

struct SynExpr {
  SynKind kind{};
  TokenKind op = TokenKind::Eof;
  bool has_parens = false;
  std::uint32_t tok = kNone;
  std::uint32_t first = kNone;  // first token of the expression
  std::uint32_t a = kNone;
  std::uint32_t b = kNone;
  std::uint32_t height = 0;  // counted nodes (language.md §15) on the longest path down, this one included
};

struct SynBlock {
  std::uint32_t first = 0;  // into SyntaxTree::items
  std::uint32_t count = 0;
};

enum class SynStmtKind : std::uint8_t {
  Var,         // name, a = initializer
  If,          // a = condition, then_block, else_block (ELSE IF: one If), has_else
  Foreach,     // name, a = list, then_block = body
  Set,         // name = register token, a = value
  Drop,        // a
  Print,       // a = format, b = argument or kNone
  Void,        // a or kNone
  Return,      //
  Call,        // a = the Call expression
  PoisonVar,   // a VAR with a syntax error after its name: declares the name with the error type
  PoisonLoop,  // the same for FOREACH (counts as a variable, declares nothing visible)
};

struct SynStmt {
  SynStmtKind kind{};
  bool has_else = false;
  std::uint32_t first = kNone;  // first token
  std::uint32_t name = kNone;
  std::uint32_t a = kNone;
  std::uint32_t b = kNone;
  SynBlock then_block;
  SynBlock else_block;
};

struct SyntaxTree {
  std::vector<SynExpr> exprs;
  std::vector<SynStmt> stmts;
  std::vector<std::uint32_t> items;
  SynBlock body;
  std::uint32_t header_name = kNone;  // identifier token of `SCHEDULER name;`
};

}  // namespace progmp::lang

// Tokens of language.md §2, produced by the lexer and consumed by the parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "progmp/lang/ast.hpp"

namespace progmp::lang {

enum class TokenKind : std::uint8_t {
#define TOKEN(name, text) name,
#define KEYWORD(name, text) name,
#define PUNCT(name, text) name,
#include "token_kinds.def"
#undef TOKEN
#undef KEYWORD
#undef PUNCT
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::uint32_t offset = 0;  // byte offset of the first byte in the source
  std::uint32_t length = 0;  // bytes of source text
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::int64_t value = 0;        // Int: the value (0 after E0004); String: index into Lexed::strings
  std::uint32_t lex_errors = 0;  // lexer errors recorded before the end of this token (see Lexed::errors)

  Loc loc() const { return Loc{line, col, offset}; }
};

// The keyword spelled exactly `text`, if any (keywords are upper case only, language.md §2.4).
std::optional<TokenKind> keyword_kind(std::string_view text);

// "IF", ";", "identifier" ...: the table spelling.
std::string_view token_kind_text(TokenKind kind);

// The <found> text of E0101/E0102 (language.md §14.4): `end of input`, `integer literal 42`,
// `string literal "a"`, `identifier 'x'`, `keyword 'IF'`, `';'`.
std::string describe_token(const Token& tok, std::string_view source);

bool is_keyword(TokenKind kind);

}  // namespace progmp::lang

// The lexer of language.md §2: source bytes to tokens, in one linear pass.
//
// Error contract: lexing never fails. Lexical errors (E0001-E0006) are returned as data, in source order, and
// each token counts the errors recorded up to its end (Token::lex_errors) so that the parser can attribute them to
// the statement they occur in (language.md §14.1: further errors in that statement are suppressed). Only E0001
// skips characters; E0003-E0006 still produce their token. W0001 goes straight to the sink.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diag_sink.hpp"
#include "token.hpp"

namespace progmp::lang {

struct LexError {
  DiagKind kind;
  Loc loc;
  std::string message;
};

struct Lexed {
  std::vector<Token> tokens;         // always ends with one Eof token
  std::vector<std::string> strings;  // string literal contents after escape processing
  std::vector<LexError> errors;
};

// Limits of language.md §15, with their reasons: identifiers and strings are bounded so that messages, the
// suggestion search and PRINT formats stay small.
inline constexpr std::size_t kMaxIdentifierLength = 255;
inline constexpr std::size_t kMaxStringBytes = 255;

Lexed lex(std::string_view source, DiagSink& warnings);

}  // namespace progmp::lang

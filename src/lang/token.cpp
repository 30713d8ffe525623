// Keyword lookup and token spellings, all generated from token_kinds.def.
#include "token.hpp"

#include <array>

namespace progmp::lang {
namespace {

struct KindText {
  TokenKind kind;
  std::string_view text;
  bool keyword;
};

constexpr std::array kTable = {
#define TOKEN(name, text) KindText{TokenKind::name, text, false},
#define KEYWORD(name, text) KindText{TokenKind::name, text, true},
#define PUNCT(name, text) KindText{TokenKind::name, text, false},
#include "token_kinds.def"
#undef TOKEN
#undef KEYWORD
#undef PUNCT
};

}  // namespace

std::optional<TokenKind> keyword_kind(std::string_view text) {
  if (text.empty() || text[0] < 'A' || text[0] > 'Z') return std::nullopt;
  for (const KindText& k : kTable) {
    if (k.keyword && k.text == text) return k.kind;
  }
  return std::nullopt;
}

std::string_view token_kind_text(TokenKind kind) { return kTable[static_cast<std::size_t>(kind)].text; }

bool is_keyword(TokenKind kind) { return kTable[static_cast<std::size_t>(kind)].keyword; }

std::string describe_token(const Token& tok, std::string_view source) {
  std::string_view spelling = source.substr(tok.offset, tok.length);
  switch (tok.kind) {
    case TokenKind::Eof: return "end of input";
    case TokenKind::Ident: return "identifier '" + std::string(spelling) + "'";
    case TokenKind::Int: return "integer literal " + std::string(spelling);
    case TokenKind::String: return "string literal " + std::string(spelling);
    default: break;
  }
  if (is_keyword(tok.kind)) return "keyword '" + std::string(token_kind_text(tok.kind)) + "'";
  return "'" + std::string(token_kind_text(tok.kind)) + "'";
}

}  // namespace progmp::lang

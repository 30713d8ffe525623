// Lexer: whitespace, comments, identifiers and keywords, integer and string literals, operators (language.md §2).
#include "lexer.hpp"

#include <cstdint>
#include <limits>

#include "source_text.hpp"

namespace progmp::lang {
namespace {

bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

std::string hex_byte(unsigned char b) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s = "0x";
  s += kDigits[b >> 4];
  s += kDigits[b & 15];
  return s;
}

class Lexer {
 public:
  Lexer(std::string_view src, DiagSink& warnings) : src_(src), warnings_(warnings) {}

  Lexed run() {
    pos_ = bom_length(src_);
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        bump_char();
      } else if (c == '/' && peek(1) == '*') {
        block_comment();
      } else if (c == '/' && peek(1) == '/') {
        line_comment();
      } else if (is_ident_start(c)) {
        identifier();
      } else if (is_digit(c)) {
        integer();
      } else if (c == '"') {
        string_literal();
      } else if (!punctuation()) {
        illegal();
      }
    }
    Token eof;
    eof.kind = TokenKind::Eof;
    eof.offset = static_cast<std::uint32_t>(pos_);
    eof.line = line_;
    eof.col = col_;
    eof.lex_errors = static_cast<std::uint32_t>(out_.errors.size());
    out_.tokens.push_back(eof);
    return std::move(out_);
  }

 private:
  char peek(std::size_t ahead) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }
  bool at_end(std::size_t ahead = 0) const { return pos_ + ahead >= src_.size(); }
  Loc here() const { return Loc{line_, col_, static_cast<std::uint32_t>(pos_)}; }

  // Advances over one character (one UTF-8 sequence or one invalid byte), keeping line and column.
  void bump_char() {
    if (src_[pos_] == '\n') {
      ++pos_;
      ++line_;
      col_ = 1;
    } else {
      pos_ += utf8_char_length(src_, pos_);
      ++col_;
    }
  }

  void error(DiagKind kind, Loc at, std::string message) { out_.errors.push_back({kind, at, std::move(message)}); }

  void nul_byte() {
    error(DiagKind::IllegalChar, here(), "illegal byte 0x00");
    bump_char();
  }

  void push_token(TokenKind kind, Loc start, std::int64_t value = 0) {
    Token t;
    t.kind = kind;
    t.offset = start.offset;
    t.length = static_cast<std::uint32_t>(pos_ - start.offset);
    t.line = start.line;
    t.col = start.col;
    t.value = value;
    t.lex_errors = static_cast<std::uint32_t>(out_.errors.size());
    out_.tokens.push_back(t);
  }

  // "/*" ... "*/", not nested; E0002 at the "/*" when the input ends first.
  void block_comment() {
    Loc start = here();
    bump_char();
    bump_char();
    while (!at_end()) {
      if (src_[pos_] == '*' && peek(1) == '/') {
        bump_char();
        bump_char();
        return;
      }
      if (src_[pos_] == '\0') {
        nul_byte();
      } else {
        bump_char();
      }
    }
    error(DiagKind::UnterminatedComment, start, "unterminated block comment");
  }

  // "//" up to, not including, the next LF.
  void line_comment() {
    while (!at_end() && src_[pos_] != '\n') {
      if (src_[pos_] == '\0') {
        nul_byte();
      } else {
        bump_char();
      }
    }
  }

  void identifier() {
    Loc start = here();
    while (!at_end() && is_ident_char(src_[pos_])) bump_char();
    std::string_view text = src_.substr(start.offset, pos_ - start.offset);
    if (text.size() > kMaxIdentifierLength) {
      error(DiagKind::IdentTooLong, start,
            "identifier is too long (" + std::to_string(text.size()) + " characters, at most 255)");
      push_token(TokenKind::Ident, start);
      return;
    }
    push_token(keyword_kind(text).value_or(TokenKind::Ident), start);
  }

  void integer() {
    Loc start = here();
    std::uint64_t value = 0;
    bool overflow = false;
    constexpr std::uint64_t kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    while (!at_end() && is_digit(src_[pos_])) {
      std::uint64_t digit = static_cast<std::uint64_t>(src_[pos_] - '0');
      if (!overflow && value > (kMax - digit) / 10) overflow = true;
      if (!overflow) value = value * 10 + digit;
      bump_char();
    }
    if (overflow) {
      error(DiagKind::IntTooLarge, start, "integer literal is too large (maximum 9223372036854775807)");
      value = 0;
    }
    push_token(TokenKind::Int, start, static_cast<std::int64_t>(value));
  }

  // '"' ... '"' on one line with the escapes of language.md §2.6.
  void string_literal() {
    Loc start = here();
    bump_char();
    std::string content;
    bool terminated = false;
    while (!at_end()) {
      char c = src_[pos_];
      if (c == '\n' || c == '\r') break;
      if (c == '"') {
        bump_char();
        terminated = true;
        break;
      }
      if (c == '\0') {
        nul_byte();
        continue;
      }
      if (c == '\\') {
        char e = peek(1);
        const char* mapped = nullptr;
        switch (e) {
          case '"': mapped = "\""; break;
          case '\\': mapped = "\\"; break;
          case 'n': mapped = "\n"; break;
          case 't': mapped = "\t"; break;
          case 'r': mapped = "\r"; break;
          default: break;
        }
        if (mapped != nullptr) {
          content += mapped;
          bump_char();
          bump_char();
          continue;
        }
        if (at_end(1) || e == '\n' || e == '\r' || e == '\0') {
          content += '\\';
          bump_char();
          continue;
        }
        Loc backslash = here();
        bump_char();
        std::size_t n = utf8_char_length(src_, pos_);
        std::string_view seq = src_.substr(pos_, n);
        warnings_.report(DiagKind::UnknownEscape, backslash,
                         "unknown escape sequence '\\" + std::string(seq) + "'; kept as written");
        content += '\\';
        content += seq;
        bump_char();
        continue;
      }
      std::size_t n = utf8_char_length(src_, pos_);
      content += src_.substr(pos_, n);
      bump_char();
    }
    if (!terminated) {
      error(DiagKind::UnterminatedString, start, "unterminated string literal");
    } else if (content.size() > kMaxStringBytes) {
      error(DiagKind::StringTooLong, start,
            "string literal is too long (" + std::to_string(content.size()) + " bytes, at most 255)");
    }
    out_.strings.push_back(std::move(content));
    push_token(TokenKind::String, start, static_cast<std::int64_t>(out_.strings.size() - 1));
  }

  // Longest match of the operators of language.md §2.7.
  bool punctuation() {
    Loc start = here();
    char c = src_[pos_];
    char n = peek(1);
    TokenKind kind;
    std::size_t len = 1;
    switch (c) {
      case '!': kind = n == '=' ? (len = 2, TokenKind::NotEq) : TokenKind::Bang; break;
      case '=': kind = n == '=' ? (len = 2, TokenKind::EqEq) : TokenKind::Assign; break;
      case '<': kind = n == '=' ? (len = 2, TokenKind::Le) : TokenKind::Lt; break;
      case '>': kind = n == '=' ? (len = 2, TokenKind::Ge) : TokenKind::Gt; break;
      case '+': kind = TokenKind::Plus; break;
      case '-': kind = TokenKind::Minus; break;
      case '*': kind = TokenKind::Star; break;
      case '/': kind = TokenKind::Slash; break;
      case '%': kind = TokenKind::Percent; break;
      case '.': kind = TokenKind::Dot; break;
      case ',': kind = TokenKind::Comma; break;
      case ';': kind = TokenKind::Semi; break;
      case '(': kind = TokenKind::LParen; break;
      case ')': kind = TokenKind::RParen; break;
      case '{': kind = TokenKind::LBrace; break;
      case '}': kind = TokenKind::RBrace; break;
      default: return false;
    }
    pos_ += len;
    col_ += static_cast<std::uint32_t>(len);
    push_token(kind, start);
    return true;
  }

  // E0001: printable ASCII is quoted, anything else is shown as its first byte; the whole sequence is skipped.
  void illegal() {
    unsigned char b = static_cast<unsigned char>(src_[pos_]);
    std::string message;
    if (b >= 0x21 && b <= 0x7E) {
      message = std::string("illegal character '") + static_cast<char>(b) + "'";
      if (b == '&') message += "; use AND";
      if (b == '|') message += "; use OR";
    } else {
      message = "illegal byte " + hex_byte(b);
    }
    error(DiagKind::IllegalChar, here(), std::move(message));
    bump_char();
  }

  std::string_view src_;
  DiagSink& warnings_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t col_ = 1;
  Lexed out_;
};

}  // namespace

Lexed lex(std::string_view source, DiagSink& warnings) { return Lexer(source, warnings).run(); }

}  // namespace progmp::lang

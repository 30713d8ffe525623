// UTF-8 segmentation and line lookup (language.md §2.1, §2.2).
#include "source_text.hpp"

namespace progmp::lang {

std::size_t bom_length(std::string_view s) {
  return s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBB &&
                 static_cast<unsigned char>(s[2]) == 0xBF
             ? 3
             : 0;
}

std::size_t utf8_char_length(std::string_view s, std::size_t pos) {
  auto at = [&](std::size_t i) -> unsigned { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  unsigned b0 = at(pos);
  if (b0 < 0x80) return 1;
  // Second-byte ranges exclude overlong forms, surrogates and code points above U+10FFFF.
  unsigned lo = 0x80, hi = 0xBF;
  std::size_t n = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  unsigned b1 = at(pos + 1);
  if (b1 < lo || b1 > hi) return 1;
  for (std::size_t i = 2; i < n; ++i) {
    unsigned b = at(pos + i);
    if (b < 0x80 || b > 0xBF) return 1;
  }
  return n;
}

LineTable::LineTable(std::string_view source) : source_(source), first_(bom_length(source)) {
  starts_.push_back(first_);
  for (std::size_t i = first_; i < source.size(); ++i) {
    if (source[i] == '\n') starts_.push_back(i + 1);
  }
}

std::string_view LineTable::line(std::uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  std::size_t begin = starts_[line - 1];
  std::size_t end = line < starts_.size() ? starts_[line] - 1 : source_.size();
  if (line < starts_.size() && end > begin && source_[end - 1] == '\r') --end;
  return source_.substr(begin, end - begin);
}

}  // namespace progmp::lang

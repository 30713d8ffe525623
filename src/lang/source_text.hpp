// Character-level facts of language.md §2.1-§2.2 shared by the lexer and the text formatter: the optional BOM,
// UTF-8 sequence boundaries (a column counts sequences) and the displayed line of a position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace progmp::lang {

// Bytes of the leading UTF-8 byte-order mark (0 or 3).
std::size_t bom_length(std::string_view source);

// Length in bytes of the character starting at `pos`: a well-formed UTF-8 sequence, or 1 for an invalid byte.
std::size_t utf8_char_length(std::string_view source, std::size_t pos);

// The source line `line` (1-based) as displayed in excerpts: without its LF, without a CR directly before that LF,
// without the BOM on line 1. Lines past the end are empty.
class LineTable {
 public:
  explicit LineTable(std::string_view source);
  std::string_view line(std::uint32_t line) const;

 private:
  std::string_view source_;
  std::size_t first_ = 0;
  std::vector<std::size_t> starts_;
};

}  // namespace progmp::lang

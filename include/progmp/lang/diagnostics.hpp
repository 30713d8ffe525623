// Compile-time diagnostics as data (language.md §14) and their two printed forms: gcc-style text with the source
// line and a caret, and the JSON array for tools.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace progmp::lang {

enum class Severity : std::uint8_t { Error, Warning, Note };

struct DiagNote {
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;           // "E0201", "W0101"; empty for the positionless "too many errors" note
  std::uint32_t line = 0;     // 0 together with col 0: no position
  std::uint32_t col = 0;
  std::string message;
  std::vector<DiagNote> notes;
};

// Text form of language.md §14.2 for every diagnostic, in order. `source` is the program text the positions
// refer to (used for the excerpt lines).
std::string format_diagnostics_text(const std::vector<Diagnostic>& diags, std::string_view file,
                                    std::string_view source);

// JSON form of language.md §14.2: an array of objects, one line, no trailing newline.
std::string format_diagnostics_json(const std::vector<Diagnostic>& diags, std::string_view file);

bool has_errors(const std::vector<Diagnostic>& diags);

}  // namespace progmp::lang

// PRINT text (language.md §12.6) and the JSON string escaping of the trace (runtime.md §12.1). Only the runtime
// turns a PRINT's typed argument into text; engines log the format string id and the value.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "progmp/exec/effect_log.hpp"

namespace progmp::runtime {

inline constexpr std::size_t kMaxPrintBytes = 1024;

// Formats PRINT texts. Keeps one scratch buffer so that formatting into a reused `out` does not allocate once the
// buffers have grown. `strings` are the program's string literals (a String argument names one by index).
class PrintFormatter {
 public:
  // Replaces `out` with the text: placeholder expansion, then UTF-8 repair (each maximal invalid subsequence
  // becomes U+FFFD), then truncation to at most 1024 bytes without splitting a character.
  void format(std::string& out, std::string_view format, const PrintValue& arg,
              std::span<const std::string> strings);

 private:
  std::string raw_;
};

// Convenience for tests and tools.
std::string format_print(std::string_view format, const PrintValue& arg, std::span<const std::string> strings = {});

// Appends `in` made valid UTF-8 (maximal invalid subsequences → U+FFFD, the WHATWG decoder's rule) to `out`.
void append_valid_utf8(std::string& out, std::string_view in);

// Appends `s` as a JSON string literal with quotes: escapes '"', '\\' and U+0000–U+001F (as \uXXXX, except \n,
// \t and \r); everything else is copied byte for byte (the caller passes valid UTF-8).
void append_json_string(std::string& out, std::string_view s);

}  // namespace progmp::runtime

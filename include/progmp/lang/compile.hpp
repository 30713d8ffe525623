// Front door of the language toolchain: source text in, checked Program or diagnostics out.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "progmp/lang/ast.hpp"
#include "progmp/lang/diagnostics.hpp"

namespace progmp::lang {

struct CompileOutput {
  std::optional<Program> program;        // present iff there is no error
  std::vector<Diagnostic> diagnostics;   // sorted by line, col, code; errors capped at 50 + a note (§14.1);
                                         // warnings only when there is no error
};

// Never throws on bad input and never crashes or hangs: every limit of language.md §15 is enforced.
CompileOutput compile(std::string_view source);

}  // namespace progmp::lang

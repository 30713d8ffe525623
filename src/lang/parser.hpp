// The recursive-descent parser of language.md §3 with the error recovery of §14.1 and the nesting limit of §15.
//
// Error contract: parse() never fails and never recurses deeper than a fixed bound. Every syntax error is
// reported through the sink (at most one per statement, lexical errors included); the statement containing it is
// left out of the tree and parsing resumes after the recovery skip.
#pragma once

#include <string_view>
#include <vector>

#include "diag_sink.hpp"
#include "lexer.hpp"
#include "syntax.hpp"

namespace progmp::lang {

// Depth of the syntax tree (language.md §15). The checker and the IR lowering walk trees recursively; this bound
// keeps their stacks small whatever the input.
inline constexpr std::uint32_t kMaxNestingDepth = 256;

SyntaxTree parse(const Lexed& lexed, std::string_view source, DiagSink& sink);

}  // namespace progmp::lang

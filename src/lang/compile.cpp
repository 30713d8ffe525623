// The front end's pipeline (language.md §14.1): size check, lex + parse, check, then sort and cap diagnostics.
#include "progmp/lang/compile.hpp"

#include <algorithm>

#include "checker.hpp"
#include "lexer.hpp"
#include "parser.hpp"

namespace progmp::lang {
namespace {

// Largest accepted program (language.md §15): keeps compile time and every per-program table small.
constexpr std::size_t kMaxSourceBytes = 65536;
// Errors printed before "too many errors" (language.md §14.1).
constexpr std::size_t kMaxPrintedErrors = 50;

std::vector<Diagnostic> finish(std::vector<Diagnostic> all, bool errors) {
  std::vector<Diagnostic> kept;
  for (Diagnostic& d : all) {
    if ((d.severity == Severity::Error) == errors) kept.push_back(std::move(d));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.line != b.line) return a.line < b.line;
    if (a.col != b.col) return a.col < b.col;
    return a.code < b.code;
  });
  if (errors && kept.size() > kMaxPrintedErrors) {
    std::size_t total = kept.size();
    kept.resize(kMaxPrintedErrors);
    Diagnostic note;
    note.severity = Severity::Note;
    note.message = "too many errors (" + std::to_string(total) + " in total)";
    kept.push_back(std::move(note));
  }
  return kept;
}

}  // namespace

CompileOutput compile(std::string_view source) {
  CompileOutput out;
  DiagSink sink;
  if (source.size() > kMaxSourceBytes) {
    sink.report(DiagKind::SourceTooLarge, Loc{1, 1, 0},
                "program is too large (" + std::to_string(source.size()) + " bytes, at most 65536)");
    out.diagnostics = finish(std::move(sink.items()), true);
    return out;
  }
  Lexed lexed = lex(source, sink);
  SyntaxTree tree = parse(lexed, source, sink);
  Program program = check(lexed, source, tree, sink);
  const bool errors = sink.error_count() > 0;
  out.diagnostics = finish(std::move(sink.items()), errors);
  if (!errors) out.program = std::move(program);
  return out;
}

}  // namespace progmp::lang

// libFuzzer target for the language front end: compile() and both diagnostic formatters on arbitrary bytes.
// Checks the front end's contract (compile.hpp): no crash, hang or leak on any input, a Program exactly when there
// is no error, diagnostics sorted and capped as language.md §14.1 says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "progmp/lang/compile.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  progmp::lang::CompileOutput out = progmp::lang::compile(source);
  const bool errors = progmp::lang::has_errors(out.diagnostics);
  require(out.program.has_value() != errors);

  std::size_t error_count = 0;
  for (std::size_t i = 0; i < out.diagnostics.size(); ++i) {
    const auto& d = out.diagnostics[i];
    if (d.severity == progmp::lang::Severity::Note) {
      require(i + 1 == out.diagnostics.size() && error_count == 50);
      continue;
    }
    require((d.severity == progmp::lang::Severity::Error) == errors);
    require(d.line >= 1 && d.col >= 1);
    if (d.severity == progmp::lang::Severity::Error) ++error_count;
    if (i > 0 && out.diagnostics[i - 1].severity != progmp::lang::Severity::Note) {
      const auto& p = out.diagnostics[i - 1];
      require(p.line < d.line || (p.line == d.line && (p.col < d.col || (p.col == d.col && p.code <= d.code))));
    }
  }
  require(error_count <= 50);

  (void)progmp::lang::format_diagnostics_text(out.diagnostics, "fuzz.progmp", source);
  (void)progmp::lang::format_diagnostics_json(out.diagnostics, "fuzz.progmp");
  return 0;
}

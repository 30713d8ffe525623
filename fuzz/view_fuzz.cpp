// libFuzzer target for the playground view decoder (runtime.md §14.2): arbitrary bytes must give a view or a
// precise error, never a crash. A view that decodes must survive a round trip through its canonical form, and
// one round of the built-in scheduler over it must run cleanly.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/playground.hpp"
#include "progmp/runtime/program.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace progmp::runtime;
  static const CompiledCode minrtt = compile_for_interpreter(builtin_minrtt_source());
  const ViewParse parsed = parse_view(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!parsed.view) {
    if (!parsed.error || parsed.error->problem.empty()) std::abort();  // every rejection says why
    return 0;
  }
  const std::string canonical = view_to_json(*parsed.view);
  const ViewParse again = parse_view(canonical);
  if (!again.view || view_to_json(*again.view) != canonical) std::abort();
  PlaygroundOptions options;
  options.executions = 4;
  const PlaygroundResult result = run_playground(minrtt, "builtin_minrtt", *parsed.view, options);
  (void)playground_json(result, "[]");
  return 0;
}

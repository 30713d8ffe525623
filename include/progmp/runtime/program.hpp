// A compiled scheduler program as the runtime keeps it (runtime.md §2.1): immutable, identified by (name, version),
// shared by every connection using it and released with the last user. Its usage record (statistics, connection
// counts) outlives it so that scheduler_stats still answers for versions nobody uses any more.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/exec/engine.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/stats.hpp"

namespace progmp::runtime {

// Engines a connection may ask for (§11.1 set_engine). This build runs everything on the interpreter; Auto is the
// initial default ("interpreter first, JIT when ready").
enum class EngineChoice : std::uint8_t { Interp, Auto };
// "interp" or "auto"; false for any other name (including aot, jit, ebpf, which this build does not provide).
bool parse_engine(std::string_view name, EngineChoice& out);

// Statistics and connection counts of one (name, version); mutated by the connections of one runtime instance.
struct ProgramUsage {
  SchedulerStats stats;
};

// The result of compiling one source for execution: what a ProgramCompiler returns.
struct CompiledCode {
  bool ok = false;
  std::vector<lang::Diagnostic> diagnostics;  // errors when !ok, else warnings
  std::string header_name;                    // from `SCHEDULER name;`, empty if absent
  std::shared_ptr<const Executable> interp;   // the interpreter's executable (never answers Unsupported)
  std::shared_ptr<const Executable> accelerated;  // optional faster engine for EngineChoice::Auto (may answer
                                                  // Unsupported, §7.6); null in this build's real compiler
  std::vector<std::string> strings;           // string literals; PRINT effects name their format by index
};

// Compiles source text; must not throw on bad input. The real one is compile_for_interpreter; tests substitute
// scripted engines.
using ProgramCompiler = std::function<CompiledCode(std::string_view source)>;

// lang::compile → ir::lower → interp::make_executable.
CompiledCode compile_for_interpreter(std::string_view source);

struct CompiledProgram {
  std::string name;
  std::uint32_t version = 0;
  std::string label;        // "name@version", as in trace records
  std::string header_name;
  std::shared_ptr<const Executable> interp;
  std::shared_ptr<const Executable> accelerated;  // may be null
  std::vector<std::string> strings;
  std::vector<lang::Diagnostic> warnings;
  std::shared_ptr<ProgramUsage> usage;  // never null

  // The executable for an engine choice: Auto prefers the accelerated engine when there is one.
  const Executable& executable(EngineChoice e) const {
    return e == EngineChoice::Auto && accelerated ? *accelerated : *interp;
  }
};

using ProgramPtr = std::shared_ptr<const CompiledProgram>;

}  // namespace progmp::runtime

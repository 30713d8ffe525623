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
#include "progmp/ir/module.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/profile.hpp"
#include "progmp/runtime/stats.hpp"

namespace progmp::runtime {

// Engines a connection may ask for (§11.1 set_engine; docs/engines.md). Auto is the initial default: the program's
// AOT code if it was loaded with some, else the interpreter until the JIT has compiled the program in the
// background. A program the chosen engine cannot run (no AOT library, a JIT failure, an eBPF program the verifier
// refuses) runs on the interpreter; CompiledProgram::engine_error says why.
enum class EngineChoice : std::uint8_t { Interp, Aot, Jit, Ebpf, Auto };
// "interp", "aot", "jit", "ebpf" or "auto"; false for any other name and for engines this build lacks.
bool parse_engine(std::string_view name, EngineChoice& out);
const char* engine_choice_name(EngineChoice e);
// The engine names this build provides, comma-separated (for messages).
std::string available_engine_names();

// Statistics, connection counts and profile of one (name, version); mutated by the connections of one runtime
// instance.
struct ProgramUsage {
  SchedulerStats stats;
  ProgramProfile profile;  // identity and tables set by make_program; counts only while the runtime profiles
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
  std::shared_ptr<const ir::Module> module;   // the IR the engines compile (null for scripted test engines)
};

// Compiles source text; must not throw on bad input. The real one is compile_for_interpreter; tests substitute
// scripted engines.
using ProgramCompiler = std::function<CompiledCode(std::string_view source)>;

// lang::compile → ir::lower → interp::make_executable.
CompiledCode compile_for_interpreter(std::string_view source);

class EngineSet;  // the program's lazily built engines (src/runtime/engine_set.hpp)

struct CompiledProgram {
  std::string name;
  std::uint32_t version = 0;
  std::string label;        // "name@version", as in trace records
  std::string header_name;
  std::shared_ptr<const Executable> interp;
  std::shared_ptr<const Executable> accelerated;  // AOT code; may be null
  std::shared_ptr<const ir::Module> module;       // may be null: then every choice runs the interpreter
  std::vector<std::string> strings;
  std::vector<lang::Diagnostic> warnings;
  std::shared_ptr<ProgramUsage> usage;  // never null
  std::shared_ptr<EngineSet> engines;   // never null (make_program)

  // The executable for an engine choice, built on first use (the JIT compiles synchronously for Jit, in the
  // background for Auto; eBPF loads through the verifier). Thread-safe. The interpreter when the engine cannot
  // run this program.
  const Executable& executable(EngineChoice e) const;
  // Why `e` runs on the interpreter for this program; empty if it does not (or was not asked for yet).
  std::string engine_error(EngineChoice e) const;
};

using ProgramPtr = std::shared_ptr<const CompiledProgram>;

// The program record of compiled code (registry and playground). Also names the usage's profile and sizes its
// per-instruction tables; `source` is the text the profile annotates.
ProgramPtr make_program(std::string name, std::uint32_t version, CompiledCode code,
                        std::shared_ptr<ProgramUsage> usage, std::string_view source = {});

}  // namespace progmp::runtime

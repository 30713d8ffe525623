// The JIT engine: lowers a program's IR (progmp/ir/nodes.hpp) to LLVM IR with the structure of the AOT generator
// (one SSA value and NULL flag per IR node, branches for short-circuit and NULL-guarded operands, one loop per list
// walk) and compiles it in-process with LLVM ORC. Executables (engine_name "jit") implement the engine ABI of
// runtime.md §7 exactly like the interpreter: the same effect log, end cause, reference step count, registers and
// RANDOM draws. They never answer Unsupported.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "progmp/exec/engine.hpp"
#include "progmp/ir/module.hpp"

namespace progmp::jit {

struct CompileInfo {
  double compile_ms = 0;              // wall time of IR generation, optimisation and machine-code generation
  std::size_t llvm_instructions = 0;  // LLVM IR instructions of the optimised function(s)
};

// How much work compilation spends on the code (the semantics never depend on the levels). The defaults give the
// best code; {2, 0} compiles about 3 times faster into code about 2.5 times slower (still faster than the
// interpreter); {0, 0} compiles about 5 times faster.
struct Options {
  int ir_level = 2;       // 0: promotion of variables to SSA only; 1: + scalar clean-up; 2: + GVN and a second round
  int codegen_level = 2;  // LLVM CodeGenOpt level 0..3 (0: fast instruction selection and register allocation)
};

// Compiles `module` in-process with LLVM ORC. Thread-safe: may run on a background thread while other threads compile
// or execute. Null with a message in `error` on failure. The executable owns its machine code and releases it when
// destroyed.
std::unique_ptr<Executable> compile(std::shared_ptr<const ir::Module> module, std::string& error,
                                    CompileInfo* info = nullptr);

// Compiles several modules into one LLVM module (one machine-code link for all, which is much faster per program
// than one compile() each); the executables share that code, which lives while any of them does. On failure the
// result is empty and `error` says why.
std::vector<std::unique_ptr<Executable>> compile_batch(const std::vector<std::shared_ptr<const ir::Module>>& modules,
                                                       std::string& error, CompileInfo* info = nullptr,
                                                       const Options& options = {});
// compile() with explicit options.
std::unique_ptr<Executable> compile(std::shared_ptr<const ir::Module> module, std::string& error, CompileInfo* info,
                                    const Options& options);

// The LLVM IR (text) of the program before machine-code generation (after optimisation), for debugging and docs.
std::string llvm_ir(const ir::Module& module);

}  // namespace progmp::jit

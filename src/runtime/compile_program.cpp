// The production ProgramCompiler: front end, IR lowering, interpreter. Kept in its own file so that code using a
// substitute compiler (tests with scripted engines) does not link the toolchain.
#include <utility>

#include "progmp/ir/passes.hpp"
#include "progmp/exec/interp.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/runtime/program.hpp"

namespace progmp::runtime {

CompiledCode compile_for_interpreter(std::string_view source) {
  CompiledCode out;
  lang::CompileOutput compiled = lang::compile(source);
  out.diagnostics = std::move(compiled.diagnostics);
  if (!compiled.program) return out;
  out.ok = true;
  out.header_name = compiled.program->header_name;
  std::shared_ptr<const ir::Module> module = ir::lower_optimised(*compiled.program);
  out.strings = ir::strings(*module);
  out.module = module;
  out.interp = interp::make_executable(std::move(module));
  return out;
}

}  // namespace progmp::runtime

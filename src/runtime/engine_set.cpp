#include "engine_set.hpp"

#include <utility>

#include "progmp/exec/tiered.hpp"
#include "progmp/ir/nodes.hpp"
#ifdef PROGMP_HAVE_JIT
#include "progmp/exec/jit.hpp"
#endif
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif

namespace progmp::runtime {

EngineSet::EngineSet(std::shared_ptr<const ir::Module> module, std::shared_ptr<const Executable> interp,
                     std::shared_ptr<const Executable> aot)
    : module_(std::move(module)), interp_(std::move(interp)), aot_(std::move(aot)) {}

void EngineSet::build(EngineChoice e, Slot& s) {
  switch (e) {
    case EngineChoice::Interp: s.exe = interp_; return;
    case EngineChoice::Aot:
      s.exe = aot_;
      if (!aot_) s.error = "the program was not loaded from an ahead-of-time compiled library (progmp compile)";
      return;
    case EngineChoice::Jit:
#ifdef PROGMP_HAVE_JIT
      if (module_) s.exe = jit::compile(module_, s.error);
      else s.error = "no IR for the JIT";
#else
      s.error = "this build has no JIT engine";
#endif
      return;
    case EngineChoice::Ebpf:
#ifdef PROGMP_HAVE_EBPF
      if (module_) s.exe = ebpf::load(module_, s.error);
      else s.error = "no IR for the eBPF engine";
#else
      s.error = "this build has no eBPF engine";
#endif
      return;
    case EngineChoice::Auto:
      if (aot_) {
        s.exe = aot_;
        return;
      }
#ifdef PROGMP_HAVE_JIT
      if (module_) {
        std::shared_ptr<const ir::Module> module = module_;
        s.exe = std::make_shared<TieredExecutable>(
            interp_, [module](std::string& error) { return jit::compile(module, error); });
        return;
      }
#endif
      s.exe = interp_;
      return;
  }
}

const Executable& EngineSet::get(EngineChoice e) {
  std::lock_guard<std::mutex> lock(mutex_);
  Slot& s = slot(e);
  if (!s.tried) {
    s.tried = true;
    build(e, s);
  }
  return s.exe ? *s.exe : *interp_;
}

std::string EngineSet::error(EngineChoice e) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_[static_cast<std::size_t>(e)].error;
}

const Executable& CompiledProgram::executable(EngineChoice e) const { return engines->get(e); }
std::string CompiledProgram::engine_error(EngineChoice e) const { return engines->error(e); }

ProgramPtr make_program(std::string name, std::uint32_t version, CompiledCode code,
                        std::shared_ptr<ProgramUsage> usage, std::string_view source) {
  auto p = std::make_shared<CompiledProgram>();
  p->label = name + "@" + std::to_string(version);
  p->name = std::move(name);
  p->version = version;
  p->header_name = std::move(code.header_name);
  p->interp = std::move(code.interp);
  p->accelerated = std::move(code.accelerated);
  p->module = std::move(code.module);
  p->strings = std::move(code.strings);
  p->warnings = std::move(code.diagnostics);
  // Sized here, at load time, so that profiled executions allocate nothing.
  ProgramProfile& prof = usage->profile;
  prof.name = p->name;
  prof.version = version;
  prof.label = p->label;
  prof.source = std::string(source);
  if (p->module) {
    prof.instr_lines = p->module->lines;
    prof.instr_lines.resize(p->module->code.size(), 0);  // a hand-built module may lack its line table
    prof.instr_counts.assign(p->module->code.size(), 0);
  }
  p->usage = std::move(usage);
  p->engines = std::make_shared<EngineSet>(p->module, p->interp, p->accelerated);
  return p;
}

}  // namespace progmp::runtime

// The JIT engine's host side: one process-wide LLVM ORC LLJIT (created on first use), optimisation of the generated
// LLVM IR, machine-code generation, and the Executable (engine "jit") that calls a compiled function.
//
// Threads: every compilation builds and optimises its IR in its own LLVMContext, without any lock; adding the module
// to the JIT and materialising its code (LLJIT's single target machine) happen under one mutex. Each compile() owns a
// ResourceTracker of the main JITDylib; its code is removed when the last executable using it is destroyed.
#include "progmp/exec/jit.hpp"

#include <atomic>
#include <chrono>
#include <mutex>

#include "codegen.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#pragma GCC diagnostic pop

namespace progmp::jit {
namespace {

// ---- the process-wide JIT -------------------------------------------------------------------------------------
struct Jit {
  std::mutex mu;
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  llvm::DataLayout layout{""};
  std::string triple;
  std::string error;
};

int clamp_level(int level, int max) { return level < 0 ? 0 : level > max ? max : level; }

// One JIT per code-generation level (its target machine carries the level), each created on first use and never
// destroyed (executables may outlive static destruction order).
Jit& the_jit(int codegen_level) {
  static std::once_flag init_target;
  std::call_once(init_target, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  static std::mutex create_mu;
  static Jit* jits[4] = {nullptr, nullptr, nullptr, nullptr};
  const int level = clamp_level(codegen_level, 3);
  std::lock_guard<std::mutex> lock(create_mu);
  if (jits[level]) return *jits[level];
  auto* j = new Jit();
  jits[level] = j;
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    j->error = "cannot detect the host target: " + llvm::toString(jtmb.takeError());
    return *j;
  }
  jtmb->setCodeGenOptLevel(static_cast<llvm::CodeGenOpt::Level>(level));
  auto lljit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
  if (!lljit) {
    j->error = "cannot create the LLVM JIT: " + llvm::toString(lljit.takeError());
    return *j;
  }
  j->lljit = std::move(*lljit);
  j->layout = j->lljit->getDataLayout();
  // Generated code calls the host only through absolute addresses, but the code generator may emit calls to the C
  // library (memset, memcpy): resolve those in the process.
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(j->layout.getGlobalPrefix());
  if (!process) {
    j->error = "cannot resolve process symbols: " + llvm::toString(process.takeError());
    j->lljit.reset();
    return *j;
  }
  j->lljit->getMainJITDylib().addGenerator(std::move(*process));
  j->triple = j->lljit->getTargetTriple().str();
  return *j;
}

std::atomic<std::uint64_t> g_next_symbol{0};

// The optimisation pipeline: promotion of the allocas to SSA, then the usual scalar clean-up. Programs are small
// and straight-line but for their walks; this is most of what -O2 would gain at a fraction of its compile time.
void optimise(llvm::Module& module, int level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass());
  if (level >= 1) {
    fpm.addPass(llvm::EarlyCSEPass());
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
  }
  if (level >= 2) {
    fpm.addPass(llvm::GVNPass());
    // Loop-invariant code motion out of the walks (values the IR's hoist-invariants pass leaves in lambdas, e.g.
    // single-node ones, and address computations); the adaptor brings loops into simplified, LCSSA form first.
    llvm::LoopPassManager lpm;
    lpm.addPass(llvm::LICMPass());
    fpm.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(lpm), /*UseMemorySSA=*/true));
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
  }
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(module, mam);
}

std::size_t count_instructions(const llvm::Module& module) {
  std::size_t n = 0;
  for (const llvm::Function& f : module)
    for (const llvm::BasicBlock& b : f) n += b.size();
  return n;
}

// The optimised LLVM module of `modules`, one function per program (symbols returned in `symbols`).
std::unique_ptr<llvm::Module> build(const std::vector<std::shared_ptr<const ir::Module>>& modules,
                                    llvm::LLVMContext& context, const Jit& jit, int ir_level,
                                    std::vector<std::string>& symbols, std::string& error) {
  auto module = std::make_unique<llvm::Module>("progmp", context);
  module->setDataLayout(jit.layout);
  module->setTargetTriple(jit.triple);
  for (const auto& m : modules) {
    std::string symbol = "progmp_jit_" + std::to_string(g_next_symbol.fetch_add(1));
    generate_function(*m, *module, symbol);
    symbols.push_back(std::move(symbol));
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os)) {
    os.flush();
    error = "the generated LLVM IR is invalid: " + problems.substr(0, 2000);
    return nullptr;
  }
  optimise(*module, clamp_level(ir_level, 2));
  return module;
}

// ---- the executable -----------------------------------------------------------------------------------------------
// The machine code of one compilation; removed from the JIT when the last executable using it goes away.
class Code {
 public:
  Code(Jit& jit, llvm::orc::ResourceTrackerSP rt) : jit_(jit), rt_(std::move(rt)) {}
  ~Code() {
    std::lock_guard<std::mutex> lock(jit_.mu);
    if (llvm::Error e = rt_->remove()) llvm::consumeError(std::move(e));
  }
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;

 private:
  Jit& jit_;
  llvm::orc::ResourceTrackerSP rt_;
};

class JitExecutable final : public Executable {
 public:
  JitExecutable(std::shared_ptr<const ir::Module> module, std::shared_ptr<const Code> code, EntryFn entry)
      : module_(std::move(module)), code_(std::move(code)), entry_(entry), n_regions_(module_->n_regions) {}

  std::string_view engine_name() const override { return "jit"; }

  void prepare(const SchedulerView& view, ExecScratch& scratch) const override {
    const std::size_t need = scratch_words(n_regions_, view);
    if (scratch.words.size() < need) scratch.words.resize(need);
  }

  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    ExecScratch& scratch = *state.scratch;
    const std::size_t need = scratch_words(n_regions_, view);
    // The runtime prepares the scratch between executions; growing here is only a safety net.
    if (scratch.words.size() < need) scratch.words.resize(need);
    JitContext c;
    c.subflows = view.subflows.data();
    c.n_subflows = view.subflows.size();
    c.queue[0] = view.q.data();
    c.queue[1] = view.qu.data();
    c.queue[2] = view.rq.data();
    c.queue_len[0] = view.q.size();
    c.queue_len[1] = view.qu.size();
    c.queue_len[2] = view.rq.size();
    c.now_us = view.now_us;
    c.window_end = view.window_end;
    c.mss = view.mss;
    c.registers = state.registers.data();
    c.rng = &state.rng;
    c.allowance = state.allowance;
    c.scratch = scratch.words.data();
    c.log = &log;
    c.actions_left = log.actions() < kMaxActionsPerExecution ? kMaxActionsPerExecution - log.actions() : 0;
    c.steps = 0;
    c.prints_suppressed = 0;
    const std::uint32_t cause = entry_(&c);
    ExecResult r;
    r.end = static_cast<EndCause>(cause);
    r.steps = c.steps;
    r.prints_suppressed = c.prints_suppressed;
    return r;
  }

 private:
  std::shared_ptr<const ir::Module> module_;
  std::shared_ptr<const Code> code_;
  EntryFn entry_;
  std::uint32_t n_regions_;
};

}  // namespace

std::vector<std::unique_ptr<Executable>> compile_batch(const std::vector<std::shared_ptr<const ir::Module>>& modules,
                                                       std::string& error, CompileInfo* info,
                                                       const Options& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Executable>> out;
  Jit& jit = the_jit(options.codegen_level);
  if (!jit.lljit) {
    error = jit.error;
    return out;
  }
  for (const auto& m : modules) {
    if (!m) {
      error = "no module to compile";
      return out;
    }
  }
  auto context = std::make_unique<llvm::LLVMContext>();
  std::vector<std::string> symbols;
  std::unique_ptr<llvm::Module> module = build(modules, *context, jit, options.ir_level, symbols, error);
  if (!module) return out;
  const std::size_t instructions = count_instructions(*module);

  std::vector<EntryFn> entries;
  std::shared_ptr<const Code> code;
  {
    std::lock_guard<std::mutex> lock(jit.mu);
    llvm::orc::ResourceTrackerSP rt = jit.lljit->getMainJITDylib().createResourceTracker();
    code = std::make_shared<const Code>(jit, rt);
    if (llvm::Error e =
            jit.lljit->addIRModule(rt, llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
      error = "cannot add the program to the JIT: " + llvm::toString(std::move(e));
      return out;
    }
    for (const std::string& s : symbols) {
      auto sym = jit.lljit->lookup(s);
      if (!sym) {
        error = "cannot compile the program: " + llvm::toString(sym.takeError());
        return out;
      }
      entries.push_back(reinterpret_cast<EntryFn>(static_cast<std::uintptr_t>(sym->getAddress())));
    }
  }
  for (std::size_t i = 0; i < modules.size(); ++i)
    out.push_back(std::make_unique<JitExecutable>(modules[i], code, entries[i]));
  if (info) {
    info->compile_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    info->llvm_instructions = instructions;
  }
  return out;
}

std::unique_ptr<Executable> compile(std::shared_ptr<const ir::Module> module, std::string& error,
                                    CompileInfo* info) {
  return compile(std::move(module), error, info, Options{});
}

std::unique_ptr<Executable> compile(std::shared_ptr<const ir::Module> module, std::string& error, CompileInfo* info,
                                    const Options& options) {
  if (!module) {
    error = "no module to compile";
    return nullptr;
  }
  auto exes = compile_batch({std::move(module)}, error, info, options);
  if (exes.empty()) return nullptr;
  return std::move(exes.front());
}

std::string llvm_ir(const ir::Module& module) {
  Jit& jit = the_jit(Options{}.codegen_level);
  if (!jit.lljit) return "; " + jit.error + "\n";
  llvm::LLVMContext context;
  std::vector<std::string> symbols;
  std::string error;
  // A non-owning shared_ptr: the module is only read while building.
  std::shared_ptr<const ir::Module> m(std::shared_ptr<const ir::Module>(), &module);
  std::unique_ptr<llvm::Module> llvm_module = build({m}, context, jit, Options{}.ir_level, symbols, error);
  if (!llvm_module) return "; " + error + "\n";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm_module->print(os, nullptr);
  os.flush();
  return text;
}

}  // namespace progmp::jit

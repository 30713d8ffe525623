#include "progmp/ir/passes.hpp"
#include "progmp/bench/decision.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>

#include "native_schedulers.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/exec/interp.hpp"
#include "progmp/lang/compile.hpp"
#ifdef PROGMP_HAVE_JIT
#include "progmp/exec/jit.hpp"
#endif
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif

namespace progmp::bench {

const char* engine_name(Engine e) {
  switch (e) {
    case Engine::Native: return "native";
    case Engine::Interp: return "interp";
    case Engine::Aot: return "aot";
    case Engine::Jit: return "jit";
    case Engine::Ebpf: return "ebpf";
  }
  return "?";
}

std::vector<Engine> all_engines() {
  std::vector<Engine> out{Engine::Native, Engine::Interp, Engine::Aot};
#ifdef PROGMP_HAVE_JIT
  out.push_back(Engine::Jit);
#endif
#ifdef PROGMP_HAVE_EBPF
  out.push_back(Engine::Ebpf);
#endif
  return out;
}

Native native_scheduler(std::string_view name) {
  if (name == "minrtt") return native::minrtt;
  if (name == "round_robin") return native::round_robin;
  if (name == "redundant") return native::redundant;
  if (name == "opportunistic_redundant") return native::opportunistic_redundant;
  if (name == "tap") return native::tap;
  return nullptr;
}

DecisionView::DecisionView(int n, int queue) {
  for (int i = 0; i < n; ++i) {
    SubflowSnapshot s;
    s.id = i + 1;
    s.rtt_us = 40000 - 3000 * i;
    s.cwnd = 20;
    s.skbs_in_flight = 5;
    s.slot = static_cast<std::uint8_t>(i);
    subflows.push_back(s);
  }
  std::int64_t seq = 0;
  for (int i = 0; i < queue; ++i, seq += 1400) {
    packets.push_back(PacketMeta{seq, 1400, 0, 0, std::uint64_t{1} << (i % n), false, false, true, false});
    qu.push_back(&packets.back());
  }
  for (int i = 0; i < queue; ++i, seq += 1400) {
    packets.push_back(PacketMeta{seq, 1400, 0, 0, 0, false, true, false, false});
    q.push_back(&packets.back());
  }
  view.subflows = subflows;
  view.q = q;
  view.qu = qu;
}

namespace {

constexpr std::size_t kEngines = 5;

// Registers at the start of every measured execution: round robin sends 4 packets per turn, TAP has a target.
constexpr std::array<std::int64_t, 6> kRegisters{0, 4, 0, 0, 0, 0};

// One engine's state for repeated executions over one view.
struct Runner {
  ExecScratch scratch;
  EffectLog log;
  ExecState state;
  Runner(const Executable* exe, const SchedulerView& v) {
    if (exe) exe->prepare(v, scratch);
    log.reserve(v.q.size() + v.qu.size() + v.rq.size());
    state.scratch = &scratch;
  }
  ExecResult once(const Executable* exe, Native native, const SchedulerView& v) {
    log.clear();
    state.registers = kRegisters;
    state.rng = 1;
    if (exe) return exe->run(v, state, log);
    native(v, state, log);
    return ExecResult{};
  }
};

std::string describe(const EffectLog& log) {
  std::string s;
  for (const Effect& e : log.entries())
    s += std::to_string(static_cast<int>(e.kind)) + ":" + std::to_string(static_cast<int>(e.queue)) + ":" +
         std::to_string(e.subflow) + ":" + std::to_string(e.packet ? e.packet->seq : -1) + ":" +
         std::to_string(e.value) + " ";
  return s;
}

}  // namespace

struct DecisionBench::Entry {
  std::string name;
  std::string source;
  std::shared_ptr<const ir::Module> module;
  Native native = nullptr;
  std::array<std::unique_ptr<Executable>, kEngines> exe;
  const Executable* get(Engine e) const { return exe[static_cast<std::size_t>(e)].get(); }
};

DecisionBench::~DecisionBench() = default;

std::unique_ptr<DecisionBench> DecisionBench::create(const std::vector<Program>& programs,
                                                     const std::vector<Engine>& engines, std::string& error,
                                                     const BuildOptions& options) {
  std::unique_ptr<DecisionBench> b(new DecisionBench());
  const auto wants = [&](Engine e) { return std::find(engines.begin(), engines.end(), e) != engines.end(); };
  for (const Program& p : programs) {
    auto out = lang::compile(p.source);
    if (!out.program) {
      error = p.name + ": " + lang::format_diagnostics_text(out.diagnostics, p.name, p.source);
      return nullptr;
    }
    auto e = std::make_unique<Entry>();
    e->name = p.name;
    e->source = p.source;
    e->module = options.optimise ? ir::lower_optimised(*out.program) : ir::lower(*out.program);
    e->native = wants(Engine::Native) ? native_scheduler(p.name) : nullptr;
    if (wants(Engine::Interp)) e->exe[static_cast<std::size_t>(Engine::Interp)] = interp::make_executable(e->module);
    std::string why;
#ifdef PROGMP_HAVE_JIT
    if (wants(Engine::Jit)) {
      e->exe[static_cast<std::size_t>(Engine::Jit)] = jit::compile(e->module, why);
      if (!e->get(Engine::Jit)) b->notes_.push_back(p.name + ": jit: " + why);
    }
#endif
#ifdef PROGMP_HAVE_EBPF
    if (wants(Engine::Ebpf)) {
      e->exe[static_cast<std::size_t>(Engine::Ebpf)] = ebpf::load(e->module, why);
      if (!e->get(Engine::Ebpf)) b->notes_.push_back(p.name + ": ebpf: " + why);
    }
#endif
    b->entries_.push_back(std::move(e));
  }
  if (wants(Engine::Aot) && !b->entries_.empty()) {
    // All programs in one shared object, built once with the system compiler.
    aot::SourceBuilder sb(aot::CodegenOptions{options.specialise_subflows});
    for (const auto& e : b->entries_) sb.add(*e->module, e->source, e->name);
    const auto dir = std::filesystem::temp_directory_path() / ("progmp-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string so = (dir / "schedulers.so").string();
    std::string why;
    std::shared_ptr<const aot::Library> lib;
    if (aot::compile_shared_object(sb.finish(), so, why)) lib = aot::Library::open(so, why);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);  // the loaded library stays mapped
    if (!lib) b->notes_.push_back("aot: " + why);
    for (const auto& e : b->entries_) {
      const int i = lib ? lib->find(e->source) : -1;
      if (i >= 0) e->exe[static_cast<std::size_t>(Engine::Aot)] = aot::make_executable(lib, static_cast<std::size_t>(i));
    }
  }
  return b;
}

const DecisionBench::Entry* DecisionBench::find(std::string_view scheduler) const {
  for (const auto& e : entries_)
    if (e->name == scheduler) return e.get();
  return nullptr;
}

bool DecisionBench::has(std::string_view scheduler, Engine e) const {
  const Entry* entry = find(scheduler);
  if (!entry) return false;
  return e == Engine::Native ? entry->native != nullptr : entry->get(e) != nullptr;
}

bool DecisionBench::check(std::string_view scheduler, const DecisionView& dv, std::string& error) const {
  const Entry* e = find(scheduler);
  if (!e || !e->get(Engine::Interp)) {
    error = std::string(scheduler) + ": not compiled for the interpreter";
    return false;
  }
  Runner ref(e->get(Engine::Interp), dv.view);
  const ExecResult r0 = ref.once(e->get(Engine::Interp), nullptr, dv.view);
  const std::string want = describe(ref.log);
  for (std::size_t k = 0; k < kEngines; ++k) {
    const Engine engine = static_cast<Engine>(k);
    if (engine == Engine::Interp || !has(scheduler, engine)) continue;
    const Executable* exe = engine == Engine::Native ? nullptr : e->get(engine);
    Runner run(exe, dv.view);
    const ExecResult r = run.once(exe, e->native, dv.view);
    if (r.end == EndCause::Unsupported) continue;  // measured as such; the caller reports it
    const bool same = describe(run.log) == want && run.state.registers == ref.state.registers &&
                      (engine == Engine::Native || (r.steps == r0.steps && r.end == r0.end));
    if (!same) {
      error = std::string(scheduler) + ": " + engine_name(engine) + " disagrees with the interpreter: [" +
              describe(run.log) + "] vs [" + want + "]";
      return false;
    }
  }
  return true;
}

struct DecisionRunner::State {
  const Executable* exe = nullptr;
  Native native = nullptr;
  const SchedulerView* view = nullptr;
  std::unique_ptr<Runner> run;
};

DecisionRunner::DecisionRunner(const DecisionBench& bench, std::string_view scheduler, Engine engine,
                               const DecisionView& dv)
    : s_(std::make_unique<State>()) {
  const DecisionBench::Entry* e = bench.find(scheduler);
  if (!e || !bench.has(scheduler, engine)) return;
  s_->exe = engine == Engine::Native ? nullptr : e->get(engine);
  s_->native = e->native;
  s_->view = &dv.view;
  s_->run = std::make_unique<Runner>(s_->exe, dv.view);
  ok_ = s_->run->once(s_->exe, s_->native, dv.view).end != EndCause::Unsupported;
}

DecisionRunner::~DecisionRunner() = default;

void DecisionRunner::once() { s_->run->once(s_->exe, s_->native, *s_->view); }

std::size_t DecisionRunner::effects() const { return s_->run ? s_->run->log.entries().size() : 0; }

double DecisionBench::measure(std::string_view scheduler, Engine engine, const DecisionView& dv, int rounds,
                              long batch) const {
  DecisionRunner run(*this, scheduler, engine, dv);
  if (!run.ok()) return -1;
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < batch; ++i) run.once();
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(batch));
  }
  std::nth_element(ns.begin(), ns.begin() + static_cast<long>(ns.size() / 2), ns.end());
  return ns[ns.size() / 2];
}

std::size_t DecisionBench::run_many(std::string_view scheduler, Engine engine, const DecisionView& dv,
                                    long iterations) const {
  DecisionRunner run(*this, scheduler, engine, dv);
  if (!run.ok()) return 0;
  for (long i = 1; i < iterations; ++i) run.once();
  return run.effects();
}

}  // namespace progmp::bench

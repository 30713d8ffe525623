// `progmp bench`: the execution-engine benchmark (docs/performance.md, the ProgMP paper's Fig. 9).
//
//   progmp bench [--schedulers L] [--subflows L] [--queue L] [--engines L] [--rounds N] [--round-ms MS]
//   progmp bench --single minrtt/2/4/jit [--iterations N]        one configuration, for callgrind
//   progmp bench --sim SCENARIO [--scheduler NAME] [--engines L]  end-to-end simulator time per engine
//   progmp bench --compile [--schedulers L]                      compilation latency per engine
//
// Decisions: ns per execution of each library scheduler on each engine, side by side in rounds (every engine
// measured in every round, the median round reported) so that the ratios to hand-written C++ come from one run on
// the same machine state. Every engine is checked against the interpreter and the native code before measuring.
// Exit status: 0; 1 when engines disagree or the simulated results differ between engines; 2 for bad input.
#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/bench/decision.hpp"
#include "progmp/exec/aot.hpp"
#ifdef PROGMP_HAVE_JIT
#include "progmp/exec/jit.hpp"
#endif
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"
#include "progmp/runtime/program.hpp"
#include "progmp/sim/scenario.hpp"
#include "progmp/sim/session.hpp"

namespace progmp::tools {
namespace {

struct BenchOptions {
  std::string schedulers = "minrtt,round_robin,redundant,opportunistic_redundant,tap";
  std::string subflows = "1,2,4,8";
  std::string queue = "4,1024";
  std::string engines;  // default: every engine of this build
  int rounds = 5;
  double round_ms = 20;
  std::string single;
  long iterations = 100000;
  std::string sim;
  std::string scheduler = "minrtt";
  bool compile = false;
  bool no_opt = false;                 // decisions: engines run the lowered IR, without the optimiser
  std::uint32_t specialise = aot::CodegenOptions{}.specialise_subflows;  // AOT variants per subflow count
  std::vector<std::string> overrides;  // --set of --sim
  int repeat = 3;                      // --sim runs per engine (median)
  std::string csv;                     // decisions: also write one row per measurement here
};

[[noreturn]] void fail(const std::string& message, int status) {
  std::cerr << "progmp bench: " << message << '\n';
  throw CLI::RuntimeError(status);
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int> split_ints(const std::string& list, const char* what, int lo, int hi) {
  std::vector<int> out;
  for (const std::string& s : split(list)) {
    int v = 0;
    try {
      std::size_t used = 0;
      v = std::stoi(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      fail(fmt::format("--{}: '{}' is not a number", what, s), kExitInput);
    }
    if (v < lo || v > hi) fail(fmt::format("--{}: {} is outside {}..{}", what, v, lo, hi), kExitInput);
    out.push_back(v);
  }
  if (out.empty()) fail(fmt::format("--{}: empty list", what), kExitInput);
  return out;
}

std::vector<bench::Engine> parse_engines(const std::string& list) {
  const std::vector<bench::Engine> all = bench::all_engines();
  if (list.empty()) return all;
  std::vector<bench::Engine> out;
  for (const std::string& name : split(list)) {
    auto it = std::find_if(all.begin(), all.end(), [&](bench::Engine e) { return name == bench::engine_name(e); });
    if (it == all.end()) {
      std::string names;
      for (bench::Engine e : all) names += std::string(names.empty() ? "" : ", ") + bench::engine_name(e);
      fail(fmt::format("--engines: '{}' is not an engine of this build ({})", name, names), kExitInput);
    }
    out.push_back(*it);
  }
  return out;
}

std::vector<bench::Program> load_programs(const std::vector<std::string>& names) {
  std::vector<bench::Program> out;
  for (const std::string& n : names) {
    std::string name, source, error;
    int status = 0;
    if (!resolve_scheduler(n, false, ".", name, source, error, status)) fail(error, status);
    if (source.empty()) fail("'" + n + "' has no program text (the built-in runs only on the interpreter)", kExitInput);
    out.push_back({name, source});
  }
  return out;
}

// Executions per round so that one round of the interpreter takes about `round_ms`.
long batch_size(const bench::DecisionBench& b, const std::string& s, const bench::DecisionView& v, double round_ms) {
  const double ns = b.measure(s, bench::Engine::Interp, v, 1, 200);
  return std::max(100L, static_cast<long>(round_ms * 1e6 / std::max(ns, 1.0)));
}

void run_decisions(const BenchOptions& opt) {
  const std::vector<bench::Engine> engines = parse_engines(opt.engines);
  const std::vector<int> subflows = split_ints(opt.subflows, "subflows", 1, kMaxSubflows);
  const std::vector<int> queues = split_ints(opt.queue, "queue", 1, 1 << 20);
  const std::vector<bench::Program> programs = load_programs(split(opt.schedulers));
  std::vector<bench::Engine> build = engines;
  if (std::find(build.begin(), build.end(), bench::Engine::Interp) == build.end()) build.push_back(bench::Engine::Interp);
  std::string error;
  auto b = bench::DecisionBench::create(programs, build, error, {!opt.no_opt, opt.specialise});
  if (!b) fail(error, kExitDiagnostics);
  for (const std::string& note : b->notes()) std::cerr << "note: " << note << '\n';
  // eBPF: the cost of BPF_PROG_TEST_RUN itself (encoding the view, the system call, copying the context) is the
  // time of the empty program over the same view; the program's own time is the difference.
  const bool with_ebpf = std::find(engines.begin(), engines.end(), bench::Engine::Ebpf) != engines.end();
  std::unique_ptr<bench::DecisionBench> empty;
  if (with_ebpf) {
    empty = bench::DecisionBench::create({{"empty", "RETURN;"}}, {bench::Engine::Interp, bench::Engine::Ebpf}, error);
    if (!empty) fail(error, kExitDiagnostics);
  }

  std::cout << "ns per execution (median of " << opt.rounds << " rounds, engines interleaved), ratio to native:\n\n";
  std::string head = "| scheduler | subflows | Q |", rule = "|---|---:|---:|";
  for (bench::Engine e : engines) {
    head += fmt::format(" {} ns |", bench::engine_name(e));
    rule += "---:|";
  }
  if (with_ebpf) {
    head += " ebpf test_run ns | ebpf program ns |";
    rule += "---:|---:|";
  }
  for (bench::Engine e : engines)
    if (e != bench::Engine::Native) {
      head += fmt::format(" {}/native |", bench::engine_name(e));
      rule += "---:|";
    }
  std::cout << head << '\n' << rule << '\n';
  std::ofstream csv;
  if (!opt.csv.empty()) {
    csv.open(opt.csv);
    if (!csv) fail("cannot write '" + opt.csv + "'", kExitInput);
    csv << "scheduler,subflows,queue,engine,ns,ratio_to_native\n";
  }
  bool disagree = false;
  for (const bench::Program& p : programs)
    for (int n : subflows)
      for (int q : queues) {
        const bench::DecisionView view(n, q);
        if (!b->check(p.name, view, error)) {
          std::cerr << "progmp bench: " << error << '\n';
          disagree = true;
          continue;
        }
        const long batch = batch_size(*b, p.name, view, opt.round_ms);
        std::map<bench::Engine, std::vector<double>> ns;
        std::vector<double> overhead;
        for (int r = 0; r < opt.rounds; ++r) {
          for (bench::Engine e : engines) ns[e].push_back(b->measure(p.name, e, view, 1, batch));
          if (with_ebpf) overhead.push_back(empty->measure("empty", bench::Engine::Ebpf, view, 1, batch));
        }
        const auto median_of = [](std::vector<double>& v) {
          std::sort(v.begin(), v.end());
          return v.empty() ? -1.0 : v[v.size() / 2];
        };
        std::map<bench::Engine, double> median;
        for (auto& [e, v] : ns) median[e] = median_of(v);
        std::string line = fmt::format("| {} | {} | {} |", p.name, n, q);
        for (bench::Engine e : engines)
          line += median[e] < 0 ? " n/a |" : fmt::format(" {:.1f} |", median[e]);
        if (csv.is_open())
          for (bench::Engine e : engines)
            if (median[e] > 0) {
              const double nat = median.count(bench::Engine::Native) ? median[bench::Engine::Native] : -1;
              csv << fmt::format("{},{},{},{},{:.2f},{}\n", p.name, n, q, bench::engine_name(e), median[e],
                                 nat > 0 ? fmt::format("{:.3f}", median[e] / nat) : std::string());
            }
        if (with_ebpf) {
          const double run = median_of(overhead), all = median[bench::Engine::Ebpf];
          line += run < 0 || all < 0 ? " n/a | n/a |" : fmt::format(" {:.1f} | {:.1f} |", run, all - run);
        }
        const double native = median.count(bench::Engine::Native) ? median[bench::Engine::Native] : -1;
        for (bench::Engine e : engines)
          if (e != bench::Engine::Native)
            line += native > 0 && median[e] > 0 ? fmt::format(" {:.2f}x |", median[e] / native) : " n/a |";
        std::cout << line << std::endl;
      }
  if (csv.is_open()) {
    csv.close();
    if (!csv) fail("cannot write '" + opt.csv + "'", kExitInput);
  }
  if (disagree) throw CLI::RuntimeError(kExitDiagnostics);
}

void run_single(const BenchOptions& opt) {
  const std::vector<std::string> parts = [&] {
    std::vector<std::string> out;
    std::stringstream ss(opt.single);
    std::string item;
    while (std::getline(ss, item, '/')) out.push_back(item);
    return out;
  }();
  if (parts.size() != 4) fail("--single: expected SCHEDULER/SUBFLOWS/Q/ENGINE, e.g. minrtt/2/4/jit", kExitInput);
  const std::vector<bench::Engine> engines = parse_engines(parts[3]);
  const int n = split_ints(parts[1], "single subflows", 1, kMaxSubflows)[0];
  const int q = split_ints(parts[2], "single queue", 1, 1 << 20)[0];
  std::string error;
  std::vector<bench::Engine> build = engines;
  build.push_back(bench::Engine::Interp);
  auto b = bench::DecisionBench::create(load_programs({parts[0]}), build, error, {!opt.no_opt, opt.specialise});
  if (!b) fail(error, kExitDiagnostics);
  if (!b->has(parts[0], engines[0])) fail(opt.single + ": the engine cannot run this scheduler", kExitInput);
  const bench::DecisionView view(n, q);
  const std::size_t effects = b->run_many(parts[0], engines[0], view, opt.iterations);
  std::cout << fmt::format("{}: {} executions, {} effects in the last\n", opt.single, opt.iterations, effects);
}

void run_sim_bench(const BenchOptions& opt) {
  sim::Scenario scenario;
  std::string error;
  if (!sim::load_scenario(opt.sim, scenario, error)) fail(error, kExitInput);
  for (const std::string& o : opt.overrides)
    if (!sim::apply_override(scenario, o, error)) fail(error, kExitInput);
  sim::SessionOptions base;
  const std::filesystem::path dir = std::filesystem::path(opt.sim).parent_path();
  base.scenario_dir = dir.empty() ? "." : dir.string();
  int status = 0;
  if (!resolve_scheduler(opt.scheduler, false, dir, base.scheduler_name, base.scheduler_source, error, status))
    fail(error, status);
  std::vector<std::string> engines;
  for (bench::Engine e : parse_engines(opt.engines))
    if (e != bench::Engine::Native) engines.push_back(bench::engine_name(e));

  // Compile once per engine (AOT: a temporary library), then run the engines in turns so that machine noise hits
  // them alike; the median run per engine is reported.
  std::map<std::string, std::unique_ptr<TempAotLibrary>> aot;
  std::map<std::string, std::vector<double>> seconds;
  std::map<std::string, std::uint64_t> events;
  std::map<std::string, std::string> unavailable;
  std::string reference;
  bool differ = false;
  for (int r = 0; r < opt.repeat; ++r)
    for (const std::string& engine : engines) {
      if (unavailable.count(engine)) continue;
      sim::SessionOptions so = base;
      so.engine = engine;
      if (engine == "aot") {
        auto& lib = aot[engine];
        if (!lib) {
          lib = std::make_unique<TempAotLibrary>();
          if (!lib->build(so.scheduler_source, so.scheduler_name, error)) fail("aot: " + error, kExitInput);
        }
        so.scheduler_so = lib->path();
      }
      auto session = sim::Session::create(scenario, so, error);
      if (!session) {
        unavailable[engine] = error;
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      session->run();
      seconds[engine].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      events[engine] = session->events();
      const std::string result = session->result().dump();
      if (reference.empty()) reference = result;
      else if (result != reference) differ = true;
    }

  std::cout << fmt::format("scenario {} with {}: wall time of the whole simulation per engine (median of {})\n\n",
                           opt.sim, base.scheduler_name, opt.repeat);
  std::cout << "| engine | wall s | events/s | vs interp |\n|---|---:|---:|---:|\n";
  double interp_s = 0;
  for (const std::string& engine : engines) {
    if (unavailable.count(engine)) {
      std::cout << fmt::format("| {} | n/a ({}) | | |\n", engine, unavailable[engine]);
      continue;
    }
    std::vector<double>& v = seconds[engine];
    std::sort(v.begin(), v.end());
    const double s = v[v.size() / 2];
    if (engine == "interp") interp_s = s;
    std::cout << fmt::format("| {} | {:.3f} | {:.0f} | {} |\n", engine, s, static_cast<double>(events[engine]) / s,
                             interp_s > 0 ? fmt::format("{:.2f}x", s / interp_s) : std::string("-"));
  }
  std::cout << (differ ? "\nRESULTS DIFFER between engines\n" : "\nidentical results on every engine\n");
  if (differ) throw CLI::RuntimeError(kExitDiagnostics);
}

// Milliseconds `fn` takes, the best of `repeat` runs (compilation latency; the best run is the least disturbed).
template <class Fn>
double best_ms(int repeat, Fn&& fn) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// --compile: how long each engine takes before it can run a program (the tiered engine runs the interpreter
// meanwhile).
void run_compile_bench(const BenchOptions& opt) {
  const std::vector<bench::Program> programs = load_programs(split(opt.schedulers));
  std::cout << "ms until an engine can run the program (best of 3; aot: one run of the system C++ compiler):\n\n"
               "| scheduler | front end + optimiser | aot (c++) | jit | jit, fast code generation | ebpf (translate + "
               "verifier) |\n"
               "|---|---:|---:|---:|---:|---:|\n";
  for (const bench::Program& p : programs) {
    std::shared_ptr<const ir::Module> module;
    const double front = best_ms(3, [&] {
      const lang::CompileOutput out = lang::compile(p.source);
      if (!out.program) fail(p.name + ": the program has errors", kExitDiagnostics);
      module = ir::lower_optimised(*out.program);
    });
    std::string error, aot_cell = "n/a", jit_cell = "n/a", jit_fast_cell = "n/a", ebpf_cell = "n/a";
    {
      const std::string cpp = aot::generate_cpp(*module, p.source, p.name, aot::CodegenOptions{opt.specialise});
      const std::filesystem::path so =
          std::filesystem::temp_directory_path() / fmt::format("progmp-bench-{}-{}.so", ::getpid(), p.name);
      bool ok = true;
      const double ms = best_ms(1, [&] { ok = aot::compile_shared_object(cpp, so.string(), error); });
      std::filesystem::remove(so);
      if (ok) aot_cell = fmt::format("{:.0f}", ms);
    }
#ifdef PROGMP_HAVE_JIT
    {
      bool ok = true;
      const double ms = best_ms(3, [&] { ok = jit::compile(module, error) != nullptr; });
      if (ok) jit_cell = fmt::format("{:.1f}", ms);
      jit::Options fast;
      fast.codegen_level = 0;
      const double fast_ms = best_ms(3, [&] { ok = jit::compile(module, error, nullptr, fast) != nullptr; });
      if (ok) jit_fast_cell = fmt::format("{:.1f}", fast_ms);
    }
#endif
#ifdef PROGMP_HAVE_EBPF
    std::string why;
    if (ebpf::available(why)) {
      bool ok = true;
      const double ms = best_ms(3, [&] { ok = ebpf::load(module, error) != nullptr; });
      if (ok) ebpf_cell = fmt::format("{:.1f}", ms);
    }
#endif
    std::cout << fmt::format("| {} | {:.2f} | {} | {} | {} | {} |", p.name, front, aot_cell, jit_cell,
                             jit_fast_cell, ebpf_cell)
              << std::endl;
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto opt = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure the execution engines: ns per scheduling decision vs hand-written C++, or simulator time");
  cmd->add_option("--schedulers", opt->schedulers, "Library schedulers or .progmp files, comma-separated")
      ->type_name("LIST")
      ->capture_default_str();
  cmd->add_option("--subflows", opt->subflows, "Numbers of subflows, comma-separated")->type_name("LIST")
      ->capture_default_str();
  cmd->add_option("--queue", opt->queue, "Lengths of Q (and QU), comma-separated")->type_name("LIST")
      ->capture_default_str();
  cmd->add_option("--engines", opt->engines,
                  "Engines, comma-separated: native, interp, aot, jit, ebpf (default: all of this build)")
      ->type_name("LIST");
  cmd->add_option("--rounds", opt->rounds, "Measurement rounds; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--round-ms", opt->round_ms, "Approximate length of one round of the interpreter")
      ->check(CLI::Range(1.0, 10000.0))
      ->type_name("MS")
      ->capture_default_str();
  cmd->add_option("--csv", opt->csv, "Also write the decision measurements as CSV (for bench/plot_decisions.py)")
      ->type_name("FILE");
  cmd->add_option("--single", opt->single, "Run one configuration SCHEDULER/SUBFLOWS/Q/ENGINE only (for callgrind)")
      ->type_name("CONFIG");
  cmd->add_option("--iterations", opt->iterations, "Executions of --single")
      ->check(CLI::Range(1L, 1L << 40))
      ->capture_default_str();
  cmd->add_option("--sim", opt->sim, "Time a whole simulation of SCENARIO on each engine instead")->type_name("FILE");
  cmd->add_option("--scheduler", opt->scheduler, "Scheduler of --sim")->capture_default_str();
  cmd->add_option("--set", opt->overrides, "Scenario override KEY=VALUE of --sim (repeatable), as in progmp sim")
      ->type_name("KEY=VALUE");
  cmd->add_option("--repeat", opt->repeat, "Runs per engine of --sim, in turns; the median is reported")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_flag("--no-opt", opt->no_opt,
                "Decisions and --single: run the engines on the lowered IR, without the optimiser passes");
  cmd->add_option("--specialise", opt->specialise,
                  "AOT: variants specialised on the number of subflows, for 1..N subflows (0: generic code only)")
      ->check(CLI::Range(0u, aot::kMaxSpecialisedSubflows))
      ->type_name("N")
      ->capture_default_str();
  cmd->add_flag("--compile", opt->compile,
                "Measure compilation latency per scheduler and engine (front end, AOT, JIT, eBPF) instead");
  cmd->callback([opt] {
    if (opt->compile) run_compile_bench(*opt);
    else if (!opt->single.empty()) run_single(*opt);
    else if (!opt->sim.empty()) run_sim_bench(*opt);
    else run_decisions(*opt);
  });
}

}  // namespace progmp::tools

// Every execution engine of the build against the reference interpreter, execution for execution (runtime.md §7.1):
// the correctness proof that the engines are interchangeable.
//
// Subjects and counts (release build):
//   * 10 000 random valid programs (tests/support/program_gen.hpp, seeded by their index), in 5 shards of 2 000
//     (AllEngines/Shard.Agree/0..4, run in parallel by ctest). Each program runs over 5 random views
//     (tests/exec/random_view.hpp; odd views "rich") with random registers and generator state; view 3 gets a step
//     allowance below 40 and view 4 one below 400, so aborts at every point are compared too: 50 000 executions
//     (and 1 000 more for the builds with default compiler options, below).
//   * every library scheduler (schedulers/*.progmp) over one corpus of 100 views (40 plain, 40 rich, 20 large: up to
//     32 subflows and 64 packets per queue), each with a full and a small allowance (AllEnginesLibrary.Agree).
//   * Under AddressSanitizer 1/10 of the random programs (1 000). PROGMP_DIFF_PROGRAMS=<n> sets the total (program i
//     is the same whatever the total); PROGMP_DIFF_AOT_CXX=<compiler> the compiler of the -O0 AOT code.
//
// Engines: the interpreter on the optimised IR (ir::lower_optimised, what every engine runs) is the reference;
// compared with it are the interpreter on the unoptimised IR ("interp-lowered", cheap, checks the optimiser), the
// AOT engine, the JIT (PROGMP_HAVE_JIT) and the eBPF engine (PROGMP_HAVE_EBPF). When the kernel refuses eBPF, only
// that engine is left out: the others are compared, then the test ends with GTEST_SKIP and the reason. Per
// execution the end cause, reference step count, prints suppressed, registers, generator state and the whole effect
// log (POP/PUSH/DROP/SET_USER — the only way USER values change — and PRINT entries with their values) must be
// identical. The eBPF engine may answer Unsupported beyond its documented
// capacities; then it must leave the state and log untouched, the comparison is skipped and counted.
//
// Cost: per shard the AOT code of all programs is one shared object (aot::SourceBuilder, one translation unit per
// core) compiled at -O0 by clang++ when installed (about 3 times faster than GCC on this code), and the JIT compiles
// batches of kJitBatch (jit::compile_batch) at levels {0, 0}: the generated code has no undefined behaviour, so
// neither compiler nor level can change semantics. The first kFullyOptimised programs of each shard are compiled again
// with both engines' default options (system `c++` -O2; JIT {2, 2}) and run over other views. The library schedulers
// use the defaults only. Measured on 2 cores (RelWithDebInfo): about 35-40 s CPU per shard (AOT 17-19 s including
// the compiler, JIT 12-14 s, eBPF verifier 7-8 s, the executions themselves < 0.2 s), about 3 min CPU and 2-3.5 min
// wall for the file with ctest -j2; under AddressSanitizer about 12 s CPU per shard, about 1 min for the file.
//
// A disagreement prints the program, the view, the initial state, the engines, the first differing field and both
// outputs, then a program reduced line by line that still disagrees on that view; a shard stops after kMaxFailures
// disagreeing executions.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exec/random_view.hpp"
#include "exec/view_builder.hpp"
#include "exec/engine_compare.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/exec/interp.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"
#include "support/program_gen.hpp"
#include "support/sanitized.hpp"
#ifdef PROGMP_HAVE_JIT
#include "progmp/exec/jit.hpp"
#endif
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultPrograms = sanitized_share(10'000, 10);
constexpr int kShards = 5;
constexpr int kViewsPerProgram = 5;
constexpr int kFullyOptimised = 40;  // per shard, also compiled with the engines' default options
constexpr int kJitBatch = 250;  // 100..500 compile at the same speed per program
constexpr int kLibraryViews = 100;
constexpr int kMaxFailures = 3;

int total_programs() {
  const char* env = std::getenv("PROGMP_DIFF_PROGRAMS");
  return env && *env ? std::max(0, std::atoi(env)) : kDefaultPrograms;
}

// The compiler of the bulk of the AOT code, at -O0. clang++ compiles the generated code about 3 times faster than
// GCC at -O0, which keeps the CPU budget; PROGMP_DIFF_AOT_CXX overrides. The optimised samples and the library
// schedulers use the engine's defaults (the system `c++`, -O2), as the runtime does.
aot::CompilerOptions fast_aot_options() {
  aot::CompilerOptions options;
  options.flags = "-std=c++20 -O0 -fPIC -shared";
  if (const char* env = std::getenv("PROGMP_DIFF_AOT_CXX"); env && *env) {
    options.compiler = env;
    return options;
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"clang++", "clang++-19", "clang++-18", "clang++-17", "clang++-16", "clang++-15",
                             "clang++-14"})
      if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) {
        options.compiler = name;
        return options;
      }
  return options;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU seconds (user + system) of this process or of its finished children (the AOT compiler).
double cpu_of(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double cpu_seconds() { return cpu_of(RUSAGE_SELF) + cpu_of(RUSAGE_CHILDREN); }

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

#ifdef PROGMP_HAVE_JIT
constexpr jit::Options kFastJit{0, 0};  // about 5 times faster to compile than the defaults
#endif

// ---- engines ------------------------------------------------------------------------------------------------------

enum Engine { kLowered, kAot, kJit, kEbpf, kEngines };
constexpr const char* kEngineNames[kEngines] = {"interp-lowered", "aot", "jit", "ebpf"};

struct Subject {
  std::string label;
  std::string source;
  std::shared_ptr<const ir::Module> lowered;
  std::shared_ptr<const ir::Module> optimised;
};

bool make_subject(std::string label, std::string source, Subject& out) {
  lang::CompileOutput compiled = lang::compile(source);
  if (!compiled.program) return false;
  out.label = std::move(label);
  out.source = std::move(source);
  out.lowered = ir::lower(*compiled.program);
  out.optimised = ir::lower_optimised(*compiled.program);
  return true;
}

// Whether the eBPF engine runs here; when it is built but cannot run, `skip` says why.
struct EbpfStatus {
  bool runs = false;
  std::string skip;
};
EbpfStatus ebpf_status() {
  EbpfStatus st;
#ifdef PROGMP_HAVE_EBPF
  std::string why;
  st.runs = ebpf::available(why);
  if (!st.runs) st.skip = "eBPF engine skipped: the kernel refuses BPF_PROG_TYPE_SYSCALL test runs (" + why + ")";
#endif
  return st;
}

// A private directory for the shared objects of one test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("progmp-all-engines-" + std::to_string(::getpid()) + "-" + tag);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// One program's optimised module as its own shared object (for the reduction).
std::unique_ptr<Executable> aot_single(const Subject& s, const fs::path& so, const aot::CompilerOptions& options,
                                       std::string& error) {
  if (!aot::compile_shared_object(aot::generate_cpp(*s.optimised, s.source, "single"), so.string(), error, options))
    return nullptr;
  return aot::load(so.string(), s.source, error);
}

// `engine` for one subject, built alone (null with a message when it cannot be built here).
std::unique_ptr<Executable> build_single(Engine engine, const Subject& s, const fs::path& dir, std::string& error) {
  switch (engine) {
    case kLowered: return interp::make_executable(s.lowered);
    case kAot: {
      static int counter = 0;
      return aot_single(s, dir / ("single-" + std::to_string(counter++) + ".so"), fast_aot_options(), error);
    }
    case kJit:
#ifdef PROGMP_HAVE_JIT
      return jit::compile(s.optimised, error);
#else
      break;
#endif
    case kEbpf:
#ifdef PROGMP_HAVE_EBPF
      return ebpf::load(s.optimised, error);
#else
      break;
#endif
    default: break;
  }
  error = "engine not built";
  return nullptr;
}

// ---- one execution, compared --------------------------------------------------------------------------------------

// The outcome of one execution. Reused across executions: the log keeps its reserved storage.
struct Run {
  ExecScratch scratch;
  ExecState state;
  ExecResult result;
  EffectLog log;
};

void execute(const Executable& exe, const SchedulerView& view, const ExecState& initial, Run& run, bool poison) {
  exe.prepare(view, run.scratch);
  // Generated code must not rely on zeroed or previous scratch contents.
  if (poison)
    for (auto& w : run.scratch.words) w = 0xA5A5A5A5A5A5A5A5ull;
  run.state = initial;
  run.state.scratch = &run.scratch;
  run.log.clear();
  run.log.reserve(view.q.size() + view.qu.size() + view.rq.size());
  run.result = exe.run(view, run.state, run.log);
  run.state.scratch = nullptr;
}

std::string describe_effect(const EffectLog& log, std::size_t i) {
  const Effect& e = log.entries()[i];
  std::ostringstream s;
  s << "{kind=" << int(e.kind) << " queue=" << int(e.queue) << " subflow=" << int(e.subflow)
    << " packet=" << (e.packet ? std::to_string(e.packet->seq) : "none") << " value=" << e.value;
  if (e.kind == EffectKind::Print && e.print < log.prints().size()) {
    const PrintValue& pv = log.prints()[e.print];
    s << " print{kind=" << int(pv.kind) << " value=" << pv.value << " elems=" << pv.n_elems << "}";
  }
  return s.str() + "}";
}

// The first field in which `b` differs from the reference `a`, as text; empty when they agree.
std::string first_difference(const Run& a, const Run& b) {
  std::ostringstream s;
  if (a.result.end != b.result.end) {
    s << "end cause (" << end_cause_name(a.result.end) << " vs " << end_cause_name(b.result.end) << ")";
  } else if (a.result.steps != b.result.steps) {
    s << "reference step count (" << a.result.steps << " vs " << b.result.steps << ")";
  } else if (a.result.prints_suppressed != b.result.prints_suppressed) {
    s << "prints_suppressed (" << a.result.prints_suppressed << " vs " << b.result.prints_suppressed << ")";
  } else if (a.state.registers != b.state.registers) {
    for (std::size_t r = 0; r < a.state.registers.size(); ++r)
      if (a.state.registers[r] != b.state.registers[r]) {
        s << "register R" << r + 1 << " (" << a.state.registers[r] << " vs " << b.state.registers[r] << ")";
        break;
      }
  } else if (a.state.rng != b.state.rng) {
    s << "generator state (" << a.state.rng << " vs " << b.state.rng << ")";
  } else if (!same_log(a.log, b.log)) {
    const auto& x = a.log.entries();
    const auto& y = b.log.entries();
    std::size_t i = 0;
    while (i < x.size() && i < y.size()) {
      const Effect& p = x[i];
      const Effect& q = y[i];
      bool differ = p.kind != q.kind || p.queue != q.queue || p.subflow != q.subflow || p.packet != q.packet ||
                    p.value != q.value;
      if (!differ && p.kind == EffectKind::Print) {
        const PrintValue& u = a.log.prints()[p.print];
        const PrintValue& v = b.log.prints()[q.print];
        differ = p.print != q.print || u.kind != v.kind || u.value != v.value || u.n_elems != v.n_elems ||
                 u.elems != v.elems;
      }
      if (differ) break;
      ++i;
    }
    if (i < x.size() || i < y.size()) {
      s << "effect log entry " << i << " (" << (i < x.size() ? describe_effect(a.log, i) : "absent") << " vs "
        << (i < y.size() ? describe_effect(b.log, i) : "absent") << ")";
    } else {
      s << "effect log action count (" << a.log.actions() << " vs " << b.log.actions() << ")";
    }
  }
  return s.str();
}

std::string describe_outcome(const char* name, const Run& r) {
  std::ostringstream s;
  s << name << ": end=" << end_cause_name(r.result.end) << " steps=" << r.result.steps
    << " suppressed=" << r.result.prints_suppressed << " rng=" << r.state.rng << " registers=";
  for (auto v : r.state.registers) s << v << " ";
  s << "\n" << describe_log(r.log);
  return s.str();
}

std::string describe_initial(const ExecState& initial) {
  std::ostringstream s;
  s << "allowance=" << initial.allowance << " rng=" << initial.rng << " registers=";
  for (auto r : initial.registers) s << r << " ";
  return s.str() + "\n";
}

// Whether `engine` still disagrees with the reference on `source` (a candidate of the reduction).
bool still_disagrees(Engine engine, const std::string& source, const ViewBuilder& vb, const ExecState& initial,
                     const fs::path& dir) {
  Subject s;
  if (!make_subject("candidate", source, s)) return false;
  std::string error;
  auto exe = build_single(engine, s, dir, error);
  if (!exe) return false;
  auto reference = interp::make_executable(s.optimised);
  const SchedulerView view = vb.view();
  Run a, b;
  execute(*reference, view, initial, a, false);
  execute(*exe, view, initial, b, true);
  if (b.result.end == EndCause::Unsupported && engine == kEbpf) return false;
  return !first_difference(a, b).empty();
}

// Deletes ranges of lines (halving sizes, down to single lines) while the program still compiles and still
// disagrees; line 1 (SCHEDULER) stays. Bounded in time: the AOT engine recompiles every candidate.
std::string reduce(Engine engine, const std::string& source, const ViewBuilder& vb, const ExecState& initial,
                   const fs::path& dir) {
  std::vector<std::string> lines;
  std::istringstream in(source);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto join = [](const std::vector<std::string>& ls) {
    std::string out;
    for (const auto& l : ls) out += l + "\n";
    return out;
  };
  const auto t0 = Clock::now();
  bool changed = true;
  while (changed && ms_since(t0) < 60'000) {
    changed = false;
    for (std::size_t chunk = std::max<std::size_t>(1, lines.size() / 2); chunk >= 1; chunk /= 2) {
      for (std::size_t start = 1; start + chunk <= lines.size() && ms_since(t0) < 60'000;) {
        std::vector<std::string> candidate(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(start));
        candidate.insert(candidate.end(), lines.begin() + static_cast<std::ptrdiff_t>(start + chunk), lines.end());
        if (still_disagrees(engine, join(candidate), vb, initial, dir)) {
          lines = std::move(candidate);
          changed = true;
        } else {
          ++start;
        }
      }
    }
  }
  return join(lines);
}

struct EngineStats {
  bool enabled = false;
  long programs = 0;      // programs the engine built
  long not_built = 0;     // programs it could not build (translator or verifier limits)
  long compared = 0;      // executions compared with the reference
  long unsupported = 0;   // executions answered Unsupported (skipped)
  double build_ms = 0, build_cpu_s = 0, run_ms = 0;
};

// Wall and CPU time of building executables (the CPU of the C++ compiler included).
struct BuildTimer {
  Clock::time_point t0 = Clock::now();
  double cpu0 = cpu_seconds();
  void add_to(EngineStats& st) const {
    st.build_ms += ms_since(t0);
    st.build_cpu_s += cpu_seconds() - cpu0;
  }
};

// Runs executions on the reference and every engine given, compares, reports disagreements, counts.
class Checker {
 public:
  explicit Checker(const fs::path& dir) : dir_(dir) {}

  std::array<EngineStats, kEngines> stats;
  long executions = 0, aborted = 0, action_limit = 0, returned = 0, with_effects = 0, prints = 0;
  double reference_ms = 0;
  int failures = 0;

  bool stop() const { return failures >= kMaxFailures; }

  void check(const Subject& s, const Executable& reference, const std::array<const Executable*, kEngines>& engines,
             const ViewBuilder& vb, const ExecState& initial, const std::string& where) {
    const SchedulerView view = vb.view();
    auto t0 = Clock::now();
    execute(reference, view, initial, reference_, false);
    reference_ms += ms_since(t0);
    ++executions;
    const EndCause end = reference_.result.end;
    if (end == EndCause::StepLimit) ++aborted;
    if (end == EndCause::ActionLimit) ++action_limit;
    if (end == EndCause::Return) ++returned;
    if (!reference_.log.entries().empty()) ++with_effects;
    prints += static_cast<long>(reference_.log.prints().size());
    bool disagreed = false;
    for (int e = 0; e < kEngines; ++e) {
      if (!engines[e]) continue;
      EngineStats& st = stats[e];
      Run& run = runs_[e];
      t0 = Clock::now();
      execute(*engines[e], view, initial, run, true);
      st.run_ms += ms_since(t0);
      if (run.result.end == EndCause::Unsupported && e == kEbpf) {
        ++st.unsupported;
        // Documented: no effect at all.
        if (run.state.registers != initial.registers || run.state.rng != initial.rng || !run.log.entries().empty()) {
          report(s, static_cast<Engine>(e), vb, initial, where,
                 "state or log changed by an Unsupported answer (it must leave them untouched)", run);
          disagreed = true;
        }
        continue;
      }
      if (run.result.end == EndCause::Unsupported) ++st.unsupported;
      ++st.compared;
      const std::string diff = first_difference(reference_, run);
      if (!diff.empty()) {
        report(s, static_cast<Engine>(e), vb, initial, where, diff, run);
        disagreed = true;
      }
    }
    // Counted per execution: every engine that disagrees on it is reported.
    if (disagreed) ++failures;
  }

  void print(const char* what) const {
    std::printf("[ all-eng  ] %s: %ld executions on the reference (%ld aborted for steps, %ld for actions, %ld "
                "returned, %ld with effects, %ld PRINTs) in %.0f ms\n",
                what, executions, aborted, action_limit, returned, with_effects, prints, reference_ms);
    for (int e = 0; e < kEngines; ++e) {
      const EngineStats& st = stats[e];
      if (!st.enabled) continue;
      std::printf("[ all-eng  ]   %-15s %6ld programs built (%ld not buildable), %7ld executions compared, %5ld "
                  "Unsupported; build %7.0f ms (%5.1f s CPU), run %6.0f ms\n",
                  kEngineNames[e], st.programs, st.not_built, st.compared, st.unsupported, st.build_ms,
                  st.build_cpu_s, st.run_ms);
    }
    std::fflush(stdout);
  }

 private:
  void report(const Subject& s, Engine engine, const ViewBuilder& vb, const ExecState& initial,
              const std::string& where, const std::string& diff, const Run& run) {
    std::ostringstream m;
    m << kEngineNames[engine] << " disagrees with the interpreter (optimised IR) on " << s.label << ", " << where
      << "\nfirst difference: " << diff << "\n--- program ---\n"
      << s.source << "--- " << describe_view(vb) << describe_initial(initial)
      << describe_outcome("interp", reference_) << describe_outcome(kEngineNames[engine], run);
    // Only the first disagreement of a test is reduced (the later ones are often the same bug).
    if (!reduced_) {
      reduced_ = true;
      const std::string reduced = reduce(engine, s.source, vb, initial, dir_);
      if (reduced != s.source)
        m << "--- reduced program (" << kEngineNames[engine] << " still disagrees on this view and state) ---\n"
          << reduced;
    }
    ADD_FAILURE() << m.str();
  }

  fs::path dir_;
  bool reduced_ = false;
  Run reference_;
  std::array<Run, kEngines> runs_;
};

// Registers, generator state and allowance for view `v` of a program (views 3 and 4 abort early or midway).
ExecState state_for_view(std::mt19937_64& rng, int v) {
  const std::uint64_t allowance = v == 3 ? rng() % 40 : v == 4 ? rng() % 400 : 1'000'000;
  return random_state(rng, allowance);
}

// A view up to 32 subflows and 64 packets per queue (within the eBPF capacities).
ViewBuilder large_view(std::mt19937_64& rng) {
  ViewBuilder vb;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const int n_sf = 1 + pick(kMaxSubflows);
  for (int i = 0; i < n_sf; ++i) {
    SubflowSnapshot& s = vb.subflow(1 + i * (1 + pick(2)), 1000 + pick(200000), 1 + pick(40), pick(40));
    s.queued = pick(4);
    s.lossy = pick(6) == 0;
    s.throttled = pick(8) == 0;
    s.is_backup = pick(5) == 0;
    s.has_delay_in = pick(2) == 0;
    s.delay_in_us = pick(5000);
    s.user = pick(10);
  }
  std::int64_t seq = 0;
  const int n_sent = pick(65), n_unsent = pick(65);
  for (int i = 0; i < n_sent; ++i) {
    std::vector<int> on;
    for (int k = 0; k < n_sf; ++k)
      if (pick(3) == 0) on.push_back(k);
    PacketMeta& p = vb.sent(seq, on, 1 + pick(1400));
    seq += p.length;
    p.user = pick(3);
    if (pick(4) == 0) vb.reinject(p);
  }
  for (int i = 0; i < n_unsent; ++i) {
    PacketMeta& p = vb.unsent(seq, 1 + pick(1400));
    p.psh = pick(2) == 0;
    seq += p.length;
  }
  vb.window_end = pick(3) == 0 ? kUnlimitedWindow : seq / 2;
  vb.now_us = pick(10'000'000);
  return vb;
}

// ---- random programs, sharded -------------------------------------------------------------------------------------

// Program `index` of the whole run (independent of the sharding).
std::string random_program(int index) {
  ProgramGen gen(static_cast<std::uint64_t>(index) * 0xD1B54A32D192ED03ull + 0xA11E);
  return gen.program(4 + index % 12);
}

// One AOT library over `subjects` (all in one shared object, one translation unit per core).
std::shared_ptr<const aot::Library> aot_library(const std::vector<const Subject*>& subjects, const fs::path& so,
                                                const aot::CompilerOptions& options, std::string& error) {
  aot::SourceBuilder builder;
  for (const Subject* s : subjects) builder.add(*s->optimised, s->source, "gen");
  const unsigned cores = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  if (!aot::compile_shared_object(builder.finish_parts(cores), so.string(), error, options)) return nullptr;
  return aot::Library::open(so.string(), error);
}

class Shard : public ::testing::TestWithParam<int> {};

TEST_P(Shard, Agree) {
  const auto t_start = Clock::now();
  const double cpu_start = cpu_seconds();
  const int total = total_programs();
  const int shard = GetParam();
  const int first = static_cast<int>(static_cast<long>(total) * shard / kShards);
  const int last = static_cast<int>(static_cast<long>(total) * (shard + 1) / kShards);
  TempDir dir("shard" + std::to_string(shard));
  Checker checker(dir.path);
  const EbpfStatus ebpf = ebpf_status();
  if (!ebpf.skip.empty()) std::printf("[ all-eng  ] %s\n", ebpf.skip.c_str());

  // The programs of this shard.
  const auto t0 = Clock::now();
  std::vector<Subject> subjects(static_cast<std::size_t>(last - first));
  for (int i = first; i < last; ++i) {
    const std::string source = random_program(i);
    Subject& s = subjects[static_cast<std::size_t>(i - first)];
    ASSERT_TRUE(make_subject("random program " + std::to_string(i), source, s)) << source;
  }
  const double frontend_ms = ms_since(t0);
  const std::size_t n = subjects.size();
  const std::size_t n_full = std::min<std::size_t>(n, kFullyOptimised);

  // AOT: every program at -O0 in one library; the first n_full also at the engine's default flags.
  checker.stats[kLowered].enabled = true;
  checker.stats[kLowered].programs = static_cast<long>(n);
  checker.stats[kAot].enabled = true;
  std::shared_ptr<const aot::Library> aot_fast, aot_full;
  if (n > 0) {
    std::vector<const Subject*> all, full;
    for (const Subject& s : subjects) all.push_back(&s);
    for (std::size_t i = 0; i < n_full; ++i) full.push_back(&subjects[i]);
    std::string error;
    const BuildTimer timer;
    aot_fast = aot_library(all, dir.path / "fast.so", fast_aot_options(), error);
    ASSERT_TRUE(aot_fast) << error.substr(0, 4000);
    aot_full = aot_library(full, dir.path / "full.so", aot::CompilerOptions{}, error);
    ASSERT_TRUE(aot_full) << error.substr(0, 4000);
    timer.add_to(checker.stats[kAot]);
    ASSERT_EQ(aot_fast->programs().size(), n);
    ASSERT_EQ(aot_full->programs().size(), n_full);
    checker.stats[kAot].programs = static_cast<long>(n + n_full);
  }
#ifdef PROGMP_HAVE_JIT
  checker.stats[kJit].enabled = true;
#endif
#ifdef PROGMP_HAVE_EBPF
  checker.stats[kEbpf].enabled = ebpf.runs;
#endif

  // Runs program `i` over its views with the given AOT and JIT executables (the optimised variants get other
  // views: the same seed would repeat the executions of the fast code).
  auto run_program = [&](std::size_t i, const Executable* aot, const Executable* jit, const Executable* bpf,
                         const Executable* lowered, std::uint64_t salt) {
    const Subject& s = subjects[i];
    auto reference = interp::make_executable(s.optimised);
    std::mt19937_64 rng(static_cast<std::uint64_t>(first + static_cast<int>(i)) * 7919 + 1 + salt);
    for (int v = 0; v < kViewsPerProgram && !checker.stop(); ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const ExecState initial = state_for_view(rng, v);
      checker.check(s, *reference, {lowered, aot, jit, bpf}, vb, initial,
                    "view " + std::to_string(v) + (salt ? " (default compiler options)" : ""));
    }
  };

  for (std::size_t begin = 0; begin < n && !checker.stop(); begin += kJitBatch) {
    const std::size_t end = std::min(n, begin + kJitBatch);
    std::vector<std::unique_ptr<Executable>> jits;
#ifdef PROGMP_HAVE_JIT
    {
      std::vector<std::shared_ptr<const ir::Module>> modules;
      for (std::size_t i = begin; i < end; ++i) modules.push_back(subjects[i].optimised);
      std::string error;
      const BuildTimer timer;
      jits = jit::compile_batch(modules, error, nullptr, kFastJit);
      timer.add_to(checker.stats[kJit]);
      ASSERT_EQ(jits.size(), modules.size()) << error;
      checker.stats[kJit].programs += static_cast<long>(jits.size());
    }
#endif
    for (std::size_t i = begin; i < end && !checker.stop(); ++i) {
      std::unique_ptr<Executable> bpf;
#ifdef PROGMP_HAVE_EBPF
      if (ebpf.runs) {
        std::string error;
        const BuildTimer timer;
        bpf = ebpf::load(subjects[i].optimised, error);
        timer.add_to(checker.stats[kEbpf]);
        ++(bpf ? checker.stats[kEbpf].programs : checker.stats[kEbpf].not_built);
        if (!bpf && checker.stats[kEbpf].not_built == 1)
          std::printf("[ all-eng  ] eBPF could not load %s: %s\n", subjects[i].label.c_str(),
                      error.substr(0, 300).c_str());
      }
#endif
      auto lowered = interp::make_executable(subjects[i].lowered);
      auto aot = aot::make_executable(aot_fast, i);
      run_program(i, aot.get(), jits.empty() ? nullptr : jits[i - begin].get(), bpf.get(), lowered.get(), 0);
    }
  }

  // The first n_full programs with the engines' default options, over other views.
  std::vector<std::unique_ptr<Executable>> jit_full;
#ifdef PROGMP_HAVE_JIT
  if (n_full > 0) {
    std::vector<std::shared_ptr<const ir::Module>> modules;
    for (std::size_t i = 0; i < n_full; ++i) modules.push_back(subjects[i].optimised);
    std::string error;
    const BuildTimer timer;
    jit_full = jit::compile_batch(modules, error);
    timer.add_to(checker.stats[kJit]);
    ASSERT_EQ(jit_full.size(), modules.size()) << error;
    checker.stats[kJit].programs += static_cast<long>(jit_full.size());
  }
#endif
  for (std::size_t i = 0; i < n_full && !checker.stop(); ++i) {
    auto aot = aot::make_executable(aot_full, i);
    run_program(i, aot.get(), jit_full.empty() ? nullptr : jit_full[i].get(), nullptr, nullptr, 0x5EED);
  }

  const std::string what = "shard " + std::to_string(shard) + " (programs " + std::to_string(first) + ".." +
                           std::to_string(last - 1) + " of " + std::to_string(total) + ")";
  std::printf("[ all-eng  ] %s: %zu programs (%zu also with default compiler options), %d views each, front end "
              "%.0f ms; AOT bulk: %s %s\n",
              what.c_str(), n, n_full, kViewsPerProgram, frontend_ms, fast_aot_options().compiler.c_str(),
              fast_aot_options().flags.c_str());
  checker.print(what.c_str());
  std::printf("[ all-eng  ] %s: %.1f s wall, %.1f s CPU (this process and the C++ compiler)\n", what.c_str(),
              ms_since(t_start) / 1000, cpu_seconds() - cpu_start);
  std::fflush(stdout);

  EXPECT_EQ(checker.failures, 0);
  if (checker.executions >= 1000) {
    EXPECT_GT(checker.aborted, checker.executions / 10);
    EXPECT_GT(checker.with_effects, checker.executions / 4);
    EXPECT_GT(checker.prints, 0);
  }
  // Translator or verifier refusals and Unsupported answers stay rare (as in tests/ebpf).
  if (checker.stats[kEbpf].enabled) {
    EXPECT_LE(checker.stats[kEbpf].not_built, static_cast<long>(n) / 100);
    EXPECT_LE(checker.stats[kEbpf].unsupported, checker.stats[kEbpf].compared / 100 + 1);
  }
  // Only the eBPF part is skipped: the other engines were compared above.
  if (!ebpf.skip.empty()) GTEST_SKIP() << ebpf.skip;
}

INSTANTIATE_TEST_SUITE_P(AllEngines, Shard, ::testing::Range(0, kShards));

// ---- library schedulers ------------------------------------------------------------------------------------------

TEST(AllEnginesLibrary, Agree) {
  const auto t_start = Clock::now();
  const double cpu_start = cpu_seconds();
  TempDir dir("library");
  Checker checker(dir.path);
  const EbpfStatus ebpf = ebpf_status();
  if (!ebpf.skip.empty()) std::printf("[ all-eng  ] %s\n", ebpf.skip.c_str());

  std::vector<Subject> subjects;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers"))
    if (entry.path().extension() == ".progmp") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    Subject s;
    ASSERT_TRUE(make_subject(f.filename().string(), read_text(f), s)) << f;
    subjects.push_back(std::move(s));
  }
  ASSERT_GE(subjects.size(), 10u);

  // The corpus: the same views for every scheduler. A deque: its elements never move, so the packet pointers of
  // each view stay valid (a vector would copy the views when it grows).
  std::deque<ViewBuilder> corpus;
  std::mt19937_64 vrng(0xC0FFEE);
  for (int v = 0; v < kLibraryViews; ++v)
    corpus.push_back(v < kLibraryViews * 8 / 10 ? random_view(vrng, v % 2 == 1) : large_view(vrng));

  // AOT: every scheduler in one library at the engine's default flags.
  std::shared_ptr<const aot::Library> lib;
  {
    std::vector<const Subject*> all;
    for (const Subject& s : subjects) all.push_back(&s);
    std::string error;
    const BuildTimer timer;
    lib = aot_library(all, dir.path / "library.so", aot::CompilerOptions{}, error);
    timer.add_to(checker.stats[kAot]);
    ASSERT_TRUE(lib) << error.substr(0, 4000);
    ASSERT_EQ(lib->programs().size(), subjects.size());
  }
  checker.stats[kLowered].enabled = checker.stats[kAot].enabled = true;
#ifdef PROGMP_HAVE_JIT
  checker.stats[kJit].enabled = true;
#endif
#ifdef PROGMP_HAVE_EBPF
  checker.stats[kEbpf].enabled = ebpf.runs;
#endif

  for (std::size_t i = 0; i < subjects.size() && !checker.stop(); ++i) {
    const Subject& s = subjects[i];
    auto reference = interp::make_executable(s.optimised);
    auto lowered = interp::make_executable(s.lowered);
    auto aot = aot::make_executable(lib, i);
    ++checker.stats[kLowered].programs;
    ++checker.stats[kAot].programs;
    std::unique_ptr<Executable> jit, bpf;
    std::string error;
#ifdef PROGMP_HAVE_JIT
    const BuildTimer timer;
    jit = jit::compile(s.optimised, error);  // one by one with the default options, as the runtime does
    timer.add_to(checker.stats[kJit]);
    ASSERT_TRUE(jit) << s.label << ": " << error;
    ++checker.stats[kJit].programs;
#endif
#ifdef PROGMP_HAVE_EBPF
    if (ebpf.runs) {
      const BuildTimer timer;
      bpf = ebpf::load(s.optimised, error);
      timer.add_to(checker.stats[kEbpf]);
      ASSERT_TRUE(bpf) << s.label << ": " << error;
      ++checker.stats[kEbpf].programs;
    }
#endif
    std::mt19937_64 rng(i * 104729 + 3);
    for (int v = 0; v < kLibraryViews && !checker.stop(); ++v) {
      // Each view with a full allowance and with a small one (aborts inside the scheduler).
      for (const std::uint64_t allowance : {std::uint64_t{1'000'000}, rng() % 60}) {
        checker.check(s, *reference, {lowered.get(), aot.get(), jit.get(), bpf.get()}, corpus[v],
                      random_state(rng, allowance), "corpus view " + std::to_string(v));
      }
    }
  }
  const std::string what = "library (" + std::to_string(subjects.size()) + " schedulers x " +
                           std::to_string(kLibraryViews) + " views x 2 allowances)";
  checker.print(what.c_str());
  std::printf("[ all-eng  ] library: %.1f s wall, %.1f s CPU\n", ms_since(t_start) / 1000, cpu_seconds() - cpu_start);
  EXPECT_EQ(checker.failures, 0);
  EXPECT_GT(checker.with_effects, checker.executions / 4);
  EXPECT_GT(checker.aborted, 0);
  if (checker.stats[kEbpf].enabled) {
    EXPECT_LE(checker.stats[kEbpf].unsupported, checker.executions / 100);
  }
  if (!ebpf.skip.empty()) GTEST_SKIP() << ebpf.skip;
}

}  // namespace
}  // namespace progmp::testing

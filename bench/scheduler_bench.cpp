// ns per execution of three schedulers on the interpreter and on the AOT engine (generated C++ compiled by the
// system compiler at startup) against hand-written C++ implementations of the same logic over the same view, for
// 1, 2, 4, 8 subflows and Q lengths 1, 64, 4096. All sides produce the same effect log (checked before measuring).
// After the Google Benchmark output, a table prints interp/native and aot/native ratios measured side by side in
// this one run.
//
//   scheduler_bench [--benchmark_min_time=0.05] [google benchmark flags]
//   scheduler_bench --single=minrtt/2/64/interp --iterations=N   (one configuration, for callgrind; also /aot)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <filesystem>
#include <unistd.h>

#include "progmp/exec/aot.hpp"
#include "progmp/exec/interp.hpp"
#include "progmp/ir/nodes.hpp"
#include "progmp/lang/compile.hpp"
#include "native_schedulers.hpp"

namespace {

using namespace progmp;

// ---- the programs ---------------------------------------------------------------------------------------------
const char* kMinRtt = R"(
VAR open = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);
IF (open.EMPTY) { RETURN; }
VAR lost = RQ.TOP;
IF (lost != NULL) {
  VAR alt = open.FILTER(f => !lost.SENT_ON(f) AND f.HAS_WINDOW_FOR(lost)).MIN(f => f.RTT);
  IF (alt != NULL) { alt.PUSH(RQ.POP()); RETURN; }
}
VAR next = Q.TOP;
IF (SUBFLOWS.FILTER(f => !f.IS_BACKUP).EMPTY) {
  open.FILTER(f => f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());
} ELSE {
  open.FILTER(f => !f.IS_BACKUP AND f.HAS_WINDOW_FOR(next)).MIN(f => f.RTT).PUSH(Q.POP());
}
)";

const char* kRoundRobin = R"(
VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);
IF (ready.EMPTY) { RETURN; }
IF (!RQ.EMPTY) {
  VAR r = ready.FILTER(f => !RQ.TOP.SENT_ON(f)).GET(0);
  IF (r != NULL) { r.PUSH(RQ.POP()); RETURN; }
}
IF (Q.EMPTY) { RETURN; }
VAR later = ready.FILTER(f => f.ID > R1);
IF (later.EMPTY) {
  VAR first = ready.GET(0);
  first.PUSH(Q.POP());
  SET(R1, first.ID);
} ELSE {
  VAR turn = later.GET(0);
  turn.PUSH(Q.POP());
  SET(R1, turn.ID);
}
)";

const char* kRedundant = R"(
VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);
IF (ready.EMPTY) { RETURN; }
VAR p = Q.POP();
IF (p != NULL) {
  FOREACH (VAR f IN ready) { f.PUSH(p); }
}
)";

using bench::Native;
using bench::native_minrtt;
using bench::native_round_robin;
using bench::native_redundant;
struct Scheduler {
  const char* name;
  const char* source;
  Native native;
};
const Scheduler kSchedulers[] = {
    {"minrtt", kMinRtt, native_minrtt},
    {"round_robin", kRoundRobin, native_round_robin},
    {"redundant", kRedundant, native_redundant},
};

// ---- the view -------------------------------------------------------------------------------------------------
// n subflows with distinct RTTs, all with window space; q unsent packets and as many sent ones in QU.
struct Fixture {
  std::vector<SubflowSnapshot> subflows;
  std::deque<PacketMeta> packets;
  std::vector<const PacketMeta*> q, qu;
  SchedulerView view;

  Fixture(int n, int qlen) {
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
    for (int i = 0; i < qlen; ++i, seq += 1400) {
      packets.push_back(PacketMeta{seq, 1400, 0, 0, std::uint64_t{1} << (i % n), false, false, true, false});
      qu.push_back(&packets.back());
    }
    for (int i = 0; i < qlen; ++i, seq += 1400) {
      packets.push_back(PacketMeta{seq, 1400, 0, 0, 0, false, true, false, false});
      q.push_back(&packets.back());
    }
    view.subflows = subflows;
    view.q = q;
    view.qu = qu;
  }
};

std::unique_ptr<Executable> compile(const char* src) {
  auto out = lang::compile(src);
  if (!out.program) {
    std::fprintf(stderr, "%s", lang::format_diagnostics_text(out.diagnostics, "<bench>", src).c_str());
    std::exit(1);
  }
  return interp::make_executable(ir::lower(*out.program));
}

// The three programs compiled ahead of time into one shared object, once per process.
std::shared_ptr<const aot::Library> aot_library() {
  static const std::shared_ptr<const aot::Library> lib = [] {
    aot::SourceBuilder b;
    for (const Scheduler& s : kSchedulers) {
      auto out = lang::compile(s.source);
      b.add(*ir::lower(*out.program), s.source, s.name);
    }
    const auto dir = std::filesystem::temp_directory_path() / ("progmp-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string so = (dir / "schedulers.so").string();
    std::string error;
    std::shared_ptr<const aot::Library> l;
    if (aot::compile_shared_object(b.finish(), so, error)) l = aot::Library::open(so, error);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);  // the loaded library stays mapped
    if (!l) {
      std::fprintf(stderr, "scheduler_bench: AOT compilation failed: %s\n", error.c_str());
      std::exit(1);
    }
    return l;
  }();
  return lib;
}

std::unique_ptr<Executable> compile_aot(const Scheduler& s) {
  auto lib = aot_library();
  const int i = lib->find(s.source);
  if (i < 0) std::exit(1);
  return aot::make_executable(lib, static_cast<std::size_t>(i));
}

std::string describe(const EffectLog& log) {
  std::string s;
  for (const Effect& e : log.entries())
    s += std::to_string(static_cast<int>(e.kind)) + ":" + std::to_string(e.subflow) + ":" +
         std::to_string(e.packet ? e.packet->seq : -1) + " ";
  return s;
}

// Both implementations must agree before they are compared.
void check_equivalence(const Scheduler& s, Executable& exe, const Fixture& f) {
  ExecScratch scratch;
  exe.prepare(f.view, scratch);
  EffectLog a, b;
  a.reserve(2 * f.q.size());
  b.reserve(2 * f.q.size());
  ExecState sa, sb;
  sa.scratch = &scratch;
  exe.run(f.view, sa, a);
  s.native(f.view, sb, b);
  if (describe(a) != describe(b) || sa.registers != sb.registers) {
    std::fprintf(stderr, "%s: engine and native disagree: %s vs %s\n", s.name, describe(a).c_str(),
                 describe(b).c_str());
    std::exit(1);
  }
}

void bench_interp(benchmark::State& state, const Scheduler* s, int n, int qlen) {
  Fixture f(n, qlen);
  auto exe = compile(s->source);
  check_equivalence(*s, *exe, f);
  ExecScratch scratch;
  exe->prepare(f.view, scratch);
  EffectLog log;
  log.reserve(2 * f.q.size());
  ExecState st;
  st.scratch = &scratch;
  for (auto _ : state) {
    log.clear();
    st.registers[0] = 0;
    benchmark::DoNotOptimize(exe->run(f.view, st, log));
  }
}

void bench_aot(benchmark::State& state, const Scheduler* s, int n, int qlen) {
  Fixture f(n, qlen);
  auto exe = compile_aot(*s);
  check_equivalence(*s, *exe, f);
  ExecScratch scratch;
  exe->prepare(f.view, scratch);
  EffectLog log;
  log.reserve(2 * f.q.size());
  ExecState st;
  st.scratch = &scratch;
  for (auto _ : state) {
    log.clear();
    st.registers[0] = 0;
    benchmark::DoNotOptimize(exe->run(f.view, st, log));
  }
}

void bench_native(benchmark::State& state, const Scheduler* s, int n, int qlen) {
  Fixture f(n, qlen);
  EffectLog log;
  log.reserve(2 * f.q.size());
  ExecState st;
  for (auto _ : state) {
    log.clear();
    st.registers[0] = 0;
    s->native(f.view, st, log);
    benchmark::DoNotOptimize(log.entries().data());
  }
}

// Captures ns/iteration per benchmark name for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs)
      if (r.run_type == Run::RT_Iteration) ns[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

const int kSubflows[] = {1, 2, 4, 8};
const int kQueue[] = {1, 64, 4096};

std::string name(const char* sched, int n, int q, const char* engine) {
  return std::string(sched) + "/" + std::to_string(n) + "/" + std::to_string(q) + "/" + engine;
}

int run_single(const std::string& which, long iterations) {
  for (const Scheduler& s : kSchedulers)
    for (int n : kSubflows)
      for (int q : kQueue) {
        const bool interp = which == name(s.name, n, q, "interp");
        const bool aot = which == name(s.name, n, q, "aot");
        if (!interp && !aot && which != name(s.name, n, q, "native")) continue;
        Fixture f(n, q);
        auto exe = aot ? compile_aot(s) : compile(s.source);
        ExecScratch scratch;
        exe->prepare(f.view, scratch);
        EffectLog log;
        log.reserve(2 * f.q.size());
        ExecState st;
        st.scratch = &scratch;
        for (long i = 0; i < iterations; ++i) {
          log.clear();
          st.registers[0] = 0;
          if (interp || aot) {
            exe->run(f.view, st, log);
          } else {
            s.native(f.view, st, log);
          }
        }
        std::printf("%s: %ld executions, %zu effects in the last\n", which.c_str(), iterations,
                    log.entries().size());
        return 0;
      }
  std::fprintf(stderr, "scheduler_bench: unknown configuration '%s' (form: minrtt/2/64/interp)\n", which.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string single;
  long iterations = 1000000;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--single=", 9) == 0) {
      single = argv[i] + 9;
    } else if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = std::atol(argv[i] + 13);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!single.empty()) return run_single(single, iterations);

  for (const Scheduler& s : kSchedulers)
    for (int n : kSubflows)
      for (int q : kQueue) {
        benchmark::RegisterBenchmark(name(s.name, n, q, "native").c_str(), bench_native, &s, n, q);
        benchmark::RegisterBenchmark(name(s.name, n, q, "interp").c_str(), bench_interp, &s, n, q);
        benchmark::RegisterBenchmark(name(s.name, n, q, "aot").c_str(), bench_aot, &s, n, q);
      }
  int rargc = static_cast<int>(rest.size());
  benchmark::Initialize(&rargc, rest.data());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  std::printf("\nns per execution, interpreter and AOT vs hand-written C++ (same view, same effects), one run:\n");
  std::printf("%-12s %9s %7s %10s %10s %10s %8s %8s %8s\n", "scheduler", "subflows", "Q", "native", "interp", "aot",
              "interp/n", "aot/n", "aot/int");
  for (const Scheduler& s : kSchedulers)
    for (int n : kSubflows)
      for (int q : kQueue) {
        const auto a = reporter.ns.find(name(s.name, n, q, "native"));
        const auto b = reporter.ns.find(name(s.name, n, q, "interp"));
        const auto c = reporter.ns.find(name(s.name, n, q, "aot"));
        if (a == reporter.ns.end() || b == reporter.ns.end() || c == reporter.ns.end()) continue;
        std::printf("%-12s %9d %7d %10.1f %10.1f %10.1f %7.2fx %7.2fx %7.2fx\n", s.name, n, q, a->second, b->second,
                    c->second, b->second / a->second, c->second / a->second, c->second / b->second);
      }
  benchmark::Shutdown();
  return 0;
}

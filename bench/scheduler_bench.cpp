// Google Benchmark version of `progmp bench` (docs/performance.md): ns per execution of the library schedulers
// minrtt, round_robin, redundant, opportunistic_redundant and tap on every engine of this build and as hand-written
// C++, for 1, 2, 4, 8 subflows and a short (4) and long (1024) Q. All engines are checked against the interpreter
// and the native code before anything is measured. Ratios side by side: `progmp bench` prints them as a table.
//
//   scheduler_bench [--benchmark_filter=minrtt/2/] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "progmp/bench/decision.hpp"

namespace {

using namespace progmp;

const char* const kSchedulers[] = {"minrtt", "round_robin", "redundant", "opportunistic_redundant", "tap"};
const int kSubflows[] = {1, 2, 4, 8};
const int kQueue[] = {4, 1024};

void run(benchmark::State& state, const bench::DecisionBench* b, std::string name, bench::Engine e, int n, int q) {
  const bench::DecisionView view(n, q);
  bench::DecisionRunner runner(*b, name, e, view);
  if (!runner.ok()) {
    state.SkipWithError("unsupported");
    return;
  }
  for (auto _ : state) runner.once();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<bench::Program> programs;
  for (const char* name : kSchedulers) {
    std::string error;
    const auto path = tools::find_library_scheduler(name);
    const auto source = path ? tools::read_file(path->string(), error) : std::nullopt;
    if (!source) {
      std::fprintf(stderr, "scheduler_bench: cannot read library scheduler %s\n", name);
      return 2;
    }
    programs.push_back({name, *source});
  }
  std::string error;
  const auto engines = bench::all_engines();
  auto b = bench::DecisionBench::create(programs, engines, error);
  if (!b) {
    std::fprintf(stderr, "scheduler_bench: %s\n", error.c_str());
    return 1;
  }
  for (const std::string& note : b->notes()) std::fprintf(stderr, "note: %s\n", note.c_str());
  for (const char* s : kSchedulers)
    for (int n : kSubflows)
      for (int q : kQueue) {
        if (!b->check(s, bench::DecisionView(n, q), error)) {
          std::fprintf(stderr, "scheduler_bench: %s\n", error.c_str());
          return 1;
        }
        for (bench::Engine e : engines)
          if (b->has(s, e))
            benchmark::RegisterBenchmark(
                (std::string(s) + "/" + std::to_string(n) + "/" + std::to_string(q) + "/" + bench::engine_name(e))
                    .c_str(),
                run, b.get(), std::string(s), e, n, q);
      }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// The JIT engine against the reference interpreter (runtime.md §7.1: all engines report identical logs, results and
// generator states). 2000 random valid programs (tests/support/program_gen.hpp) and every library scheduler; each
// program runs on both engines over several random views with random registers and generator state, with large and
// small step allowances (so aborts at every point are compared too). Per execution the end cause, reference step
// count, prints suppressed, registers, generator state and the whole effect log (PRINT values included) must be
// identical. A disagreement prints the program and the view as a reproducer.
//
// The random programs are compiled in batches (jit::compile_batch: one LLVM module and one machine-code link per
// batch): the first kOptimisedRandom with the default (best) options, the others with the fast code generator (the
// generated IR has no undefined behaviour, so its semantics do not depend on the levels, and the fast code
// generator compiles several times faster: the suite stays within its time budget on two cores). The library
// schedulers are compiled one by one with jit::compile and the default options, as the runtime does.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compare.hpp"
#include "exec/random_view.hpp"
#include "progmp/exec/jit.hpp"
#include "support/program_gen.hpp"
#include "support/sanitized.hpp"

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kRandomPrograms = sanitized_share(2000, 5);
constexpr int kBatch = 100;
constexpr int kOptimisedRandom = sanitized_share(200, 5);
constexpr jit::Options kFast{2, 0};
constexpr int kViewsPerProgram = 10;
constexpr int kViewsPerScheduler = 200;

struct Program {
  std::string source;
  std::string label;
  std::shared_ptr<const ir::Module> module;
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<Program> random_programs() {
  std::vector<Program> out;
  for (int seed = 1; seed <= kRandomPrograms; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B9ull + 17);
    Program p;
    p.source = gen.program(4 + seed % 12);
    p.label = "random program seed " + std::to_string(seed);
    p.module = compile_ok(p.source);
    if (!p.module) continue;
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Program> library_programs() {
  std::vector<Program> out;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
    if (entry.path().extension() != ".progmp") continue;
    Program p;
    p.source = read_file(entry.path());
    p.label = entry.path().filename().string();
    p.module = compile_ok(p.source);
    if (!p.module) continue;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Program& a, const Program& b) { return a.label < b.label; });
  return out;
}

TEST(JitDifferential, RandomProgramsAgreeWithTheInterpreter) {
  const std::vector<Program> programs = random_programs();
  ASSERT_EQ(programs.size(), static_cast<std::size_t>(kRandomPrograms));
  Totals totals;
  int failures = 0;
  double compile_ms = 0;
  std::size_t instructions = 0;
  for (std::size_t first = 0; first < programs.size() && failures < 5; first += kBatch) {
    const std::size_t last = std::min(programs.size(), first + kBatch);
    std::vector<std::shared_ptr<const ir::Module>> modules;
    for (std::size_t i = first; i < last; ++i) modules.push_back(programs[i].module);
    std::string error;
    jit::CompileInfo info;
    const jit::Options options = first < static_cast<std::size_t>(kOptimisedRandom) ? jit::Options{} : kFast;
    auto exes = jit::compile_batch(modules, error, &info, options);
    ASSERT_EQ(exes.size(), modules.size()) << error;
    compile_ms += info.compile_ms;
    instructions += info.llvm_instructions;
    for (std::size_t i = first; i < last; ++i) {
      const Program& p = programs[i];
      auto interp = interp::make_executable(p.module);
      const Executable& jit = *exes[i - first];
      ASSERT_EQ(jit.engine_name(), "jit");
      std::mt19937_64 rng(i * 7919 + 1);
      for (int v = 0; v < kViewsPerProgram; ++v) {
        const ViewBuilder vb = random_view(rng, v % 2 == 1);
        // Views 4, 5 and 9 get small allowances: aborts at every point of the program.
        const std::uint64_t allowance = (v == 4 || v == 5 || v == 9) ? rng() % 40 : 1'000'000;
        const ExecState initial = random_state(rng, allowance);
        if (!agree(p.source, p.label, *interp, jit, vb, initial, totals)) ++failures;
      }
    }
  }
  std::printf("[ jit      ] %zu programs compiled in batches of %d in %.0f ms (%zu LLVM instructions)\n",
              programs.size(), kBatch, compile_ms, instructions);
  std::printf("[ jit      ] %ld executions (%ld aborted for steps, %ld returned, %ld with effects, %ld PRINTs)\n",
              totals.executions, totals.aborted, totals.returned, totals.with_effects, totals.prints);
  EXPECT_EQ(failures, 0);
  EXPECT_GT(totals.aborted, totals.executions / 10);
  EXPECT_GT(totals.with_effects, totals.executions / 4);
  EXPECT_GT(totals.prints, 0);
}

TEST(JitDifferential, LibrarySchedulersAgreeWithTheInterpreter) {
  const std::vector<Program> programs = library_programs();
  ASSERT_GE(programs.size(), 10u);
  Totals totals;
  int failures = 0;
  for (std::size_t i = 0; i < programs.size(); ++i) {
    const Program& p = programs[i];
    std::string error;
    jit::CompileInfo info;
    auto jit = jit::compile(p.module, error, &info);
    ASSERT_TRUE(jit) << p.label << ": " << error;
    std::printf("[ jit      ] %-36s compiled in %6.2f ms, %zu LLVM instructions\n", p.label.c_str(), info.compile_ms,
                info.llvm_instructions);
    auto interp = interp::make_executable(p.module);
    std::mt19937_64 rng(i * 104729 + 3);
    for (int v = 0; v < kViewsPerScheduler && failures < 5; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = v % 5 == 4 ? rng() % 60 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p.source, p.label, *interp, *jit, vb, initial, totals)) ++failures;
    }
  }
  std::printf("[ jit      ] library: %zu schedulers, %ld executions (%ld aborted, %ld with effects)\n",
              programs.size(), totals.executions, totals.aborted, totals.with_effects);
  EXPECT_EQ(failures, 0);
  EXPECT_GT(totals.with_effects, 0);
}

}  // namespace
}  // namespace progmp::testing

// The AOT engine against the reference interpreter (runtime.md §7.1: all engines report identical logs, results and
// generator states). 2000 random valid programs (tests/support/program_gen.hpp) and every library scheduler are
// generated into ONE translation unit, compiled once into one shared object and loaded; each program then runs on
// both engines over several random views with random registers and generator state, with large and small step
// allowances (so aborts are compared too). Per execution the end cause, reference step count, prints suppressed,
// registers, generator state and the whole effect log (PRINT values included) must be identical. A disagreement
// prints the program and the view as a reproducer.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "engine_compare.hpp"
#include "progmp/exec/aot.hpp"
#include "random_view.hpp"
#include "support/program_gen.hpp"
#include "support/sanitized.hpp"
#include "view_builder.hpp"

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kRandomPrograms = sanitized_share(2000, 5);
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

struct Totals {
  long executions = 0, aborted = 0, with_effects = 0, prints = 0, returned = 0;
};

// One execution on both engines; false (with a reproducer in the failure message) on any difference.
bool agree(const Program& p, const Executable& interp, const Executable& aot, const ViewBuilder& vb,
           const ExecState& initial, Totals& totals) {
  const SchedulerView view = vb.view();
  ExecState a = initial, b = initial;
  ExecScratch sa, sb;
  interp.prepare(view, sa);
  aot.prepare(view, sb);
  // Poison the AOT scratch: generated code must not rely on zeroed memory.
  for (auto& w : sb.words) w = 0xA5A5A5A5A5A5A5A5ull;
  a.scratch = &sa;
  b.scratch = &sb;
  EffectLog la, lb;
  la.reserve(view.q.size() + view.qu.size() + view.rq.size());
  lb.reserve(view.q.size() + view.qu.size() + view.rq.size());
  const ExecResult ra = interp.run(view, a, la);
  const ExecResult rb = aot.run(view, b, lb);
  ++totals.executions;
  if (ra.end == EndCause::StepLimit) ++totals.aborted;
  if (ra.end == EndCause::Return) ++totals.returned;
  if (!la.entries().empty()) ++totals.with_effects;
  totals.prints += static_cast<long>(la.prints().size());
  const bool same = ra.end == rb.end && ra.steps == rb.steps && ra.prints_suppressed == rb.prints_suppressed &&
                    a.registers == b.registers && a.rng == b.rng && same_log(la, lb);
  if (!same) {
    std::ostringstream s;
    s << "AOT and interpreter disagree on " << p.label << "\n--- program ---\n"
      << p.source << "--- " << describe_view(vb) << "allowance=" << initial.allowance << " rng=" << initial.rng
      << " registers=";
    for (auto r : initial.registers) s << r << " ";
    s << "\ninterp: end=" << end_cause_name(ra.end) << " steps=" << ra.steps << " suppressed=" << ra.prints_suppressed
      << " rng=" << a.rng << " registers=";
    for (auto r : a.registers) s << r << " ";
    s << "\n" << describe_log(la);
    s << "aot:    end=" << end_cause_name(rb.end) << " steps=" << rb.steps << " suppressed=" << rb.prints_suppressed
      << " rng=" << b.rng << " registers=";
    for (auto r : b.registers) s << r << " ";
    s << "\n" << describe_log(lb);
    ADD_FAILURE() << s.str();
  }
  return same;
}

// Compiles the programs of `builder` into `so` with `flags`, one translation unit per core; prints the timing.
std::shared_ptr<const aot::Library> build_library(const aot::SourceBuilder& builder, const std::string& so,
                                                  const char* flags) {
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  const std::vector<std::string> parts = builder.finish_parts(cores);
  std::size_t lines = 0;
  for (const std::string& part : parts) lines += static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
  aot::CompilerOptions options;
  options.flags = flags;
  std::string error;
  if (!aot::compile_shared_object(parts, so, error, options)) {
    ADD_FAILURE() << error.substr(0, 4000);
    return nullptr;
  }
  auto lib = aot::Library::open(so, error);
  if (!lib) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  std::printf("[ aot      ] %zu programs, %zu lines of C++ in %zu parts, compiled (%s) in %lld ms\n",
              lib->programs().size(), lines, parts.size(), flags, static_cast<long long>(ms.count()));
  return lib;
}

// Two shared objects: every random program compiled without optimisation (the generated code has no undefined
// behaviour, so its semantics do not depend on the optimisation level, and -O0 compiles four times faster than
// -O2: the test stays within its time budget on two cores), and the library schedulers plus the first
// kOptimisedRandom random programs with the engine's own flags (-O2).
constexpr int kOptimisedRandom = sanitized_share(200, 5);
constexpr const char* kFastFlags = "-std=c++20 -O0 -fPIC -shared";

// The programs are generated once per process; each library is compiled when a test first needs it (ctest runs
// every test in its own process, so each compiles only its own).
class AotDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int seed = 1; seed <= kRandomPrograms; ++seed) {
      ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B9ull + 17);
      Program p;
      p.source = gen.program(4 + seed % 12);
      p.label = "random program seed " + std::to_string(seed);
      p.module = compile_ok(p.source);
      ASSERT_TRUE(p.module) << p.source;
      random_.push_back(std::move(p));
    }
    for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
      if (entry.path().extension() != ".progmp") continue;
      Program p;
      p.source = read_file(entry.path());
      p.label = entry.path().filename().string();
      p.module = compile_ok(p.source);
      ASSERT_TRUE(p.module) << p.label;
      library_.push_back(std::move(p));
    }
    ASSERT_GE(library_.size(), 10u);
    dir_ = fs::temp_directory_path() / ("progmp-aot-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() {
    fast_.reset();
    optimised_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // Every random program, at -O0.
  static std::shared_ptr<const aot::Library> fast() {
    if (!fast_) {
      aot::SourceBuilder b;
      for (const Program& p : random_) b.add(*p.module, p.source, "gen");
      fast_ = build_library(b, (dir_ / "random.so").string(), kFastFlags);
    }
    return fast_;
  }
  // The library schedulers, then the first kOptimisedRandom random programs, at the engine's -O2, with variants
  // specialised for 1..3 subflows (the random views have 0 to 4: the variants and, for 0 and 4, the generic code).
  static std::shared_ptr<const aot::Library> optimised() {
    if (!optimised_) {
      aot::SourceBuilder b(aot::CodegenOptions{3});
      for (const Program& p : library_) b.add(*p.module, p.source, "lib");
      for (int i = 0; i < kOptimisedRandom; ++i) b.add(*random_[i].module, random_[i].source, "gen");
      optimised_ = build_library(b, (dir_ / "optimised.so").string(), aot::CompilerOptions{}.flags.c_str());
    }
    return optimised_;
  }

  static std::vector<Program> random_;
  static std::vector<Program> library_;
  static std::shared_ptr<const aot::Library> fast_, optimised_;
  static fs::path dir_;
};
std::vector<Program> AotDifferential::random_;
std::vector<Program> AotDifferential::library_;
std::shared_ptr<const aot::Library> AotDifferential::fast_;
std::shared_ptr<const aot::Library> AotDifferential::optimised_;
fs::path AotDifferential::dir_;

TEST_F(AotDifferential, RandomProgramsAgreeWithTheInterpreter) {
  const auto lib = fast();
  ASSERT_TRUE(lib);
  ASSERT_EQ(lib->programs().size(), random_.size());
  Totals totals;
  int failures = 0;
  for (std::size_t i = 0; i < random_.size() && failures < 5; ++i) {
    const Program& p = random_[i];
    ASSERT_EQ(lib->programs()[i].source, p.source);
    auto interp = interp::make_executable(p.module);
    auto aot = aot::make_executable(lib, i);
    ASSERT_EQ(aot->engine_name(), "aot");
    std::mt19937_64 rng(i * 7919 + 1);
    for (int v = 0; v < kViewsPerProgram; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      // Views 4, 5 and 9 get small allowances: aborts at every point of the program.
      const std::uint64_t allowance = (v == 4 || v == 5 || v == 9) ? rng() % 40 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p, *interp, *aot, vb, initial, totals)) ++failures;
    }
  }
  std::printf("[ aot      ] %zu programs, %ld executions (%ld aborted for steps, %ld returned, %ld with effects, "
              "%ld PRINTs)\n",
              random_.size(), totals.executions, totals.aborted, totals.returned, totals.with_effects,
              totals.prints);
  EXPECT_EQ(failures, 0);
  EXPECT_GT(totals.aborted, totals.executions / 10);
  EXPECT_GT(totals.with_effects, totals.executions / 4);
  EXPECT_GT(totals.prints, 0);
}

TEST_F(AotDifferential, LibrarySchedulersAndOptimisedCodeAgreeWithTheInterpreter) {
  const auto lib = optimised();
  ASSERT_TRUE(lib);
  ASSERT_EQ(lib->programs().size(), library_.size() + kOptimisedRandom);
  Totals totals;
  int failures = 0;
  for (std::size_t i = 0; i < library_.size(); ++i) {
    const Program& p = library_[i];
    ASSERT_EQ(lib->programs()[i].source, p.source);
    auto interp = interp::make_executable(p.module);
    auto aot = aot::make_executable(lib, i);
    std::mt19937_64 rng(i * 104729 + 3);
    for (int v = 0; v < kViewsPerScheduler && failures < 5; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = v % 5 == 4 ? rng() % 60 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p, *interp, *aot, vb, initial, totals)) ++failures;
    }
  }
  std::printf("[ aot      ] library: %zu schedulers, %ld executions (%ld aborted, %ld with effects)\n",
              library_.size(), totals.executions, totals.aborted, totals.with_effects);
  EXPECT_GT(totals.with_effects, 0);
  Totals optimised_totals;
  for (int i = 0; i < kOptimisedRandom && failures < 5; ++i) {
    const Program& p = random_[static_cast<std::size_t>(i)];
    const std::size_t index = library_.size() + static_cast<std::size_t>(i);
    ASSERT_EQ(lib->programs()[index].source, p.source);
    auto interp = interp::make_executable(p.module);
    auto aot = aot::make_executable(lib, index);
    std::mt19937_64 rng(static_cast<std::uint64_t>(i) * 7919 + 1);
    for (int v = 0; v < kViewsPerProgram; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = (v == 4 || v == 5 || v == 9) ? rng() % 40 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p, *interp, *aot, vb, initial, optimised_totals)) ++failures;
    }
  }
  std::printf("[ aot      ] -O2: %d random programs, %ld executions (%ld aborted)\n", kOptimisedRandom,
              optimised_totals.executions, optimised_totals.aborted);
  EXPECT_EQ(failures, 0);
}

// Deep syntax trees (near the front end's nesting limit) compile to flat code and still agree.
TEST(AotCodegen, DeepExpressionsAndLoadingChecks) {
  std::string e = "R1";
  for (int i = 0; i < 120; ++i) e = "(" + e + (i % 3 == 0 ? " + 1)" : i % 3 == 1 ? " * 3)" : " / R2)");
  std::string b = "R3 > 0";
  for (int i = 0; i < 120; ++i) b = "(" + b + (i % 2 ? " AND R4 < 10)" : " OR R5 == 2)");
  const std::string src = "SET(R6, " + e + ");\nIF (" + b + ") { SET(R1, RANDOM); }\n"
                          "VAR x = SUBFLOWS.MIN(s => s.RTT);\nIF (x != NULL) { x.PUSH(Q.POP()); }\n";
  auto module = compile_ok(src);
  ASSERT_TRUE(module);
  const std::string cpp = aot::generate_cpp(*module, src, "deep");
  const fs::path dir = fs::temp_directory_path() / ("progmp-aot-deep-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string error;
  const std::string so = (dir / "deep.so").string();
  ASSERT_TRUE(aot::compile_shared_object(cpp, so, error)) << error;

  auto exe = aot::load(so, src, error);
  ASSERT_TRUE(exe) << error;
  auto interp = interp::make_executable(module);
  ViewBuilder vb;
  vb.subflow(1, 30000);
  vb.subflow(2, 20000);
  vb.unsent(0);
  vb.unsent(1400);
  for (std::int64_t r2 : {0, -1, 2, 7}) {
    ExecState st;
    st.registers = {INT64_MIN, r2, 1, 3, 2, 0};
    Program p{src, "deep", module};
    Totals t;
    EXPECT_TRUE(agree(p, *interp, *exe, vb, st, t));
  }

  // A library for another program is refused.
  auto other = aot::load(so, src + "\n", error);
  EXPECT_FALSE(other);
  EXPECT_NE(error.find("source hash mismatch"), std::string::npos) << error;

  // A library built for another ABI is refused.
  std::string bad = cpp;
  const std::string key = "progmp_abi_version = ";
  const std::size_t at = bad.find(key);
  ASSERT_NE(at, std::string::npos);
  bad.replace(at + key.size(), 4, "0x7F");  // another major version
  const std::string bad_so = (dir / "bad.so").string();
  ASSERT_TRUE(aot::compile_shared_object(bad, bad_so, error)) << error;
  EXPECT_FALSE(aot::load(bad_so, src, error));
  EXPECT_NE(error.find("bad_abi"), std::string::npos) << error;

  // A compiler failure is reported with the compiler's message.
  EXPECT_FALSE(aot::compile_shared_object("this is not C++", (dir / "x.so").string(), error));
  EXPECT_NE(error.find("failed"), std::string::npos) << error;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace progmp::testing

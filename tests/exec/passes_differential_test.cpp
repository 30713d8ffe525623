// The IR optimiser (progmp/ir/passes.hpp) against the lowered IR, both on the reference interpreter (and, for a
// sample, the optimised IR on the AOT engine, which must implement `Steps` like the interpreter): every
// optimisation must keep each execution identical (runtime.md §7.1, §7.2, §7.4). Random valid programs
// (tests/support/program_gen.hpp), the same programs with their view reads replaced by constant expressions (so that
// folding and dead-code removal have work), the library schedulers and the pass examples of tests/ir run over
// random views with random registers and generator state, with large and small step allowances (aborts at every
// point). Per execution the end cause, reference step count, prints suppressed, registers, generator state and the
// whole effect log (PRINT values included) must be identical. A disagreement prints a reproducer.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "engine_compare.hpp"
#include "ir/pass_examples.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/ir/passes.hpp"
#include "random_view.hpp"
#include "support/program_gen.hpp"
#include "support/sanitized.hpp"
#include "view_builder.hpp"

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kRandomPrograms = sanitized_share(5000, 5);
constexpr int kViewsPerProgram = 8;
constexpr int kAotPrograms = 150;  // optimised random programs also compiled by the AOT engine
constexpr int kViewsPerScheduler = 200;
constexpr int kViewsPerExample = 100;

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Totals {
  long programs = 0, changed = 0, executions = 0, aborted = 0, returned = 0, with_effects = 0, prints = 0;
  long steps_instrs = 0, instrs_before = 0, instrs_after = 0;
  std::map<std::string, long> changed_by;  // per pass: programs whose IR it changed
};

struct Subject {
  std::string label;
  std::string source;
  std::shared_ptr<const ir::Module> lowered;
  std::shared_ptr<const ir::Module> optimised;
};

// One execution of both modules; false (with a reproducer in the failure message) on any difference.
bool agree(const Subject& p, const Executable& before, const Executable& after, const ViewBuilder& vb,
           const ExecState& initial, Totals& totals) {
  const SchedulerView view = vb.view();
  ExecState a = initial, b = initial;
  ExecScratch sa, sb;
  before.prepare(view, sa);
  after.prepare(view, sb);
  a.scratch = &sa;
  b.scratch = &sb;
  EffectLog la, lb;
  la.reserve(view.q.size() + view.qu.size() + view.rq.size());
  lb.reserve(view.q.size() + view.qu.size() + view.rq.size());
  const ExecResult ra = before.run(view, a, la);
  const ExecResult rb = after.run(view, b, lb);
  ++totals.executions;
  if (ra.end == EndCause::StepLimit) ++totals.aborted;
  if (ra.end == EndCause::Return) ++totals.returned;
  if (!la.entries().empty()) ++totals.with_effects;
  totals.prints += static_cast<long>(la.prints().size());
  const bool same = ra.end == rb.end && ra.steps == rb.steps && ra.prints_suppressed == rb.prints_suppressed &&
                    a.registers == b.registers && a.rng == b.rng && same_log(la, lb);
  if (!same) {
    std::ostringstream s;
    s << "optimised IR disagrees with the lowered IR on " << p.label << "\n--- program ---\n"
      << p.source << "--- " << describe_view(vb) << "allowance=" << initial.allowance << " rng=" << initial.rng
      << " registers=";
    for (auto r : initial.registers) s << r << " ";
    s << "\nlowered:   end=" << end_cause_name(ra.end) << " steps=" << ra.steps
      << " suppressed=" << ra.prints_suppressed << " rng=" << a.rng << " registers=";
    for (auto r : a.registers) s << r << " ";
    s << "\n" << describe_log(la);
    s << "optimised: end=" << end_cause_name(rb.end) << " steps=" << rb.steps
      << " suppressed=" << rb.prints_suppressed << " rng=" << b.rng << " registers=";
    for (auto r : b.registers) s << r << " ";
    s << "\n" << describe_log(lb);
    s << "--- lowered IR ---\n" << ir::format(*p.lowered) << "--- optimised IR ---\n" << ir::format(*p.optimised);
    ADD_FAILURE() << s.str();
  }
  return same;
}

// Compiles, lowers, optimises and checks the optimised module's structure; nullopt-like empty label on failure.
bool make_subject(const std::string& label, const std::string& source, Subject& out, Totals& totals) {
  lang::CompileOutput compiled = lang::compile(source);
  if (!compiled.program) return false;
  out.label = label;
  out.source = source;
  out.lowered = ir::lower(*compiled.program);
  std::vector<ir::PassSnapshot> trace;
  out.optimised = ir::optimise(*out.lowered, &trace);
  for (std::size_t i = 1; i < trace.size(); ++i)
    if (trace[i].listing != trace[i - 1].listing) ++totals.changed_by[trace[i].pass];
  const std::string problem = validate_module(*out.optimised);
  EXPECT_EQ(problem, "") << label << "\n" << source << ir::format(*out.optimised);
  ++totals.programs;
  if (ir::format(*out.lowered) != ir::format(*out.optimised)) ++totals.changed;
  totals.steps_instrs += count_stmt(*out.optimised, ir::StmtOp::Steps);
  totals.instrs_before += static_cast<long>(out.lowered->code.size());
  totals.instrs_after += static_cast<long>(out.optimised->code.size());
  return problem.empty();
}

// Runs one subject over `views` random views; views 1, 3 (mod 4) are rich, every fourth has a small allowance.
int run_views(const Subject& p, int views, std::uint64_t seed, Totals& totals) {
  auto before = interp::make_executable(p.lowered);
  auto after = interp::make_executable(p.optimised);
  std::mt19937_64 rng(seed);
  int failures = 0;
  for (int v = 0; v < views && failures < 3; ++v) {
    const ViewBuilder vb = random_view(rng, v % 2 == 1);
    const std::uint64_t allowance = v % 4 == 2 ? rng() % 50 : v % 4 == 3 ? rng() % 8 : 1'000'000;
    const ExecState initial = random_state(rng, allowance);
    if (!agree(p, *before, *after, vb, initial, totals)) ++failures;
  }
  return failures;
}

// Replaces the reads of the view and the boolean literals of a generated program by constant expressions (folding
// targets: arithmetic edge cases, NULL, constant conditions; whole tokens only) and inserts, at some statement
// boundaries, statements that the optimiser removes, compensates or must keep.
std::string constant_variant(const std::string& src, std::uint64_t seed) {
  static const char* kInts[] = {"(17 - 20 * 3)", "(7 / 0)", "(0 - 9223372036854775807 - 1)",
                                "((0 - 9223372036854775807 - 1) / -1)", "(5 % -1)", "(9223372036854775807 + 1)",
                                "(-7 % 3)", "(2 * 0)"};
  static const char* kTrue[] = {"(1 < 2)", "(NULL == NULL)", "!(3 == 4)", "(TRUE OR RANDOM > 3)"};
  static const char* kFalse[] = {"(3 >= 4)", "(7 / 0 > 1)", "!(1 <= 1)", "(FALSE AND RANDOM > 3)"};
  std::mt19937_64 rng(seed);
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  std::size_t i = 0;
  while (i < src.size()) {
    if (is_word(src[i]) && (i == 0 || !is_word(src[i - 1]))) {
      std::size_t j = i;
      while (j < src.size() && is_word(src[j])) ++j;
      const std::string word = src.substr(i, j - i);
      if (word == "CURRENT_TIME_MS" || word == "MSS" || word == "WINDOW_END") {
        out += kInts[rng() % 8];
      } else if (word == "TRUE") {
        out += kTrue[rng() % 4];
      } else if (word == "FALSE") {
        out += kFalse[rng() % 4];
      } else {
        out += word;
      }
      i = j;
      continue;
    }
    out += src[i];
    // Statement boundary: sometimes a statement the optimiser removes or compensates.
    if (src[i++] == '\n' && rng() % 4 == 0) {
      static const char* kStmts[] = {
          "VAR zz# = 2 * 3;\n", "VOID(SUBFLOWS.COUNT);\n", "IF (FALSE) { SET(R1, RANDOM); }\n",
          "IF (TRUE) { VOID(Q.EMPTY); } ELSE { SET(R2, 1); }\n", "VAR zz# = NULL;\n", "SET(R3, 7 / 0);\n",
          "VOID(RANDOM);\n", "VOID();\n", "IF (FALSE) { RETURN; }\n", "VAR zz# = R1 * 0 + 4;\n",
          "IF (RANDOM > 5 OR TRUE) { VOID(7); }\n", "DROP(Q.GET(-1));\n"};
      std::string st = kStmts[rng() % 12];
      const std::size_t at = st.find('#');
      if (at != std::string::npos) st.replace(at, 1, std::to_string(rng() % 1000000));
      out += st;
    }
  }
  return out;
}

void print_totals(const char* what, const Totals& t) {
  std::printf("[ passes   ] %s: %ld programs (%ld changed by the optimiser; %ld -> %ld instructions, %ld Steps), "
              "%ld executions (%ld aborted for steps, %ld returned, %ld with effects, %ld PRINTs)\n",
              what, t.programs, t.changed, t.instrs_before, t.instrs_after, t.steps_instrs, t.executions, t.aborted,
              t.returned, t.with_effects, t.prints);
  for (const auto& [pass, n] : t.changed_by) std::printf("[ passes   ]   %s changed %ld\n", pass.c_str(), n);
}

TEST(PassesDifferential, RandomProgramsBehaveAsLowered) {
  const auto t0 = std::chrono::steady_clock::now();
  Totals totals, variants;
  int failures = 0;
  for (int seed = 1; seed <= kRandomPrograms && failures < 5; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull + 5);
    const std::string source = gen.program(4 + seed % 12);
    Subject p;
    ASSERT_TRUE(make_subject("random program seed " + std::to_string(seed), source, p, totals)) << source;
    failures += run_views(p, kViewsPerProgram, static_cast<std::uint64_t>(seed) * 7919 + 1, totals);
    // The constant variant (skipped in the rare case it does not type-check).
    Subject c;
    if (make_subject("constant variant of seed " + std::to_string(seed), constant_variant(source, seed), c, variants))
      failures += run_views(c, kViewsPerProgram, static_cast<std::uint64_t>(seed) * 104729 + 7, variants);
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  print_totals("random", totals);
  print_totals("constant variants", variants);
  std::printf("[ passes   ] %lld ms\n", static_cast<long long>(ms));
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(totals.programs, kRandomPrograms);
  EXPECT_GT(variants.programs, kRandomPrograms * 9 / 10);
  EXPECT_GT(totals.changed, totals.programs / 10);
  // Every pass has work in a good share of the programs the test proves it on.
  for (const std::string& pass : ir::pass_names())
    EXPECT_GT(totals.changed_by[pass] + variants.changed_by[pass], kRandomPrograms / 50) << pass;
  EXPECT_GT(variants.changed, variants.programs / 2);
  EXPECT_GT(totals.aborted, totals.executions / 10);
  EXPECT_GT(totals.with_effects, totals.executions / 4);
  EXPECT_GT(totals.prints, 0);
}

TEST(PassesDifferential, LibrarySchedulersBehaveAsLowered) {
  Totals totals;
  int failures = 0;
  std::uint64_t seed = 3;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
    if (entry.path().extension() != ".progmp") continue;
    Subject p;
    ASSERT_TRUE(make_subject(entry.path().filename().string(), read_file(entry.path()), p, totals));
    failures += run_views(p, kViewsPerScheduler, seed++ * 104729, totals);
  }
  print_totals("library", totals);
  EXPECT_GE(totals.programs, 10);
  EXPECT_EQ(failures, 0);
}

TEST(PassesDifferential, PassExamplesBehaveAsLowered) {
  Totals totals;
  int failures = 0;
  std::uint64_t seed = 11;
  for (const PassExample& e : pass_examples()) {
    Subject p;
    ASSERT_TRUE(make_subject(e.name, e.source, p, totals)) << e.source;
    EXPECT_NE(ir::format(*p.lowered), ir::format(*p.optimised)) << e.name;
    failures += run_views(p, kViewsPerExample, seed++ * 7919, totals);
    // Every allowance from 0 to past the end on one view: each abort point agrees.
    std::mt19937_64 rng(seed);
    const ViewBuilder vb = random_view(rng, false);
    auto before = interp::make_executable(p.lowered);
    auto after = interp::make_executable(p.optimised);
    for (std::uint64_t allowance = 0; allowance < 80; ++allowance)
      if (!agree(p, *before, *after, vb, random_state(rng, allowance), totals)) ++failures;
  }
  print_totals("examples", totals);
  EXPECT_EQ(failures, 0);
}

// The optimised modules are valid input for the AOT engine too: the pass examples, the library schedulers and the
// constant variants of some random programs, optimised, compiled into one shared object (-O0, as the AOT
// differential test does for speed) and run against the interpreter on the lowered module.
TEST(PassesDifferential, OptimisedModulesRunOnTheAotEngine) {
  Totals totals;
  std::vector<Subject> subjects;
  for (const PassExample& e : pass_examples()) {
    Subject p;
    if (make_subject(e.name, e.source, p, totals)) subjects.push_back(std::move(p));
  }
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
    if (entry.path().extension() != ".progmp") continue;
    Subject p;
    if (make_subject(entry.path().filename().string(), read_file(entry.path()), p, totals))
      subjects.push_back(std::move(p));
  }
  for (int seed = 1; seed <= kAotPrograms; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull + 5);
    Subject p;
    if (make_subject("constant variant of seed " + std::to_string(seed),
                     constant_variant(gen.program(4 + seed % 12), seed), p, totals))
      subjects.push_back(std::move(p));
  }
  aot::SourceBuilder builder;
  // The source text is only embedded: mark it so that it is never mistaken for the lowered program's library.
  for (const Subject& p : subjects) builder.add(*p.optimised, "// optimised\n" + p.source, "opt");
  const fs::path dir = fs::temp_directory_path() / ("progmp-passes-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  aot::CompilerOptions options;
  options.flags = "-std=c++20 -O0 -fPIC -shared";
  std::string error;
  const std::string so = (dir / "optimised.so").string();
  ASSERT_TRUE(aot::compile_shared_object(builder.finish_parts(2), so, error, options)) << error.substr(0, 4000);
  auto lib = aot::Library::open(so, error);
  ASSERT_TRUE(lib) << error;
  ASSERT_EQ(lib->programs().size(), subjects.size());
  Totals runs;
  int failures = 0;
  for (std::size_t i = 0; i < subjects.size() && failures < 5; ++i) {
    auto before = interp::make_executable(subjects[i].lowered);
    auto after = aot::make_executable(lib, i);
    std::mt19937_64 rng(i * 31 + 9);
    for (int v = 0; v < 20; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = v % 4 == 2 ? rng() % 50 : v % 4 == 3 ? rng() % 8 : 1'000'000;
      if (!agree(subjects[i], *before, *after, vb, random_state(rng, allowance), runs)) ++failures;
    }
  }
  lib.reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::printf("[ passes   ] aot: %zu optimised programs (%ld Steps instructions), %ld executions (%ld aborted for "
              "steps, %ld with effects)\n",
              subjects.size(), totals.steps_instrs, runs.executions, runs.aborted, runs.with_effects);
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace progmp::testing

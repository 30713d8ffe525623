// The eBPF engine against the reference interpreter (runtime.md §7.1: all engines report identical logs, results
// and generator states for every execution none of them answers with `unsupported`). Random valid programs
// (tests/support/program_gen.hpp) and every library scheduler are translated, verified by the kernel and run on
// random views with random registers and generator state, with large and small step allowances (so aborts are
// compared too). Per execution the end cause, reference step count, prints suppressed, registers, generator state
// and the whole effect log (PRINT values included) must be identical, or the eBPF engine answers Unsupported with
// the state untouched (counted; rare for views within the capacities). A disagreement prints a reproducer.
#include <gtest/gtest.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "exec/engine_compare.hpp"
#include "exec/random_view.hpp"
#include "exec/view_builder.hpp"
#include "progmp/exec/ebpf.hpp"
#include "support/program_gen.hpp"
#include "support/sanitized.hpp"

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;

int random_programs() {
  const char* env = std::getenv("PROGMP_EBPF_RANDOM_PROGRAMS");
  return env ? std::atoi(env) : sanitized_share(4000, 5);
}
const int kRandomPrograms = random_programs();
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
  long executions = 0, agreed = 0, unsupported = 0, unsupported_log = 0, unsupported_steps = 0, aborted = 0, with_effects = 0, prints = 0, returned = 0;
};

// One execution on both engines; false (with a reproducer in the failure message) on any difference.
bool agree(const Program& p, const Executable& interp, const Executable& bpf, const ViewBuilder& vb,
           const ExecState& initial, Totals& totals) {
  const SchedulerView view = vb.view();
  ExecState a = initial, b = initial;
  ExecScratch sa, sb;
  interp.prepare(view, sa);
  bpf.prepare(view, sb);
  a.scratch = &sa;
  b.scratch = &sb;
  EffectLog la, lb;
  la.reserve(view.q.size() + view.qu.size() + view.rq.size());
  lb.reserve(view.q.size() + view.qu.size() + view.rq.size());
  const ExecResult ra = interp.run(view, a, la);
  const ExecResult rb = bpf.run(view, b, lb);
  ++totals.executions;
  if (ra.end == EndCause::StepLimit) ++totals.aborted;
  if (ra.end == EndCause::Return) ++totals.returned;
  if (!la.entries().empty()) ++totals.with_effects;
  totals.prints += static_cast<long>(la.prints().size());
  if (rb.end == EndCause::Unsupported) {
    ++totals.unsupported;
    // Why: an effect log beyond kMaxEffects, or more loop iterations than the kernel's may_goto budget.
    if (la.entries().size() - la.prints().size() > ebpf::Capacities::kMaxEffects) ++totals.unsupported_log;
    if (ra.steps > 100'000) ++totals.unsupported_steps;
    // No effect at all on the state.
    const bool untouched = b.registers == initial.registers && b.rng == initial.rng;
    EXPECT_TRUE(untouched) << "Unsupported changed the state on " << p.label;
    return untouched;
  }
  const bool same = ra.end == rb.end && ra.steps == rb.steps && ra.prints_suppressed == rb.prints_suppressed &&
                    a.registers == b.registers && a.rng == b.rng && same_log(la, lb);
  if (same) {
    ++totals.agreed;
  } else {
    std::ostringstream s;
    s << "eBPF and interpreter disagree on " << p.label << "\n--- program ---\n"
      << p.source << "--- " << describe_view(vb) << "allowance=" << initial.allowance << " rng=" << initial.rng
      << " registers=";
    for (auto r : initial.registers) s << r << " ";
    s << "\ninterp: end=" << end_cause_name(ra.end) << " steps=" << ra.steps << " suppressed=" << ra.prints_suppressed
      << " rng=" << a.rng << " registers=";
    for (auto r : a.registers) s << r << " ";
    s << "\n" << describe_log(la);
    s << "ebpf:   end=" << end_cause_name(rb.end) << " steps=" << rb.steps << " suppressed=" << rb.prints_suppressed
      << " rng=" << b.rng << " registers=";
    for (auto r : b.registers) s << r << " ";
    s << "\n" << describe_log(lb);
    ADD_FAILURE() << s.str();
  }
  return same;
}

class EbpfDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!ebpf::available(why)) GTEST_SKIP() << "eBPF unavailable (BPF_PROG_TYPE_SYSCALL test runs): " << why;
  }
};

TEST_F(EbpfDifferential, RandomProgramsAgreeWithTheInterpreter) {
  Totals totals;
  int failures = 0, rejected = 0, untranslated = 0;
  std::string first_rejection;
  double load_ms = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int seed = 1; seed <= kRandomPrograms && failures < 5; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B9ull + 17);
    Program p;
    p.source = gen.program(4 + seed % 12);
    p.label = "random program seed " + std::to_string(seed);
    p.module = compile_ok(p.source);
    ASSERT_TRUE(p.module) << p.source;
    ebpf::Bytecode code;
    std::string error;
    if (!ebpf::translate(*p.module, code, error)) {
      ++untranslated;
      continue;
    }
    const auto l0 = std::chrono::steady_clock::now();
    auto bpf = ebpf::load(p.module, error);
    load_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - l0).count();
    if (!bpf) {
      ++rejected;
      if (first_rejection.empty()) first_rejection = p.label + ": " + error + "\n" + p.source;
      continue;
    }
    auto interp = interp::make_executable(p.module);
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919 + 1);
    for (int v = 0; v < kViewsPerProgram; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      // Views 4, 5 and 9 get small allowances: aborts at every point of the program.
      const std::uint64_t allowance = (v == 4 || v == 5 || v == 9) ? rng() % 40 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p, *interp, *bpf, vb, initial, totals)) ++failures;
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  std::printf("[ ebpf     ] %d random programs (%d not translated, %d rejected by the verifier), %ld executions: "
              "%ld agree, %ld unsupported (%ld aborted for steps, %ld returned, %ld with effects, %ld PRINTs) "
              "in %lld ms\n",
              kRandomPrograms, untranslated, rejected, totals.executions, totals.agreed, totals.unsupported,
              totals.aborted, totals.returned, totals.with_effects, totals.prints,
              static_cast<long long>(ms.count()));
  std::printf("[ ebpf     ] translation + verification: %.0f ms in total\n", load_ms);
  if (!first_rejection.empty()) std::printf("[ ebpf     ] first rejection: %s\n", first_rejection.c_str());
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(untranslated, 0);
  EXPECT_LE(rejected, kRandomPrograms / 100);
  EXPECT_LE(totals.unsupported, totals.executions / 100);
  EXPECT_GT(totals.aborted, totals.executions / 10);
  EXPECT_GT(totals.with_effects, totals.executions / 4);
}

TEST_F(EbpfDifferential, LibrarySchedulersAgreeWithTheInterpreter) {
  std::vector<Program> library;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
    if (entry.path().extension() != ".progmp") continue;
    Program p;
    p.source = read_file(entry.path());
    p.label = entry.path().filename().string();
    p.module = compile_ok(p.source);
    ASSERT_TRUE(p.module) << p.label;
    library.push_back(std::move(p));
  }
  ASSERT_GE(library.size(), 10u);
  Totals totals;
  int failures = 0;
  double interp_ns = 0, bpf_ns = 0;
  long timed = 0;
  for (std::size_t i = 0; i < library.size(); ++i) {
    const Program& p = library[i];
    std::string error;
    auto bpf = ebpf::load(p.module, error);
    ASSERT_TRUE(bpf) << p.label << ": " << error;
    auto interp = interp::make_executable(p.module);
    std::mt19937_64 rng(i * 104729 + 3);
    for (int v = 0; v < kViewsPerScheduler && failures < 5; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = v % 5 == 4 ? rng() % 60 : 1'000'000;
      const ExecState initial = random_state(rng, allowance);
      if (!agree(p, *interp, *bpf, vb, initial, totals)) ++failures;
    }
    // Timing: the same view, many executions on each engine.
    std::mt19937_64 trng(i + 99);
    const ViewBuilder vb = random_view(trng, false);
    const SchedulerView view = vb.view();
    ExecScratch scratch;
    interp->prepare(view, scratch);
    EffectLog log;
    log.reserve(view.q.size() + view.qu.size() + view.rq.size());
    constexpr int kRuns = 2000;
    auto time = [&](const Executable& e) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < kRuns; ++r) {
        ExecState st;
        st.scratch = &scratch;
        log.clear();
        (void)e.run(view, st, log);
      }
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / kRuns;
    };
    interp_ns += time(*interp);
    bpf_ns += time(*bpf);
    ++timed;
  }
  // The fixed cost of one execution: a one-statement program over the same kind of view.
  double empty_ns = 0;
  {
    auto m = compile_ok("SCHEDULER e;\nSET(R1, 1);\n");
    ASSERT_TRUE(m);
    std::string error;
    auto bpf = ebpf::load(m, error);
    ASSERT_TRUE(bpf) << error;
    std::mt19937_64 trng(99);
    const ViewBuilder vb = random_view(trng, false);
    const SchedulerView view = vb.view();
    EffectLog log;
    constexpr int kRuns = 5000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < kRuns; ++r) {
      ExecState st;
      log.clear();
      (void)bpf->run(view, st, log);
    }
    empty_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / kRuns;
  }
  // The kernel's share: BPF_PROG_TEST_RUN of a two-instruction sleepable syscall program with a 72-byte context.
  double raw_ns = 0;
  {
    const ebpf::Insn insns[] = {ebpf::Insn{0xb7, 0, 0, 0, 0}, ebpf::Insn{0x95, 0, 0, 0, 0}};  // r0 = 0; exit
    bpf_prog_load_opts lo;
    std::memset(&lo, 0, sizeof lo);
    lo.sz = sizeof lo;
    lo.prog_flags = BPF_F_SLEEPABLE;
    const int fd = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "raw", "GPL", reinterpret_cast<const bpf_insn*>(insns), 2, &lo);
    ASSERT_GE(fd, 0);
    std::uint64_t ctx[9] = {};
    constexpr int kRuns = 5000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < kRuns; ++r) {
      bpf_test_run_opts o;
      std::memset(&o, 0, sizeof o);
      o.sz = sizeof o;
      o.ctx_in = ctx;
      o.ctx_size_in = sizeof ctx;
      (void)bpf_prog_test_run_opts(fd, &o);
    }
    raw_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / kRuns;
    close(fd);
  }
  std::printf("[ ebpf     ] library: %zu schedulers, %ld executions: %ld agree, %ld unsupported (%ld aborted, "
              "%ld with effects)\n",
              library.size(), totals.executions, totals.agreed, totals.unsupported, totals.aborted,
              totals.with_effects);
  std::printf("[ ebpf     ] mean time per execution: interpreter %.0f ns, eBPF %.0f ns (incl. encode + test run)\n",
              interp_ns / static_cast<double>(timed), bpf_ns / static_cast<double>(timed));
  std::printf("[ ebpf     ] fixed cost per execution (one-statement program: encode + BPF_PROG_TEST_RUN + decode): "
              "%.0f ns\n",
              empty_ns);
  std::printf("[ ebpf     ] BPF_PROG_TEST_RUN alone (empty program, 72-byte context): %.0f ns\n", raw_ns);
  EXPECT_EQ(failures, 0);
  EXPECT_GT(totals.with_effects, 0);
  EXPECT_LE(totals.unsupported, totals.executions / 100);
}

// A view up to the capacities: up to kMaxSubflows subflows and up to kMaxQueuePackets packets in each queue.
ViewBuilder large_view(std::mt19937_64& rng) {
  ViewBuilder vb;
  auto pick = [&](std::uint64_t n) { return static_cast<int>(rng() % n); };
  const int n_sf = 1 + pick(ebpf::Capacities::kMaxSubflows);
  for (int i = 0; i < n_sf; ++i) {
    SubflowSnapshot& s = vb.subflow(1 + i, 1000 + pick(100000), pick(20), pick(20));
    s.has_delay_in = pick(2) == 0;
    s.delay_in_us = pick(5000);
    s.lossy = pick(6) == 0;
    s.user = pick(10);
  }
  const bool full = pick(3) == 0;
  const int n_sent = full ? static_cast<int>(ebpf::Capacities::kMaxQueuePackets) : pick(200);
  const int n_unsent = full ? static_cast<int>(ebpf::Capacities::kMaxQueuePackets) : pick(200);
  std::int64_t seq = 0;
  for (int i = 0; i < n_sent; ++i) {
    std::vector<int> on;
    for (int k = 0; k < n_sf; ++k)
      if (pick(3) == 0) on.push_back(k);
    PacketMeta& p = vb.sent(seq, on, 1 + pick(1400));
    seq += p.length;
    if (pick(3) == 0) vb.reinject(p);
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

// Library schedulers and random programs over views up to the capacities (full queues included).
TEST_F(EbpfDifferential, ViewsUpToTheCapacitiesAgree) {
  std::vector<Program> programs;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers")) {
    if (entry.path().extension() != ".progmp") continue;
    Program p;
    p.source = read_file(entry.path());
    p.label = entry.path().filename().string();
    p.module = compile_ok(p.source);
    ASSERT_TRUE(p.module) << p.label;
    programs.push_back(std::move(p));
  }
  for (int seed = 1; seed <= 300; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x51ED27ull + 5);
    Program p;
    p.source = gen.program(4 + seed % 10);
    p.label = "random program (large views) seed " + std::to_string(seed);
    p.module = compile_ok(p.source);
    ASSERT_TRUE(p.module) << p.source;
    programs.push_back(std::move(p));
  }
  Totals totals;
  int failures = 0, rejected = 0;
  std::mt19937_64 rng(2024);
  for (const Program& p : programs) {
    std::string error;
    auto bpf = ebpf::load(p.module, error);
    if (!bpf) {
      ++rejected;
      continue;
    }
    auto interp = interp::make_executable(p.module);
    for (int v = 0; v < 3 && failures < 5; ++v) {
      const ViewBuilder vb = large_view(rng);
      const std::uint64_t allowance = v == 2 ? rng() % 2000 : 1'000'000;
      if (!agree(p, *interp, *bpf, vb, random_state(rng, allowance), totals)) ++failures;
    }
  }
  std::printf("[ ebpf     ] large views: %zu programs (%d rejected), %ld executions: %ld agree, %ld unsupported "
              "(%ld with more than kMaxEffects effects, %ld long-running), %ld aborted, %ld with effects\n",
              programs.size(), rejected, totals.executions, totals.agreed, totals.unsupported,
              totals.unsupported_log, totals.unsupported_steps, totals.aborted, totals.with_effects);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(rejected, 0);
  EXPECT_LE(totals.unsupported, totals.executions / 50);
}

// Long random programs (30 to 90 statements): the verifier's complexity stays far below its limits; every
// program it accepts agrees with the interpreter. Rejections (none expected) are reported with the verifier's reason.
TEST_F(EbpfDifferential, LongRandomProgramsVerifyAndAgree) {
  Totals totals;
  int failures = 0, rejected = 0;
  std::size_t max_insns = 0;
  long max_processed = 0;
  for (int seed = 1; seed <= 200 && failures < 5; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed) * 0xC2B2AE35ull + 11);
    Program p;
    p.source = gen.program(30 + seed % 61);
    p.label = "long random program seed " + std::to_string(seed);
    p.module = compile_ok(p.source);
    ASSERT_TRUE(p.module) << p.source;
    ebpf::Bytecode code;
    std::string error;
    ASSERT_TRUE(ebpf::translate(*p.module, code, error)) << error;
    max_insns = std::max(max_insns, code.insns.size());
    auto bpf = ebpf::load(p.module, error);
    if (!bpf) {
      ++rejected;
      std::printf("[ ebpf     ] rejected %s (%zu insns): %s\n", p.label.c_str(), code.insns.size(),
                  error.substr(error.size() > 300 ? error.size() - 300 : 0).c_str());
      continue;
    }
    const std::string stats = ebpf::last_verifier_stats();
    const std::size_t at = stats.find("processed ");
    if (at != std::string::npos) max_processed = std::max(max_processed, std::atol(stats.c_str() + at + 10));
    auto interp = interp::make_executable(p.module);
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 31 + 7);
    for (int v = 0; v < 5; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const std::uint64_t allowance = v == 4 ? rng() % 200 : 1'000'000;
      if (!agree(p, *interp, *bpf, vb, random_state(rng, allowance), totals)) ++failures;
    }
  }
  std::printf("[ ebpf     ] long programs: 200 programs (%d rejected; largest %zu insns, at most %ld insns processed "
              "by the verifier), %ld executions: %ld agree, %ld unsupported\n",
              rejected, max_insns, max_processed, totals.executions, totals.agreed, totals.unsupported);
  EXPECT_EQ(failures, 0);
  EXPECT_LE(rejected, 10);
}

// Views beyond the capacities answer Unsupported without touching the state.
TEST_F(EbpfDifferential, ViewsBeyondCapacityAreUnsupported) {
  auto m = compile_ok("SCHEDULER t;\nSET(R1, RANDOM);\nVAR s = SUBFLOWS.GET(0);\nIF (s != NULL) { s.PUSH(Q.POP()); }\n");
  ASSERT_TRUE(m);
  std::string error;
  auto bpf = ebpf::load(m, error);
  ASSERT_TRUE(bpf) << error;
  ViewBuilder vb;
  vb.subflow(1);
  for (std::uint32_t i = 0; i <= ebpf::Capacities::kMaxQueuePackets; ++i) vb.unsent(static_cast<std::int64_t>(i));
  const SchedulerView view = vb.view();
  ExecState st;
  st.registers = {1, 2, 3, 4, 5, 6};
  st.rng = 42;
  ExecScratch scratch;
  bpf->prepare(view, scratch);
  st.scratch = &scratch;
  EffectLog log;
  log.reserve(view.q.size());
  const ExecResult r = bpf->run(view, st, log);
  EXPECT_EQ(r.end, EndCause::Unsupported);
  EXPECT_EQ(st.rng, 42u);
  EXPECT_EQ(st.registers[0], 1);
  EXPECT_TRUE(log.entries().empty());
  // One packet fewer fits.
  vb.q.pop_back();
  const SchedulerView fits = vb.view();
  const ExecResult r2 = bpf->run(fits, st, log);
  EXPECT_EQ(r2.end, EndCause::End);
  EXPECT_NE(st.rng, 42u);
  ASSERT_EQ(log.entries().size(), 2u);
  EXPECT_EQ(log.entries()[1].packet, vb.q.front());
}

// Effect logs beyond kMaxEffects answer Unsupported; PRINTs beyond the cap are counted as suppressed.
TEST_F(EbpfDifferential, EffectOverflowIsUnsupportedAndPrintsAreCapped) {
  auto m = compile_ok("SCHEDULER t;\nFOREACH (VAR s IN SUBFLOWS) { FOREACH (VAR p IN QU) { s.PUSH(p); s.PUSH(p); "
                      "PRINT(\"x %d\", p.SEQ); } }\n");
  ASSERT_TRUE(m);
  std::string error;
  auto bpf = ebpf::load(m, error);
  ASSERT_TRUE(bpf) << error;
  auto interp = interp::make_executable(m);
  ViewBuilder vb;
  for (int i = 0; i < 32; ++i) vb.subflow(i + 1);
  for (int i = 0; i < 256; ++i) vb.sent(i * 1400);
  const SchedulerView view = vb.view();
  ExecScratch scratch;
  interp->prepare(view, scratch);
  ExecState st;
  st.scratch = &scratch;
  EffectLog log;
  log.reserve(view.qu.size());
  EXPECT_EQ(bpf->run(view, st, log).end, EndCause::Unsupported);  // 16384 pushes + 64 PRINTs > kMaxEffects
  EXPECT_TRUE(log.entries().empty());
  vb.qu.resize(200);  // 12800 pushes + 64 PRINTs fit; 6336 PRINTs suppressed
  const SchedulerView small = vb.view();
  ExecState a = st, b = st;
  EffectLog la, lb;
  la.reserve(small.qu.size());
  lb.reserve(small.qu.size());
  const ExecResult ra = interp->run(small, a, la);
  const ExecResult rb = bpf->run(small, b, lb);
  ASSERT_EQ(rb.end, EndCause::End);
  EXPECT_EQ(ra.steps, rb.steps);
  EXPECT_EQ(rb.prints_suppressed, 32u * 200u - kMaxPrintsPerExecution);
  EXPECT_EQ(ra.prints_suppressed, rb.prints_suppressed);
  EXPECT_TRUE(same_log(la, lb));
}

}  // namespace
}  // namespace progmp::testing

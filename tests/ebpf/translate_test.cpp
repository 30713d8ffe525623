// Translation and disassembly of IR programs to eBPF (no kernel needed), and loading them through the verifier.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exec/view_builder.hpp"
#include "progmp/exec/ebpf.hpp"

namespace progmp::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::pair<std::string, std::string>> library() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers"))
    if (entry.path().extension() == ".progmp") out.emplace_back(entry.path().filename().string(), slurp(entry.path()));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(EbpfTranslate, SmallProgramDisassembles) {
  auto m = compile_ok("SCHEDULER t;\nVAR s = SUBFLOWS.MIN(f => f.RTT);\nIF (s != NULL) { s.PUSH(Q.POP()); }\n");
  ASSERT_TRUE(m);
  ebpf::Bytecode code;
  std::string error;
  ASSERT_TRUE(ebpf::translate(*m, code, error)) << error;
  EXPECT_GT(code.insns.size(), 20u);
  EXPECT_EQ(code.map_value_loads.size(), 1u);
  const std::string text = ebpf::disassemble(code);
  EXPECT_NE(text.find("may_goto"), std::string::npos) << text;
  EXPECT_NE(text.find("exit"), std::string::npos) << text;
  EXPECT_NE(text.find("r9 = &arena"), std::string::npos) << text;
  EXPECT_NE(text.find("=r"), std::string::npos) << text;  // register allocation visible
  EXPECT_NE(text.find("walk_"), std::string::npos) << text;
}

// Register pressure beyond R0..R7: values are evicted to stack slots and reloaded (second chance) where used.
TEST(EbpfTranslate, HighPressureEvictsAndReloads) {
  std::string wide = "R1";
  for (int i = 0; i < 20; ++i) wide = "(R" + std::to_string(1 + i % 6) + " * " + std::to_string(i) + " + " + wide + ")";
  auto m = compile_ok("SCHEDULER t;\nSET(R6, " + wide + ");\n");
  ASSERT_TRUE(m);
  ebpf::Bytecode code;
  std::string error;
  ASSERT_TRUE(ebpf::translate(*m, code, error)) << error;
  EXPECT_GT(code.evictions, 0u);
  EXPECT_GT(code.spill_slots, 0u);
  EXPECT_LE(code.spill_slots, code.spilled);
  const std::string text = ebpf::disassemble(code);
  EXPECT_NE(text.find("spill v"), std::string::npos) << text;
  EXPECT_NE(text.find("reload v"), std::string::npos) << text;
  EXPECT_NE(text.find("(r10 - 16)"), std::string::npos) << text;
  // Beyond R0..R7 plus kMaxSpillSlots simultaneously live values, translation (and so load) fails cleanly.
  std::string huge = "R1";
  for (int i = 0; i < 90; ++i) huge = "(R" + std::to_string(1 + i % 6) + " * " + std::to_string(i) + " + " + huge + ")";
  auto too_wide = compile_ok("SCHEDULER t;\nSET(R6, " + huge + ");\n");
  ASSERT_TRUE(too_wide);
  EXPECT_FALSE(ebpf::translate(*too_wide, code, error));
  EXPECT_NE(error.find("too many spilled temporaries"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(ebpf::load(too_wide, error));
  EXPECT_NE(error.find("too many spilled temporaries"), std::string::npos) << error;
  // A small program needs no stack slot.
  auto small = compile_ok("SCHEDULER s;\nSET(R1, R2 + R3 * 2);\n");
  ASSERT_TRUE(small);
  ASSERT_TRUE(ebpf::translate(*small, code, error)) << error;
  EXPECT_EQ(code.spill_slots, 0u);
}

TEST(EbpfTranslate, EveryLibrarySchedulerTranslates) {
  for (const auto& [name, src] : library()) {
    auto m = compile_ok(src);
    ASSERT_TRUE(m) << name;
    ebpf::Bytecode code;
    std::string error;
    EXPECT_TRUE(ebpf::translate(*m, code, error)) << name << ": " << error;
    std::printf("[ ebpf     ] %-36s %6zu insns, %4u vregs, %3u evictions, %3u spilled, %2u stack slots\n",
                name.c_str(), code.insns.size(), code.virtual_registers, code.evictions, code.spilled,
                code.spill_slots);
  }
}

TEST(EbpfVerifier, AcceptsEveryLibraryScheduler) {
  std::string why;
  if (!ebpf::available(why)) GTEST_SKIP() << "eBPF unavailable: " << why;
  for (const auto& [name, src] : library()) {
    auto m = compile_ok(src);
    ASSERT_TRUE(m) << name;
    std::string error, log;
    auto exe = ebpf::load(m, error, &log);
    EXPECT_TRUE(exe) << name << ": " << error;
    if (exe) {
      EXPECT_EQ(exe->engine_name(), "ebpf");
      std::string stats = ebpf::last_verifier_stats();
      const std::size_t at = stats.find("processed ");
      stats = at == std::string::npos ? stats : stats.substr(at, stats.find(" max_states") - at);
      std::printf("[ ebpf     ] %-36s verified: %s\n", name.c_str(), stats.c_str());
    }
  }
}

}  // namespace
}  // namespace progmp::testing

namespace progmp::testing {
namespace {

// Deep syntax trees and nested lambdas (near the front end's limits) translate, spill, and pass the verifier.
TEST(EbpfVerifier, DeepExpressionsAndNestedLambdas) {
  std::string e = "R1";
  for (int i = 0; i < 120; ++i) e = "(" + e + (i % 3 == 0 ? " + 1)" : i % 3 == 1 ? " * 3)" : " / R2)");
  std::string b = "R3 > 0";
  for (int i = 0; i < 120; ++i) b = "(" + b + (i % 2 ? " AND R4 < 10)" : " OR R5 == 2)");
  std::string wide = "R1";
  for (int i = 0; i < 40; ++i) wide = "(R" + std::to_string(1 + i % 6) + " * " + std::to_string(i) + " + " + wide + ")";
  std::string wide2 = "R1";
  for (int i = 0; i < 40; ++i) wide2 = "(" + wide2 + " - (R" + std::to_string(1 + i % 6) + " * " + std::to_string(i) + "))";
  const std::vector<std::string> programs = {
      "SCHEDULER d;\nSET(R6, " + e + ");\nIF (" + b + ") { SET(R1, RANDOM); }\n",
      "SCHEDULER w;\nSET(R6, " + wide + " + " + wide2 + ");\n",
      // Three levels of lambdas, each walking a queue.
      "SCHEDULER n;\nVAR s = SUBFLOWS.FILTER(f => Q.FILTER(p => QU.FILTER(u => u.SENT_ON(f) AND "
      "u.SEQ < p.SEQ).COUNT > 1).COUNT > 0).MIN(f => f.RTT + RQ.SUM(r => r.LENGTH));\n"
      "IF (s != NULL) { s.PUSH(Q.FILTER(p => SUBFLOWS.FILTER(g => !p.SENT_ON(g)).COUNT > QU.FILTER(u => "
      "u.LENGTH > p.LENGTH).COUNT).POP()); }\n",
      // Nested FOREACH loops over snapshots and queues.
      "SCHEDULER f;\nVAR l = QU.FILTER(p => p.LENGTH > 100);\nFOREACH (VAR s IN SUBFLOWS) {\n"
      "  FOREACH (VAR p IN l) { FOREACH (VAR q IN Q.FILTER(x => x.SEQ > p.SEQ)) { IF (q.SEQ > R1) { s.PUSH(q); } } }\n"
      "  PRINT(\"%d\", l.COUNT);\n}\n",
  };
  std::string why;
  const bool kernel = ebpf::available(why);
  for (const std::string& src : programs) {
    auto m = compile_ok(src);
    ASSERT_TRUE(m) << src;
    ebpf::Bytecode code;
    std::string error;
    ASSERT_TRUE(ebpf::translate(*m, code, error)) << error;
    std::printf("[ ebpf     ] %zu insns, %u vregs, %u spilled, %u slots\n", code.insns.size(), code.virtual_registers,
                code.spilled, code.spill_slots);
    if (!kernel) continue;
    auto exe = ebpf::load(m, error);
    ASSERT_TRUE(exe) << error << "\n" << src;
    std::string stats = ebpf::last_verifier_stats();
    std::printf("[ ebpf     ] verified: %s", stats.substr(stats.find("processed")).c_str());
    auto interp = interp::make_executable(m);
    ViewBuilder vb;
    vb.subflow(1, 30000);
    vb.subflow(2, 20000);
    vb.sent(0, {0}, 700);
    vb.sent(700, {1});
    vb.reinject(*vb.qu.back());
    vb.unsent(2100);
    vb.unsent(3500, 100);
    for (std::int64_t r2 : {0, -1, 2, 7}) {
      ExecState a, bst;
      a.registers = bst.registers = {INT64_MIN, r2, 1, 3, 2, 0};
      ExecScratch sa, sb;
      const SchedulerView v = vb.view();
      interp->prepare(v, sa);
      exe->prepare(v, sb);
      a.scratch = &sa;
      bst.scratch = &sb;
      EffectLog la, lb;
      la.reserve(8);
      lb.reserve(8);
      const ExecResult ra = interp->run(v, a, la);
      const ExecResult rb = exe->run(v, bst, lb);
      EXPECT_EQ(ra.end, rb.end);
      EXPECT_EQ(ra.steps, rb.steps);
      EXPECT_EQ(a.registers, bst.registers);
      EXPECT_EQ(a.rng, bst.rng);
      EXPECT_EQ(la.entries().size(), lb.entries().size());
    }
  }
  if (!kernel) GTEST_SKIP() << "translated only; eBPF unavailable: " << why;
}

}  // namespace
}  // namespace progmp::testing

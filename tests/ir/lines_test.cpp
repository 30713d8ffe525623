// The source line table of the IR (ir::Module::lines, used by profiles): lowering gives every instruction the line
// of its statement, and every optimiser pass keeps the table parallel to the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/pass_examples.hpp"
#include "progmp/ir/nodes.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"
#include "support/program_gen.hpp"

namespace progmp::ir {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const Module> lower_ok(const std::string& src) {
  auto out = lang::compile(src);
  EXPECT_TRUE(out.program) << lang::format_diagnostics_text(out.diagnostics, "<t>", src);
  return out.program ? lower(*out.program) : nullptr;
}

std::uint32_t count_lines(const std::string& src) {
  return static_cast<std::uint32_t>(std::count(src.begin(), src.end(), '\n') + 1);
}

// Parallel to the code, End without a line, every other instruction on a line of the source.
void expect_table(const Module& m, const std::string& src, const std::string& what) {
  ASSERT_EQ(m.lines.size(), m.code.size()) << what;
  EXPECT_EQ(testing::validate_module(m), "") << what << "\n" << format(m);
  const std::uint32_t n = count_lines(src);
  for (std::size_t pc = 0; pc < m.lines.size(); ++pc) EXPECT_LE(m.lines[pc], n) << what << " pc " << pc;
}

void check_source(const std::string& src, const std::string& what) {
  const auto lowered = lower_ok(src);
  ASSERT_TRUE(lowered) << what;
  expect_table(*lowered, src, what + " (lowered)");
  std::vector<PassSnapshot> trace;
  const auto optimised = optimise(*lowered, &trace);
  expect_table(*optimised, src, what + " (optimised)");
}

TEST(Lines, LoweringGivesEachInstructionItsStatementLine) {
  const std::string src =
      "SCHEDULER lines;\n"                          // 1
      "VAR open = SUBFLOWS.FILTER(f => f.CWND > 0);\n"  // 2: VarList
      "IF (open.EMPTY) {\n"                         // 3: IfNot (and the Jump over the ELSE)
      "  RETURN;\n"                                 // 4: Return
      "} ELSE {\n"                                  // 5: no code
      "  FOREACH (VAR p IN Q) {\n"                  // 6: ForeachChain, ForeachNext, back Jump
      "    open.MIN(s => s.RTT).PUSH(p);\n"         // 7: Push
      "  }\n"                                       // 8
      "}\n"                                         // 9
      "SET(R1, 1);\n";                              // 10: Set; then End (no line)
  const auto m = lower_ok(src);
  ASSERT_TRUE(m);
  std::string got;
  for (std::size_t pc = 0; pc < m->code.size(); ++pc)
    got += std::string(stmt_op_name(m->code[pc].op)) + "@" + std::to_string(m->lines[pc]) + " ";
  EXPECT_EQ(got,
            "VarList@2 IfNot@3 Return@4 Jump@3 ForeachChain@6 ForeachNext@6 Push@7 Jump@6 Set@10 End@0 ");
}

TEST(Lines, PassesCarryTheLineOfWhatTheyReplace) {
  // `VAR debug` becomes Steps on line 2; the constant IF on line 3 becomes Steps merged into line 2's; the PRINT
  // inside it is gone.
  const std::string src =
      "SCHEDULER tuned;\n"
      "VAR debug = FALSE;\n"
      "IF (debug) { PRINT(\"x\"); }\n"
      "IF (Q.EMPTY) { RETURN; }\n"
      "SUBFLOWS.MIN(f => f.RTT).PUSH(Q.POP());\n";
  const auto lowered = lower_ok(src);
  ASSERT_TRUE(lowered);
  const auto m = optimise(*lowered);
  std::string got;
  for (std::size_t pc = 0; pc < m->code.size(); ++pc)
    got += std::string(stmt_op_name(m->code[pc].op)) + "@" + std::to_string(m->lines[pc]) + " ";
  EXPECT_EQ(got, "Steps@2 IfNot@4 Return@4 Push@5 End@0 ");
}

TEST(Lines, HandBuiltModuleWithoutTableGetsOneFromThePasses) {
  // Tests build modules without a line table; the passes must not read past it.
  Module m;
  m.code = {Instr{StmtOp::Void}, Instr{StmtOp::Jump, 0, 2}, Instr{StmtOp::End}};
  const auto out = optimise(m);
  EXPECT_EQ(out->lines.size(), out->code.size());
}

TEST(Lines, TableStaysParallelForExamplesAndTheLibrary) {
  for (const auto& e : testing::pass_examples()) check_source(e.source, e.name);
  int n = 0;
  for (const auto& dir : {fs::path(PROGMP_SOURCE_DIR) / "schedulers", fs::path(PROGMP_SOURCE_DIR) / "docs/examples"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".progmp") continue;
      std::ifstream in(entry.path());
      std::stringstream ss;
      ss << in.rdbuf();
      check_source(ss.str(), entry.path().filename().string());
      ++n;
    }
  }
  EXPECT_GE(n, 14);
}

TEST(Lines, TableStaysParallelForRandomPrograms) {
  for (int seed = 0; seed < 2000; ++seed) {
    progmp::testing::ProgramGen gen(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull + 11);
    const std::string src = gen.program(6 + seed % 10);
    const auto out = lang::compile(src);
    ASSERT_TRUE(out.program) << src;
    const auto lowered = lower(*out.program);
    expect_table(*lowered, src, "seed " + std::to_string(seed));
    expect_table(*optimise(*lowered), src, "seed " + std::to_string(seed) + " optimised");
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace progmp::ir

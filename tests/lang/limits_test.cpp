// Limits of language.md §15 on generated inputs (large ones are built here rather than committed), robustness on
// hostile input, and the linear-time expectation of the front end.
#include <gtest/gtest.h>

#include <chrono>

#include "progmp/lang/compile.hpp"

namespace progmp::lang {
namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

const Diagnostic* first_error(const CompileOutput& out) {
  for (const Diagnostic& d : out.diagnostics) {
    if (d.severity == Severity::Error) return &d;
  }
  return nullptr;
}

TEST(SourceSize, SixtyFourKibibytesAreAccepted) {
  std::string src = "VOID(1);\n";
  src += "//" + std::string(65536 - src.size() - 2, 'x');
  ASSERT_EQ(src.size(), 65536u);
  CompileOutput out = compile(src);
  EXPECT_TRUE(out.program.has_value());
  EXPECT_TRUE(out.diagnostics.empty());
}

TEST(SourceSize, SourceTooLarge) {
  std::string src = "VOID(nope);\n";
  src += "//" + std::string(65537 - src.size() - 2, 'x');
  CompileOutput out = compile(src);
  EXPECT_FALSE(out.program.has_value());
  ASSERT_EQ(out.diagnostics.size(), 1u);  // nothing else is looked at
  const Diagnostic& d = out.diagnostics[0];
  EXPECT_EQ(d.code, "E0501");
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.col, 1u);
  EXPECT_EQ(d.message, "program is too large (65537 bytes, at most 65536)");
}

void expect_nesting_error(const std::string& src, std::uint32_t line, std::uint32_t col) {
  CompileOutput out = compile(src);
  const Diagnostic* d = first_error(out);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "E0503");
  EXPECT_EQ(d->message, "nesting is too deep (at most 256 levels)");
  EXPECT_EQ(d->line, line);
  EXPECT_EQ(d->col, col);
  EXPECT_FALSE(out.program.has_value());
}

// Every input below stays under the 64 KiB limit.
TEST(Nesting, VeryDeepParenthesesDoNotOverflowTheStack) {
  expect_nesting_error("VOID(" + repeat("(", 30000) + "1" + repeat(")", 30000) + ");", 1, 6 + 256);
}

TEST(Nesting, UnbalancedOpeningsOnly) {
  expect_nesting_error(repeat("(", 65000), 1, 257);
  expect_nesting_error(repeat("IF (TRUE) {", 5000), 1, 11 * 256 + 11);
  expect_nesting_error("VOID(" + repeat("!", 65000), 1, 6 + 256);
  expect_nesting_error("VOID(" + repeat("-(", 30000), 1, 6 + 128 * 2);
}

TEST(Nesting, DeepBlocks) {
  std::string src = repeat("IF (TRUE) {\n", 3000) + "VOID(1);\n" + repeat("}\n", 3000);
  expect_nesting_error(src, 257, 11);
}

TEST(Nesting, LongOperatorChain) {
  expect_nesting_error("VOID(" + repeat("1 + ", 15000) + "1);", 1, 6);
  CompileOutput ok = compile("VOID(" + repeat("1 + ", 256) + "1);");
  EXPECT_TRUE(ok.program.has_value());
}

TEST(Nesting, LongMemberChainsAndLambdas) {
  expect_nesting_error("VOID(SUBFLOWS" + repeat(".FILTER(f => TRUE)", 2000) + ".COUNT);", 1, 6);
  std::string lambdas = "VOID(" + repeat("SUBFLOWS.FILTER(f => ", 2000) + "TRUE" + repeat(")", 2000) + ");";
  // Each level is a member and a lambda: the 129th member is at depth 257.
  expect_nesting_error(lambdas, 1, 6 + 21 * 128);
}

TEST(Nesting, LongElseIfChain) {
  std::string src = "IF (TRUE) { }" + repeat(" ELSE IF (TRUE) { }", 3000);
  CompileOutput out = compile(src);
  const Diagnostic* d = first_error(out);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->code, "E0503");
}

TEST(Nesting, DepthCountsEnclosingBlocks) {
  // 200 blocks + 57 parentheses = 257 levels.
  std::string src = repeat("IF (TRUE) {", 200) + "VOID(" + repeat("(", 57) + "1" + repeat(")", 57) + ");" +
                    repeat("}", 200);
  expect_nesting_error(src, 1, 11 * 200 + 5 + 57);
  std::string ok = repeat("IF (TRUE) {", 200) + "VOID(" + repeat("(", 56) + "1" + repeat(")", 56) + ");" +
                   repeat("}", 200);
  EXPECT_TRUE(compile(ok).program.has_value());
}

TEST(Variables, OnlyTheFirstExcessDeclarationIsReported) {
  std::string src;
  for (int i = 0; i < 1000; ++i) src += "VAR _v" + std::to_string(i) + " = 1;\n";
  CompileOutput out = compile(src);
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].code, "E0502");
  EXPECT_EQ(out.diagnostics[0].line, 257u);
  EXPECT_EQ(out.diagnostics[0].col, 5u);
}

TEST(Variables, LambdaParametersDoNotCount) {
  std::string src;
  for (int i = 0; i < 256; ++i) src += "VAR _v" + std::to_string(i) + " = 1;\n";
  for (int i = 0; i < 300; ++i) src += "VOID(SUBFLOWS.FILTER(p" + std::to_string(i) + " => TRUE));\n";
  EXPECT_TRUE(compile(src).program.has_value());
}

TEST(Robustness, NulBytesAreIllegalEverywhere) {
  for (std::string src : {std::string("VOID(1);\0", 9), std::string("// c\0omment\nVOID(1);", 20),
                          std::string("/* \0 */ VOID(1);", 16), std::string("PRINT(\"a\0b\");", 13)}) {
    CompileOutput out = compile(src);
    const Diagnostic* d = first_error(out);
    ASSERT_NE(d, nullptr) << src;
    EXPECT_EQ(d->code, "E0001");
    EXPECT_EQ(d->message, "illegal byte 0x00");
  }
}

TEST(Robustness, EmptyProgram) {
  CompileOutput out = compile("");
  ASSERT_TRUE(out.program.has_value());
  EXPECT_EQ(out.program->body.count, 0u);
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].code, "W0102");
  EXPECT_EQ(out.diagnostics[0].message, "program contains no statements");
  EXPECT_EQ(compile("SCHEDULER only_a_header; /* and a comment */").diagnostics[0].code, "W0102");
}

TEST(Robustness, EveryPrefixOfAnExampleCompilesWithoutCrashing) {
  const std::string src =
      "SCHEDULER x;\nVAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY);\n"
      "IF (ready.EMPTY) { RETURN; } ELSE IF (Q.EMPTY) { PRINT(\"a %d\", 1); }\n"
      "FOREACH (VAR s IN ready) { s.PUSH(Q.POP()); SET(R1, s.ID); }\nDROP(RQ.POP());\n";
  for (std::size_t n = 0; n <= src.size(); ++n) {
    CompileOutput out = compile(std::string_view(src).substr(0, n));
    (void)format_diagnostics_text(out.diagnostics, "p", src.substr(0, n));
    (void)format_diagnostics_json(out.diagnostics, "p");
  }
  EXPECT_TRUE(compile(src).program.has_value());
}

double compile_ms(const std::string& src) {
  auto t0 = std::chrono::steady_clock::now();
  CompileOutput out = compile(src);
  auto t1 = std::chrono::steady_clock::now();
  (void)out;
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

TEST(Performance, LargeValidProgramCompilesQuickly) {
  std::string body =
      "IF (!RQ.EMPTY AND R1 + 2 * R2 - R3 / 4 > CURRENT_TIME_MS) { "
      "SUBFLOWS.FILTER(f => !RQ.TOP.SENT_ON(f) AND f.CWND > f.QUEUED).MIN(f => f.RTT).PUSH(RQ.POP()); }\n";
  std::string src;
  while (src.size() + body.size() < 65000) src += body;
  double ms = compile_ms(src);
  EXPECT_TRUE(compile(src).program.has_value());
  EXPECT_LT(ms, 1000.0);  // milliseconds in practice; generous for sanitizer builds
  RecordProperty("compile_ms", std::to_string(ms));
}

TEST(Performance, ManyLongUnknownNamesWithManyCandidates) {
  // Suggestions compare every unknown name with every name in scope; they stop once 50 errors precede.
  std::string src;
  for (int i = 0; i < 120; ++i) src += "VAR " + std::string(200, 'a') + std::to_string(i) + " = 1;\n";
  while (src.size() < 64000) src += "VOID(" + std::string(200, 'b') + ");\n";
  EXPECT_LT(compile_ms(src), 5000.0);
}

}  // namespace
}  // namespace progmp::lang

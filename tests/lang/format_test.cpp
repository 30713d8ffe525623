// The printed forms of diagnostics (language.md §14.2) and the position rules behind them (§2.1, §2.2).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "progmp/lang/compile.hpp"

namespace progmp::lang {
namespace {

std::vector<Diagnostic> diags(std::string_view src) { return compile(src).diagnostics; }

TEST(TextFormat, ErrorWithExcerptAndCaret) {
  std::string src = "VAR s = SUBFLOWS.GET(0);\nVOID(s.RTTT);\n";
  EXPECT_EQ(format_diagnostics_text(diags(src), "demo.progmp", src),
            "demo.progmp:2:8: error[E0202]: unknown property 'RTTT' for type subflow; did you mean 'RTT'?\n"
            "2 | VOID(s.RTTT);\n"
            "  |        ^\n");
}

TEST(TextFormat, WarningUsesWarningPrefix) {
  std::string src = "VAR x = 1;";
  EXPECT_EQ(format_diagnostics_text(diags(src), "<input>", src),
            "<input>:1:5: warning[W0201]: variable 'x' is never used\n"
            "1 | VAR x = 1;\n"
            "  |     ^\n");
}

TEST(TextFormat, TabsAreKeptInTheCaretLine) {
  std::string src = "\tVOID(\tnope);";
  EXPECT_EQ(format_diagnostics_text(diags(src), "f", src),
            "f:1:8: error[E0201]: unknown name 'nope'\n"
            "1 | \tVOID(\tnope);\n"
            "  | \t     \t^\n");
}

TEST(TextFormat, Utf8CharactersCountOnceInColumnsAndCarets) {
  // "é" (2 bytes) and "中" (3 bytes) inside a comment are one character each.
  std::string src = "/* é中 */ VOID(nope);";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 1u);
  EXPECT_EQ(d[0].col, 15u);
  EXPECT_EQ(format_diagnostics_text(d, "f", src),
            "f:1:15: error[E0201]: unknown name 'nope'\n"
            "1 | /* é中 */ VOID(nope);\n"
            "  |               ^\n");
}

TEST(TextFormat, InvalidUtf8BytesCountAsOneCharacterEach) {
  std::string src = "/* \xff\xfe */ VOID(nope);";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].col, 15u);
}

TEST(TextFormat, LineNumbersWiderThanOneDigit) {
  std::string src(11, '\n');
  src += "VOID(nope);";
  EXPECT_EQ(format_diagnostics_text(diags(src), "f", src),
            "f:12:6: error[E0201]: unknown name 'nope'\n"
            "12 | VOID(nope);\n"
            "   |      ^\n");
}

TEST(TextFormat, NotesFollowTheExcerpt) {
  std::string src = "VAR x = 1;\nVAR x = 2;\nVOID(x);";
  EXPECT_EQ(format_diagnostics_text(diags(src), "f", src),
            "f:2:5: error[E0203]: 'x' is already declared in this scope\n"
            "2 | VAR x = 2;\n"
            "  |     ^\n"
            "f:1:5: note: previous declaration of 'x'\n");
}

TEST(TextFormat, EndOfInputAfterAFinalNewlineIsOnTheNextLine) {
  std::string src = "VOID(1)\n";
  EXPECT_EQ(format_diagnostics_text(diags(src), "f", src),
            "f:2:1: error[E0101]: expected ';', found end of input\n"
            "2 | \n"
            "  | ^\n");
}

TEST(TextFormat, EndOfInputWithoutNewlineIsJustAfterTheLastCharacter) {
  std::string src = "VOID(1)";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 1u);
  EXPECT_EQ(d[0].col, 8u);
}

TEST(TextFormat, CrBeforeLfIsNotDisplayedButOtherCrIs) {
  std::string src = "VOID(1);\r\nVOID(\rnope);\r\n";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].line, 2u);
  EXPECT_EQ(d[0].col, 7u);  // the lone CR is whitespace and counts as a character
  EXPECT_EQ(format_diagnostics_text(d, "f", src),
            "f:2:7: error[E0201]: unknown name 'nope'\n"
            "2 | VOID(\rnope);\n"
            "  |       ^\n");
}

TEST(TextFormat, ByteOrderMarkIsIgnored) {
  std::string src = "\xEF\xBB\xBFVOID(nope);";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].col, 6u);
  EXPECT_EQ(format_diagnostics_text(d, "f", src),
            "f:1:6: error[E0201]: unknown name 'nope'\n"
            "1 | VOID(nope);\n"
            "  |      ^\n");
  // Only a leading BOM: elsewhere its bytes are illegal.
  auto later = diags("VOID(1);\xEF\xBB\xBF");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].message, "illegal byte 0xEF");
  // A BOM alone is an empty program, reported at 1:1.
  auto empty = diags("\xEF\xBB\xBF");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].code, "W0102");
  EXPECT_EQ(empty[0].line, 1u);
  EXPECT_EQ(empty[0].col, 1u);
}

TEST(TextFormat, PositionlessNote) {
  std::vector<Diagnostic> d(1);
  d[0].severity = Severity::Note;
  d[0].message = "too many errors (51 in total)";
  EXPECT_EQ(format_diagnostics_text(d, "x.progmp", ""), "x.progmp: note: too many errors (51 in total)\n");
}

TEST(JsonFormat, KeysInSpecifiedOrder) {
  std::string src = "VAR x = 1;\nVAR x = 2;\nVOID(x);";
  EXPECT_EQ(format_diagnostics_json(diags(src), "f.progmp"),
            R"([{"file":"f.progmp","line":2,"col":5,"severity":"error","code":"E0203",)"
            R"("message":"'x' is already declared in this scope",)"
            R"("notes":[{"line":1,"col":5,"message":"previous declaration of 'x'"}]}])");
}

TEST(JsonFormat, EmptyArrayAndWarnings) {
  EXPECT_EQ(format_diagnostics_json({}, "f"), "[]");
  EXPECT_EQ(format_diagnostics_json(diags("VAR x = 1;"), "f"),
            R"([{"file":"f","line":1,"col":5,"severity":"warning","code":"W0201",)"
            R"("message":"variable 'x' is never used","notes":[]}])");
}

TEST(JsonFormat, TooManyErrorsNoteHasNoPosition) {
  std::string src;
  for (int i = 0; i < 60; ++i) src += "VOID(u" + std::to_string(i) + "x);\n";
  std::string out = format_diagnostics_json(diags(src), "f");
  EXPECT_EQ(nlohmann::json::parse(out).size(), 51u);
  const std::string tail = R"j(,{"file":"f","severity":"note","message":"too many errors (60 in total)","notes":[]}])j";
  ASSERT_GE(out.size(), tail.size());
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
}

TEST(JsonFormat, InvalidUtf8InMessagesDoesNotThrow) {
  std::string src = "PRINT(\"\\\xff\");\nPRINT \"\xfe\";";
  std::string out;
  EXPECT_NO_THROW(out = format_diagnostics_json(diags(src), "f"));
  EXPECT_NO_THROW({
    auto parsed = nlohmann::json::parse(out);
    EXPECT_TRUE(parsed.is_array());
  });
}

TEST(Diagnostics, HasErrors) {
  EXPECT_FALSE(has_errors({}));
  EXPECT_FALSE(has_errors(diags("VAR x = 1;")));
  EXPECT_TRUE(has_errors(diags("VAR x = ;")));
}

TEST(Diagnostics, SortedByLineColumnThenCode) {
  // Emission order differs from position order: the lexer reports line 3 before the checker runs, and E0203 is
  // found after the initializer's E0201 although it is to its left.
  auto d = diags("VAR l = Q;\nVOID(l.POP());\nVOID(@ 1);\nVAR l = yy;");
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].code, "E0401");  // 2:6, same position as E0402: ordered by code
  EXPECT_EQ(d[1].code, "E0402");
  EXPECT_EQ(d[0].line, 2u);
  EXPECT_EQ(d[0].col, d[1].col);
  EXPECT_EQ(d[2].code, "E0001");
  EXPECT_EQ(d[2].line, 3u);
  EXPECT_EQ(d[3].code, "E0203");
  EXPECT_EQ(d[3].col, 5u);
  EXPECT_EQ(d[4].code, "E0201");
  EXPECT_EQ(d[4].col, 9u);
}

TEST(Diagnostics, WarningsOnlyWithoutErrors) {
  auto d = diags("VAR unused = 1;\nVOID(1 / 0);\nVOID(nope);");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "E0201");
  auto w = diags("VAR unused = 1;\nVOID(1 / 0);");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].code, "W0201");
  EXPECT_EQ(w[1].code, "W0301");
}

TEST(Diagnostics, ErrorCapKeepsTheFirstFiftyAfterSorting) {
  std::string src;
  for (int i = 0; i < 120; ++i) src += "VOID(n" + std::to_string(i) + "x);\n";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 51u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(d[static_cast<std::size_t>(i)].line, static_cast<std::uint32_t>(i + 1));
    EXPECT_EQ(d[static_cast<std::size_t>(i)].code, "E0201");
  }
  EXPECT_EQ(d[50].severity, Severity::Note);
  EXPECT_EQ(d[50].code, "");
  EXPECT_EQ(d[50].line, 0u);
  EXPECT_EQ(d[50].message, "too many errors (120 in total)");
  std::string text = format_diagnostics_text(d, "big.progmp", src);
  EXPECT_NE(text.find("\nbig.progmp: note: too many errors (120 in total)\n"), std::string::npos);
}

TEST(Diagnostics, ExactlyFiftyErrorsHaveNoNote) {
  std::string src;
  for (int i = 0; i < 50; ++i) src += "VOID(n" + std::to_string(i) + "x);\n";
  auto d = diags(src);
  ASSERT_EQ(d.size(), 50u);
  EXPECT_EQ(d.back().severity, Severity::Error);
}

}  // namespace
}  // namespace progmp::lang

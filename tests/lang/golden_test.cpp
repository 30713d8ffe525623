// Runs every annotated case of tests/lang/cases through compile() and compares the diagnostics exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "golden_support.hpp"
#include "progmp/lang/compile.hpp"

namespace progmp::lang::testing {

std::filesystem::path cases_dir() { return std::filesystem::path(PROGMP_SOURCE_DIR) / "tests/lang/cases"; }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> all_cases() {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(cases_dir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".progmp") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

bool parse_position(const std::string& text, std::uint32_t here, std::uint32_t& line, std::uint32_t& col) {
  if (text.size() < 2 || text[0] != '@') return false;
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  std::string l = text.substr(1, colon - 1);
  try {
    if (!l.empty() && (l[0] == '+' || l[0] == '-')) {
      long delta = std::stol(l);
      line = static_cast<std::uint32_t>(static_cast<long>(here) + delta);
    } else {
      line = static_cast<std::uint32_t>(std::stoul(l));
    }
    col = static_cast<std::uint32_t>(std::stoul(text.substr(colon + 1)));
  } catch (...) {
    return false;
  }
  return true;
}

std::optional<std::string> quoted_message(const std::string& rest) {
  std::size_t a = rest.find('"');
  std::size_t b = rest.rfind('"');
  if (a == std::string::npos || b == a) return std::nullopt;
  return rest.substr(a + 1, b - a - 1);
}

}  // namespace

CaseFile load_case(const std::filesystem::path& path) {
  CaseFile c;
  c.path = path;
  c.source = read_text(path);
  std::istringstream lines(c.source);
  std::string line;
  std::uint32_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::size_t at = line.find("// expect-");
    if (at == std::string::npos) continue;
    std::istringstream words(line.substr(at + 10));
    std::string what;
    words >> what;
    if (what == "ok") {
      c.expect_ok = true;
      continue;
    }
    std::string rest;
    std::getline(words, rest);
    std::istringstream r(rest);
    if (what == "note") {
      std::string pos;
      r >> pos;
      DiagNote n;
      auto msg = quoted_message(rest);
      if (c.expected.empty() || !parse_position(pos, number, n.line, n.col) || !msg) {
        c.annotation_errors.push_back("line " + std::to_string(number) + ": bad expect-note");
        continue;
      }
      n.message = *msg;
      c.expected.back().notes.push_back(n);
      c.expected.back().check_notes = true;
      continue;
    }
    if (what != "error" && what != "warning") {
      c.annotation_errors.push_back("line " + std::to_string(number) + ": unknown annotation '" + what + "'");
      continue;
    }
    Expected e;
    e.severity = what == "error" ? Severity::Error : Severity::Warning;
    std::string pos;
    r >> e.code >> pos;
    if (!parse_position(pos, number, e.line, e.col)) {
      c.annotation_errors.push_back("line " + std::to_string(number) + ": bad position '" + pos + "'");
      continue;
    }
    e.message = quoted_message(rest);
    c.expected.push_back(e);
  }
  return c;
}

namespace {

std::string show(const Diagnostic& d) {
  std::ostringstream s;
  s << d.line << ":" << d.col << " " << d.code << " \"" << d.message << "\"";
  for (const DiagNote& n : d.notes) s << " [note " << n.line << ":" << n.col << " \"" << n.message << "\"]";
  return s.str();
}

std::string show(const Expected& e) {
  std::ostringstream s;
  s << e.line << ":" << e.col << " " << e.code;
  if (e.message) s << " \"" << *e.message << "\"";
  for (const DiagNote& n : e.notes) s << " [note " << n.line << ":" << n.col << " \"" << n.message << "\"]";
  return s.str();
}

bool matches(const Diagnostic& d, const Expected& e) {
  if (d.severity != e.severity || d.code != e.code || d.line != e.line || d.col != e.col) return false;
  if (e.message && *e.message != d.message) return false;
  if (e.check_notes) {
    if (d.notes.size() != e.notes.size()) return false;
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      if (d.notes[i].line != e.notes[i].line || d.notes[i].col != e.notes[i].col ||
          d.notes[i].message != e.notes[i].message) {
        return false;
      }
    }
  }
  return true;
}

class GoldenCase : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(GoldenCase, DiagnosticsMatchAnnotations) {
  CaseFile c = load_case(GetParam());
  for (const std::string& e : c.annotation_errors) ADD_FAILURE() << e;
  ASSERT_TRUE(c.expect_ok || !c.expected.empty()) << "case has no expect- annotation";
  ASSERT_FALSE(c.expect_ok && !c.expected.empty()) << "expect-ok together with expected diagnostics";
  const bool fail_case = GetParam().filename().string().rfind("fail_", 0) == 0;
  bool any_error = std::any_of(c.expected.begin(), c.expected.end(),
                               [](const Expected& e) { return e.severity == Severity::Error; });
  EXPECT_EQ(fail_case, any_error) << "fail_* cases must expect an error, other cases must not";

  CompileOutput out = compile(c.source);
  std::vector<Diagnostic> actual;
  for (const Diagnostic& d : out.diagnostics) {
    if (d.severity != Severity::Note) actual.push_back(d);
  }
  EXPECT_EQ(out.program.has_value(), !any_error);

  // Both lists are in the sorted order of §14.1 (the expectations are sorted the same way here).
  std::vector<Expected> expected = c.expected;
  std::stable_sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) {
    if (a.line != b.line) return a.line < b.line;
    if (a.col != b.col) return a.col < b.col;
    return a.code < b.code;
  });
  std::ostringstream report;
  report << "actual:\n";
  for (const Diagnostic& d : actual) report << "  " << show(d) << "\n";
  report << "expected:\n";
  for (const Expected& e : expected) report << "  " << show(e) << "\n";
  ASSERT_EQ(actual.size(), expected.size()) << report.str();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_TRUE(matches(actual[i], expected[i])) << "diagnostic " << i << "\n" << report.str();
  }
}

std::string case_name(const ::testing::TestParamInfo<std::filesystem::path>& info) {
  std::string rel = std::filesystem::relative(info.param, cases_dir()).replace_extension().string();
  for (char& ch : rel) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return rel;
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCase, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace progmp::lang::testing

// Annotated test programs (tests/lang/cases/<feature>/<case>.progmp) and their expectations.
//
// Annotations are line comments anywhere in the file (also inside block comments, they are found by text):
//   // expect-ok                                    no diagnostic at all
//   // expect-error E0201 @+1:9 "message"           error on the next line, column 9 (message optional)
//   // expect-warning W0101 @3:1                    absolute line 3, column 1
//   // expect-note @1:5 "message"                   a note of the preceding expect-error/-warning
// "@+N" / "@-N" are relative to the annotation's own line. Cases named fail_* must expect at least one error;
// other cases must expect none.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "progmp/lang/diagnostics.hpp"

namespace progmp::lang::testing {

struct Expected {
  Severity severity = Severity::Error;
  std::string code;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::optional<std::string> message;
  std::vector<DiagNote> notes;  // compared when at least one expect-note is given
  bool check_notes = false;
};

struct CaseFile {
  std::filesystem::path path;
  std::string source;
  bool expect_ok = false;
  std::vector<Expected> expected;
  std::vector<std::string> annotation_errors;  // malformed annotations
};

std::string read_text(const std::filesystem::path& path);
CaseFile load_case(const std::filesystem::path& path);
std::vector<std::filesystem::path> all_cases();
std::filesystem::path cases_dir();

}  // namespace progmp::lang::testing

// Fails when a diagnostic of language.md §14.4/§14.5 is not exercised by any annotated case.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "golden_support.hpp"
#include "progmp/lang/diagnostic_kinds.hpp"

namespace progmp::lang::testing {
namespace {

// Codes that no committed case can trigger, each with the test that covers it instead.
const std::set<std::string> kCoveredElsewhere = {
    "E0501",  // needs more than 64 KiB of source: limits_test.cpp, SourceTooLarge
};

TEST(DiagnosticCoverage, TableMatchesTheSpecification) {
  const std::set<std::string> spec = {"E0001", "E0002", "E0003", "E0004", "E0005", "E0006", "E0101", "E0102", "E0103",
                                      "E0104", "E0105", "E0106", "E0107", "E0108", "E0201", "E0202", "E0203", "E0204",
                                      "E0205", "E0301", "E0302", "E0303", "E0401", "E0402", "E0501", "E0502", "E0503",
                                      "W0001", "W0101", "W0102", "W0201", "W0202", "W0203", "W0301"};
  std::set<std::string> table;
  for (const DiagKindInfo& k : diagnostic_kinds()) {
    table.insert(std::string(k.code));
    EXPECT_EQ(k.severity, k.code[0] == 'E' ? Severity::Error : Severity::Warning) << k.code;
    EXPECT_EQ(&diagnostic_kind_info(k.kind), &k);
  }
  EXPECT_EQ(table, spec);
}

TEST(DiagnosticCoverage, EveryCodeIsExercisedByACase) {
  std::set<std::string> seen;
  for (const auto& path : all_cases()) {
    for (const Expected& e : load_case(path).expected) seen.insert(e.code);
  }
  for (const DiagKindInfo& k : diagnostic_kinds()) {
    std::string code(k.code);
    if (kCoveredElsewhere.count(code) != 0) {
      EXPECT_EQ(seen.count(code), 0u) << code << " is now covered by a case: drop it from the allow-list";
      continue;
    }
    EXPECT_EQ(seen.count(code), 1u) << "no case in tests/lang/cases expects " << code << " (" << k.meaning << ")";
  }
}

TEST(DiagnosticCoverage, EveryMessageTemplateIsPinnedByACase) {
  // At least one expectation per code states the exact message text.
  std::set<std::string> with_message;
  for (const auto& path : all_cases()) {
    for (const Expected& e : load_case(path).expected) {
      if (e.message) with_message.insert(e.code);
    }
  }
  for (const DiagKindInfo& k : diagnostic_kinds()) {
    if (kCoveredElsewhere.count(std::string(k.code)) != 0) continue;
    EXPECT_EQ(with_message.count(std::string(k.code)), 1u) << k.code;
  }
}

}  // namespace
}  // namespace progmp::lang::testing

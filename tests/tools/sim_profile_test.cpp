// `progmp sim --profile` as a user runs it (docs/profiling.md): the annotated listing after the report, the
// "profile" object of --json, and a simulation result that does not change with profiling.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace progmp::test {
namespace {

using json = nlohmann::json;

std::string scenario(const std::string& name) { return std::string(PROGMP_SOURCE_DIR) + "/scenarios/" + name; }

// One annotated line: the count column ("" for no code, "#####" for never executed) and the text.
struct Annotated {
  std::string count;
  std::string text;
};

// The annotated lines of the listing that follows the header "profile LABEL: ...", by line number.
std::map<int, Annotated> listing(const std::string& out, const std::string& label) {
  std::map<int, Annotated> lines;
  std::istringstream in(out);
  std::string line;
  bool inside = false;
  static const std::regex row(R"(^ *(\d+|#####)? \| +(\d+) \|(?: (.*))?$)");
  while (std::getline(in, line)) {
    if (line.rfind("profile ", 0) == 0) {
      inside = line.rfind("profile " + label + ":", 0) == 0;
      continue;
    }
    std::smatch m;
    if (inside && std::regex_match(line, m, row)) lines[std::stoi(m[2])] = Annotated{m[1], m[3]};
  }
  return lines;
}

TEST(SimProfile, AnnotatesTheBuiltinSchedulerOfBulkAggregation) {
  ProcessResult r = progmp({"sim", scenario("bulk_aggregation.toml"), "--profile", "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  // The normal report comes first.
  const std::size_t report = r.out.find("scenario bulk_aggregation");
  const std::size_t header = r.out.find("profile builtin_minrtt@1: ");
  ASSERT_NE(report, std::string::npos) << r.out;
  ASSERT_NE(header, std::string::npos) << r.out;
  EXPECT_LT(report, header);
  std::smatch m;
  const std::string rest = r.out.substr(header);
  ASSERT_TRUE(std::regex_search(rest, m, std::regex(R"(^profile builtin_minrtt@1: (\d+) executions, [0-9.]+ ms \((\d+) ns per execution\), [0-9.]+ steps per execution\nends: end \d+, return \d+\n)")))
      << rest;
  const std::string executions = m[1];
  EXPECT_GT(std::stoull(executions), 1000u);

  const auto lines = listing(r.out, "builtin_minrtt@1");
  ASSERT_EQ(lines.size(), 14u) << r.out;  // every line of the §2.4 text
  EXPECT_EQ(lines.at(1).count, "");       // the comment
  EXPECT_EQ(lines.at(2).text.rfind("VAR open = SUBFLOWS.FILTER(", 0), 0u);
  EXPECT_EQ(lines.at(2).count, executions);  // the first statement runs in every execution
  EXPECT_GT(std::stoull(lines.at(4).count), 0u);
  // No reinjection in this scenario: the branch for RQ is never taken; neither is the no-primary branch.
  EXPECT_EQ(lines.at(6).count, "#####");
  EXPECT_EQ(lines.at(7).count, "#####");
  EXPECT_EQ(lines.at(11).count, "#####");
  EXPECT_EQ(lines.at(8).count, "");   // closing brace
  EXPECT_EQ(lines.at(12).count, "");  // } ELSE {
  EXPECT_GT(std::stoull(lines.at(13).count), 0u);
}

TEST(SimProfile, ResultIsTheSameWithAndWithoutProfile) {
  for (const char* engine : {"auto", "interp"}) {
    SCOPED_TRACE(engine);
    ProcessResult plain = progmp({"sim", scenario("bulk_aggregation.toml"), "--json", "--engine", engine});
    ProcessResult profiled =
        progmp({"sim", scenario("bulk_aggregation.toml"), "--json", "--profile", "--engine", engine});
    ASSERT_EQ(plain.status, 0) << plain.err;
    ASSERT_EQ(profiled.status, 0) << profiled.err;
    json a = json::parse(plain.out);
    json b = json::parse(profiled.out);
    EXPECT_FALSE(a.contains("profile"));
    ASSERT_TRUE(b.contains("profile"));
    b.erase("profile");
    EXPECT_EQ(a, b);
  }
}

TEST(SimProfile, JsonHasAProfileObject) {
  ProcessResult r = progmp({"sim", scenario("bulk_aggregation.toml"), "--json", "--profile"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j.contains("profile"));
  const json& programs = j["profile"]["programs"];
  ASSERT_EQ(programs.size(), 1u);
  const json& p = programs[0];
  EXPECT_EQ(p["name"], "builtin_minrtt");
  EXPECT_EQ(p["version"], 1);
  EXPECT_EQ(p["label"], "builtin_minrtt@1");
  const std::uint64_t n = p["executions"];
  EXPECT_GT(n, 1000u);
  EXPECT_GT(p["time_ns"].get<std::uint64_t>(), 0u);
  EXPECT_GT(p["ns_per_execution"].get<double>(), 0.0);
  EXPECT_GT(p["steps_per_execution"].get<double>(), 1.0);
  std::uint64_t ends = 0;
  for (const auto& [cause, count] : p["ends"].items()) ends += count.get<std::uint64_t>();
  EXPECT_EQ(ends, n);
  for (const char* cause : {"end", "return", "step_limit", "round_steps", "action_limit"})
    EXPECT_TRUE(p["ends"].contains(cause)) << cause;
  EXPECT_EQ(p["source"].get<std::string>().rfind("// Reinjections first", 0), 0u);
  // Lines with code only, ascending; the first statement (line 2) ran in every execution.
  const json& lines = p["lines"];
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0]["line"], 2);
  EXPECT_EQ(lines[0]["count"].get<std::uint64_t>(), n);
  bool never = false;
  for (const json& l : lines) never |= l["line"] == 6 && l["count"] == 0;
  EXPECT_TRUE(never);
  // One counter per IR instruction; the entry ran in every execution.
  ASSERT_FALSE(p["instructions"].empty());
  EXPECT_EQ(p["instructions"][0].get<std::uint64_t>(), n);
}

TEST(SimProfile, FallbackShowsBothPrograms) {
  // Quadratic in Q: with a full send buffer every execution exceeds its step allowance, and after three exhaustions
  // the connection falls back to builtin_minrtt (runtime.md §6.4).
  TempDir dir;
  const std::string file = dir.write("heavy.progmp",
                                     "SCHEDULER heavy;\n"
                                     "FOREACH (VAR p IN Q) {\n"
                                     "  FOREACH (VAR q IN Q) { VOID(p.SEQ + q.SEQ); }\n"
                                     "}\n");
  ProcessResult r = progmp({"sim", scenario("bulk_aggregation.toml"), "--scheduler", file, "--profile", "--quiet",
                            "--set", "duration_s=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::size_t own = r.out.find("profile heavy@1: ");
  const std::size_t fallback = r.out.find("profile builtin_minrtt@1: ");
  ASSERT_NE(own, std::string::npos) << r.out;
  ASSERT_NE(fallback, std::string::npos) << r.out;
  EXPECT_LT(own, fallback);  // the scenario's scheduler first
  EXPECT_NE(r.out.find("step_limit 3"), std::string::npos) << r.out;
  const auto lines = listing(r.out, "heavy@1");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.at(1).count, "");
  EXPECT_GT(std::stoull(lines.at(3).count), 0u);
  EXPECT_EQ(lines.at(4).count, "");
}

TEST(SimProfile, HelpDocumentsTheOption) {
  ProcessResult r = progmp({"sim", "--help"});
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--profile"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace progmp::test

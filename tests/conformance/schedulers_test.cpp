// Conformance of the scheduler library: each case in tests/conformance/cases/*.json names a library scheduler, a
// view (runtime.md §14.2) and the hand-checked actions of one round, and is run through `progmp run --json`
// exactly as a user would run it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Cmd {
  int status = -1;
  std::string out;
};

Cmd run(const std::string& command) {
  Cmd c;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return c;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.out.append(buf, n);
  const int st = pclose(p);
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return c;
}

std::vector<fs::path> cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "tests/conformance/cases"))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe(const json& a) {
  const std::string op = a.at("op");
  if (op == "PUSH")
    return "PUSH " + std::to_string(a.at("subflow").get<long>()) + " " + std::to_string(a.at("seq").get<long>()) +
           " " + a.at("origin").get<std::string>() + " " + a.at("result").get<std::string>();
  if (op == "DROP")
    return "DROP " + std::to_string(a.at("seq").get<long>()) + " " + a.at("origin").get<std::string>() + " " +
           a.at("result").get<std::string>();
  return "SET_USER " + std::to_string(a.at("subflow").get<long>()) + " " + std::to_string(a.at("value").get<long>()) +
         " " + a.at("result").get<std::string>();
}

class SchedulerCase : public ::testing::TestWithParam<fs::path> {};

TEST_P(SchedulerCase, ActionsMatchHandCheckedExpectation) {
  std::ifstream in(GetParam());
  const json c = json::parse(in);
  const fs::path view = fs::temp_directory_path() / ("progmp_conf_" + GetParam().stem().string() + ".json");
  std::ofstream(view) << c.at("view").dump();
  const std::string sched = std::string(PROGMP_SOURCE_DIR) + "/schedulers/" + c.at("scheduler").get<std::string>() +
                            ".progmp";
  const Cmd r = run(std::string(PROGMP_BINARY) + " run " + sched + " --view " + view.string() + " --executions " +
                    std::to_string(c.at("executions").get<int>()) + " --json");
  fs::remove(view);
  ASSERT_EQ(r.status, 0) << r.out;
  const json out = json::parse(r.out);
  ASSERT_EQ(out.at("status"), "ok");

  std::vector<std::string> got;
  for (const json& e : out.at("executions"))
    for (const json& a : e.at("actions")) got.push_back(describe(a));
  std::vector<std::string> want = c.at("actions").get<std::vector<std::string>>();
  EXPECT_EQ(got, want) << c.at("why");
  EXPECT_EQ(out.at("round_end"), c.at("round_end"));
  EXPECT_EQ(out.at("executions").size(), c.at("count").get<std::size_t>());
  if (c.contains("registers")) {
    EXPECT_EQ(out.at("executions").back().at("registers"), c.at("registers"));
  }
}

INSTANTIATE_TEST_SUITE_P(Library, SchedulerCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<fs::path>& info) { return info.param.stem().string(); });

// Every scheduler of the library has conformance cases, and every case names a library scheduler.
TEST(SchedulerLibrary, EveryLibrarySchedulerHasCases) {
  std::map<std::string, int> per;
  for (const auto& e : fs::directory_iterator(fs::path(PROGMP_SOURCE_DIR) / "schedulers"))
    if (e.path().extension() == ".progmp") per[e.path().stem().string()] = 0;
  for (const fs::path& p : cases()) {
    std::ifstream in(p);
    const std::string s = json::parse(in).at("scheduler");
    ASSERT_TRUE(per.count(s)) << p << " names unknown scheduler " << s;
    ++per[s];
  }
  for (const auto& [name, n] : per) EXPECT_GE(n, 3) << name;
}

}  // namespace

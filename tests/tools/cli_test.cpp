// The `progmp` binary as a user runs it: --version, --help, command-line errors, `check` and `dump`.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace progmp::test {
namespace {

// Substring check with a readable failure message (the suites link GoogleTest without gmock).
#define EXPECT_CONTAINS(haystack, needle)                                                       \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                              \
      << "expected to find: " << (needle) << "\nin:\n" << (haystack)

const char* const kValid = R"(SCHEDULER tiny;
SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED).MIN(f => f.RTT).PUSH(Q.POP());
)";
const char* const kTypo = "VAR s = SUBFLOWS.MIN(f => f.RTTT);\n";
const char* const kUnused = "VAR unused = 1;\n";  // W0201, no error

// --- global options -------------------------------------------------------------------------------------------

TEST(Cli, Version) {
  ProcessResult r = progmp({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "progmp " + std::string(tools::version()) + "\n");
  EXPECT_EQ(r.err, "");
}

TEST(Cli, HelpListsEverySubcommand) {
  ProcessResult r = progmp({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_CONTAINS(r.out, "Usage: progmp");
  for (const char* cmd : {"check", "dump", "run", "sim"}) EXPECT_CONTAINS(r.out, cmd);
}

TEST(Cli, HelpOfEachSubcommand) {
  for (std::string cmd : {"check", "dump", "run"}) {
    ProcessResult r = progmp({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_CONTAINS(r.out, "Usage: progmp " + cmd) << cmd;
    EXPECT_CONTAINS(r.out, "FILE") << cmd;
  }
  ProcessResult check = progmp({"check", "--help"});
  EXPECT_CONTAINS(check.out, "--format");
  EXPECT_CONTAINS(check.out, "-Werror");
}

TEST(Cli, SubcommandIsRequired) {
  ProcessResult r = progmp({});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "subcommand");
}

TEST(Cli, UnknownTopLevelFlagIsNamed) {
  ProcessResult r = progmp({"--bogus"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--bogus");
  EXPECT_EQ(r.out, "");
}

TEST(Cli, UnknownSubcommandIsNamed) {
  ProcessResult r = progmp({"chekc", "x.progmp"});
  EXPECT_NE(r.status, 0);
  EXPECT_CONTAINS(r.err, "chekc");
}

TEST(Cli, UnknownSubcommandFlagIsNamed) {
  TempDir dir;
  std::string file = dir.write("ok.progmp", kValid);
  ProcessResult r = progmp({"check", "--colour", file});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--colour");
  EXPECT_CONTAINS(r.err, "progmp check");
}

TEST(Cli, BadOptionValueIsNamed) {
  TempDir dir;
  std::string file = dir.write("ok.progmp", kValid);
  ProcessResult r = progmp({"check", "--format=yaml", file});
  EXPECT_NE(r.status, 0);
  EXPECT_CONTAINS(r.err, "--format");
  EXPECT_CONTAINS(r.err, "yaml");

  ProcessResult w = progmp({"check", "-Wall", file});
  EXPECT_NE(w.status, 0);
  EXPECT_CONTAINS(w.err, "-W");
}

TEST(Cli, MissingFileArgument) {
  for (std::string cmd : {"check", "dump"}) {
    ProcessResult r = progmp({cmd});
    EXPECT_NE(r.status, 0) << cmd;
    EXPECT_CONTAINS(r.err, "FILE") << cmd;
  }
}

// --- check ----------------------------------------------------------------------------------------------------

TEST(Check, CleanFilePrintsNothing) {
  TempDir dir;
  ProcessResult r = progmp({"check", dir.write("ok.progmp", kValid)});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(Check, ExactTextDiagnostic) {
  TempDir dir;
  dir.write("typo.progmp", kTypo);
  ProcessResult r = progmp({"check", "typo.progmp"}, dir.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out,
            "typo.progmp:1:29: error[E0202]: unknown property 'RTTT' for type subflow; did you mean 'RTT'?\n"
            "1 | VAR s = SUBFLOWS.MIN(f => f.RTTT);\n"
            "  |                             ^\n");
  EXPECT_EQ(r.err, "");
}

TEST(Check, EveryFileIsChecked) {
  TempDir dir;
  std::string bad = dir.write("bad.progmp", kTypo);
  std::string good = dir.write("good.progmp", kValid);
  std::string bad2 = dir.write("bad2.progmp", "RETURN\n");
  ProcessResult r = progmp({"check", bad, good, bad2});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.out, bad + ":1:29: error[E0202]");
  EXPECT_CONTAINS(r.out, bad2 + ":2:1: error[E0101]");
  EXPECT_LT(r.out.find(bad + ":"), r.out.find(bad2 + ":"));
}

TEST(Check, JsonIsOneArrayWithTheFields) {
  TempDir dir;
  dir.write("typo.progmp", kTypo);
  dir.write("unused.progmp", kUnused);
  dir.write("ok.progmp", kValid);
  ProcessResult r = progmp({"check", "--format=json", "typo.progmp", "ok.progmp", "unused.progmp"},
                           dir.path().string());
  EXPECT_EQ(r.status, 1);
  // The keys keep the order of language.md §14.2.
  EXPECT_EQ(r.out.rfind(R"([{"file":"typo.progmp","line":1,"col":29,"severity":"error","code":"E0202","message":)", 0),
            0u)
      << r.out;
  EXPECT_EQ(r.out.back(), '\n');
  nlohmann::json j = nlohmann::json::parse(r.out);  // throws (and fails the test) if not JSON
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u) << r.out;

  const nlohmann::json& e = j[0];
  EXPECT_EQ(e["file"], "typo.progmp");
  EXPECT_EQ(e["line"], 1);
  EXPECT_EQ(e["col"], 29);
  EXPECT_EQ(e["severity"], "error");
  EXPECT_EQ(e["code"], "E0202");
  EXPECT_EQ(e["message"], "unknown property 'RTTT' for type subflow; did you mean 'RTT'?");
  EXPECT_TRUE(e["notes"].is_array());

  const nlohmann::json& w = j[1];
  EXPECT_EQ(w["file"], "unused.progmp");
  EXPECT_EQ(w["severity"], "warning");
  EXPECT_EQ(w["code"], "W0201");
  EXPECT_EQ(w["line"], 1);
  EXPECT_EQ(w["col"], 5);
}

TEST(Check, JsonOfCleanFilesIsAnEmptyArray) {
  TempDir dir;
  ProcessResult r = progmp({"check", "--format", "json", dir.write("ok.progmp", kValid)});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::array());
}

TEST(Check, WarningsPassUnlessWerror) {
  TempDir dir;
  std::string file = dir.write("unused.progmp", kUnused);

  ProcessResult plain = progmp({"check", file});
  EXPECT_EQ(plain.status, 0);
  EXPECT_CONTAINS(plain.out, file + ":1:5: warning[W0201]: variable 'unused' is never used");

  ProcessResult werror = progmp({"check", "-Werror", file});
  EXPECT_EQ(werror.status, 1);
  EXPECT_CONTAINS(werror.out, "warning[W0201]");

  EXPECT_EQ(progmp({"check", "-W", "error", file}).status, 1);
  EXPECT_EQ(progmp({"check", file, "-Werror"}).status, 1);
  EXPECT_EQ(progmp({"check", "-Werror", dir.write("ok.progmp", kValid)}).status, 0);
}

TEST(Check, UnreadableFile) {
  TempDir dir;
  ProcessResult r = progmp({"check", "missing.progmp"}, dir.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "progmp: cannot read 'missing.progmp': No such file or directory\n");
  EXPECT_EQ(r.out, "");

  ProcessResult d = progmp({"check", dir.path().string()});
  EXPECT_EQ(d.status, 2);
  EXPECT_EQ(d.err, "progmp: cannot read '" + dir.path().string() + "': is a directory\n");
}

TEST(Check, UnreadableFileWinsButOthersAreStillChecked) {
  TempDir dir;
  dir.write("typo.progmp", kTypo);
  ProcessResult r = progmp({"check", "missing.progmp", "typo.progmp"}, dir.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "cannot read 'missing.progmp'");
  EXPECT_CONTAINS(r.out, "typo.progmp:1:29: error[E0202]");

  ProcessResult j = progmp({"check", "--format=json", "missing.progmp", "typo.progmp"}, dir.path().string());
  EXPECT_EQ(j.status, 2);
  EXPECT_EQ(nlohmann::json::parse(j.out).size(), 1u);
}

// --- dump -----------------------------------------------------------------------------------------------------

TEST(Dump, PrintsTheIr) {
  TempDir dir;
  ProcessResult r = progmp({"dump", dir.write("ok.progmp", kValid)});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.out.empty());
  EXPECT_EQ(r.err, "");
}

TEST(Dump, ErrorsGoToStderr) {
  TempDir dir;
  dir.write("typo.progmp", kTypo);
  ProcessResult r = progmp({"dump", "typo.progmp"}, dir.path().string());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_CONTAINS(r.err, "typo.progmp:1:29: error[E0202]");
}

TEST(Dump, WarningsGoToStderrAndTheListingFollows) {
  TempDir dir;
  ProcessResult r = progmp({"dump", dir.write("unused.progmp", kUnused)});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.out.empty());
  EXPECT_CONTAINS(r.err, "warning[W0201]");
}

TEST(Dump, UnreadableFile) {
  TempDir dir;
  ProcessResult r = progmp({"dump", "missing.progmp"}, dir.path().string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "progmp: cannot read 'missing.progmp': No such file or directory\n");
}

}  // namespace
}  // namespace progmp::test

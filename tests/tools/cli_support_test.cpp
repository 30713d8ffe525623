// Unit tests of the helpers shared by the subcommands: file reading and the registration-name rule of
// runtime.md §2.2.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cli_support.hpp"
#include "temp_dir.hpp"

namespace progmp::tools {
namespace {

TEST(RegistrationName, FileNameWithoutDirectoryAndExtension) {
  EXPECT_EQ(registration_name("minrtt.progmp", nullptr), "minrtt");
  EXPECT_EQ(registration_name("schedulers/minrtt.progmp", nullptr), "minrtt");
  EXPECT_EQ(registration_name("/abs/path.d/blest.progmp", nullptr), "blest");
  EXPECT_EQ(registration_name("noext", nullptr), "noext");
  EXPECT_EQ(registration_name("dir.d/noext", nullptr), "noext");
}

TEST(RegistrationName, OnlyTheLastExtensionIsRemoved) {
  EXPECT_EQ(registration_name("a.b.progmp", nullptr), "a_b");
  EXPECT_EQ(registration_name("v1.2.progmp", nullptr), "v1_2");
}

TEST(RegistrationName, NonWordCharactersBecomeUnderscores) {
  EXPECT_EQ(registration_name("round-robin.progmp", nullptr), "round_robin");
  EXPECT_EQ(registration_name("my sched (2).progmp", nullptr), "my_sched__2_");
  EXPECT_EQ(registration_name("Mixed_Case_09.progmp", nullptr), "Mixed_Case_09");
}

TEST(RegistrationName, OneUnderscorePerNonAsciiCharacter) {
  EXPECT_EQ(registration_name("h\xC3\xA9llo.progmp", nullptr), "h_llo");         // é: two bytes
  EXPECT_EQ(registration_name("\xE2\x82\xAC" "cost.progmp", nullptr), "_cost");  // €: three bytes
}

TEST(RegistrationName, LeadingDigitGetsAnUnderscore) {
  EXPECT_EQ(registration_name("2paths.progmp", nullptr), "_2paths");
  EXPECT_EQ(registration_name("dir/007.progmp", nullptr), "_007");
}

TEST(RegistrationName, DegenerateFileNames) {
  EXPECT_EQ(registration_name(".progmp", nullptr), "_progmp");  // a hidden file, not an extension
  EXPECT_EQ(registration_name("", nullptr), "_");
  EXPECT_EQ(registration_name("dir/", nullptr), "_");
}

TEST(RegistrationName, HeaderNameWins) {
  lang::Program program;
  program.header_name = "lowest_rtt";
  EXPECT_EQ(registration_name("schedulers/minrtt.progmp", &program), "lowest_rtt");
  EXPECT_EQ(registration_name("2-x.progmp", &program), "lowest_rtt");
}

TEST(RegistrationName, EmptyHeaderFallsBackToFileName) {
  lang::Program program;
  EXPECT_EQ(registration_name("round-robin.progmp", &program), "round_robin");
}

TEST(ReadFile, ReturnsTheExactBytes) {
  test::TempDir dir;
  std::string content("line 1\r\nline 2\0with nul\n", 24);
  std::string path = dir.write("a.progmp", content);
  std::string error = "stale";
  auto text = read_file(path, error);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, content);
  EXPECT_TRUE(error.empty());
}

TEST(ReadFile, EmptyFileIsNotAnError) {
  test::TempDir dir;
  std::string error;
  auto text = read_file(dir.write("empty.progmp", ""), error);
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(text->empty());
}

TEST(ReadFile, MissingFile) {
  test::TempDir dir;
  std::string error;
  EXPECT_FALSE(read_file((dir.path() / "missing.progmp").string(), error).has_value());
  EXPECT_EQ(error, "No such file or directory");
}

TEST(ReadFile, Directory) {
  test::TempDir dir;
  std::string error;
  EXPECT_FALSE(read_file(dir.path().string(), error).has_value());
  EXPECT_EQ(error, "is a directory");
}

TEST(CannotReadMessage, Format) {
  EXPECT_EQ(cannot_read_message("x.progmp", "No such file or directory"),
            "progmp: cannot read 'x.progmp': No such file or directory");
}

TEST(Version, IsSemantic) {
  std::string v(version());
  EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
  EXPECT_FALSE(v.empty());
}

}  // namespace
}  // namespace progmp::tools

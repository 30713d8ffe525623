// Scheduler registry rules (runtime.md §2): names, versions, replacement for new connections only, unload rules,
// the default and the built-in, statistics per version.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "progmp/runtime/registry.hpp"

namespace progmp::runtime {
namespace {

using testing::FakePrograms;

struct RegistryTest : ::testing::Test {
  FakePrograms programs;
  std::string a = programs.add("prog a", testing::scripted_minrtt, "alpha");
  std::string b = programs.add("prog b", testing::scripted_minrtt, "beta");
  std::string anon = programs.add("prog anon", testing::scripted_minrtt, "");
  std::string reserved_header = programs.add("prog res", testing::scripted_minrtt, "builtin_x");
  Registry reg{programs.compiler()};
};

TEST_F(RegistryTest, BuiltinIsPresentAndDefault) {
  EXPECT_EQ(reg.default_name(), "builtin_minrtt");
  ASSERT_NE(reg.builtin(), nullptr);
  EXPECT_EQ(reg.builtin()->version, 1u);
  EXPECT_EQ(reg.builtin()->label, "builtin_minrtt@1");
  const auto list = reg.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "builtin_minrtt");
  EXPECT_EQ(list[0].version, 1u);
}

TEST_F(RegistryTest, NameArgumentWinsOverHeader) {
  LoadResult r = reg.load("mine", a);
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.name, "mine");
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(reg.find("mine")->header_name, "alpha");
  EXPECT_EQ(reg.find("alpha"), nullptr);
}

TEST_F(RegistryTest, HeaderNameWhenNoArgument) {
  LoadResult r = reg.load("", a);
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.name, "alpha");
}

TEST_F(RegistryTest, NoNameWithoutArgumentOrHeader) {
  LoadResult r = reg.load("", anon);
  EXPECT_EQ(r.status, Status::NoName);
  EXPECT_EQ(reg.list().size(), 1u);
}

TEST_F(RegistryTest, BadAndReservedNames) {
  EXPECT_EQ(reg.load("9lives", a).status, Status::BadName);
  EXPECT_EQ(reg.load("has-dash", a).status, Status::BadName);
  EXPECT_EQ(reg.load(std::string(256, 'x'), a).status, Status::BadName);
  EXPECT_EQ(reg.load(std::string(255, 'x'), a).status, Status::Ok);
  EXPECT_EQ(reg.load("builtin_minrtt", a).status, Status::ReservedName);
  EXPECT_EQ(reg.load("builtin_other", a).status, Status::ReservedName);
  EXPECT_EQ(reg.load("", reserved_header).status, Status::ReservedName);
  EXPECT_EQ(reg.load("_ok_1", a).status, Status::Ok);
}

TEST_F(RegistryTest, CompileErrorsLeaveTheRegistryUnchanged) {
  ASSERT_EQ(reg.load("x", a).status, Status::Ok);
  LoadResult r = reg.load("x", "not a known program");
  EXPECT_EQ(r.status, Status::CompileError);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "E0102");
  EXPECT_EQ(r.version, 0u);
  EXPECT_EQ(reg.find("x")->version, 1u);
  EXPECT_EQ(reg.find("x")->header_name, "alpha");
}

TEST_F(RegistryTest, ReplacingIncrementsTheVersion) {
  EXPECT_EQ(reg.load("x", a).version, 1u);
  EXPECT_EQ(reg.load("x", b).version, 2u);
  EXPECT_EQ(reg.load("x", a).version, 3u);
  EXPECT_EQ(reg.find("x")->label, "x@3");
}

TEST_F(RegistryTest, UnloadRules) {
  ASSERT_EQ(reg.load("x", a).status, Status::Ok);
  EXPECT_EQ(reg.unload("builtin_minrtt"), Status::Builtin);
  EXPECT_EQ(reg.unload("nope"), Status::UnknownScheduler);
  ASSERT_EQ(reg.set_default("x"), Status::Ok);
  EXPECT_EQ(reg.unload("x"), Status::IsDefault);
  ASSERT_EQ(reg.set_default("builtin_minrtt"), Status::Ok);
  ProgramPtr held = reg.find("x");
  EXPECT_EQ(reg.unload("x"), Status::Ok);
  EXPECT_EQ(reg.find("x"), nullptr);
  EXPECT_EQ(reg.unload("x"), Status::UnknownScheduler);
  EXPECT_EQ(held->label, "x@1");  // users keep their program
  // Loading the name again continues the numbering, so x@1 stays unambiguous.
  EXPECT_EQ(reg.load("x", b).version, 2u);
}

TEST_F(RegistryTest, SetDefaultNeedsAKnownName) {
  EXPECT_EQ(reg.set_default("nope"), Status::UnknownScheduler);
  EXPECT_EQ(reg.default_name(), "builtin_minrtt");
}

TEST_F(RegistryTest, ListIsSortedByName) {
  reg.load("zeta", a);
  reg.load("alpha", a);
  reg.load("alpha", b);
  const auto list = reg.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "alpha");
  EXPECT_EQ(list[0].version, 2u);
  EXPECT_EQ(list[1].name, "builtin_minrtt");
  EXPECT_EQ(list[2].name, "zeta");
}

TEST_F(RegistryTest, StatsOfUnknownNamesAndVersions) {
  SchedulerStats s;
  EXPECT_EQ(reg.stats("nope", std::nullopt, s), Status::UnknownScheduler);
  reg.load("x", a);
  EXPECT_EQ(reg.stats("x", 2u, s), Status::UnknownScheduler);
  EXPECT_EQ(reg.stats("x", 0u, s), Status::UnknownScheduler);
  EXPECT_EQ(reg.stats("x", 1u, s), Status::Ok);
}

TEST(ProgramSharing, ReplacementAffectsOnlyNewConnectionsAndProgramsAreReleased) {
  testing::Harness h;
  const std::string v1 = h.load("x", testing::scripted_minrtt);
  std::weak_ptr<const CompiledProgram> weak_v1 = h.rt.registry().find("x");
  h.open(1);
  h.open(2);
  const std::string v2 = h.load("x", testing::scripted_minrtt);
  h.open(3);
  EXPECT_EQ(h.rt.get_scheduler(1).version, 1u);
  EXPECT_EQ(h.rt.get_scheduler(2).version, 1u);
  EXPECT_EQ(h.rt.get_scheduler(3).version, 2u);
  SchedulerStats s1, s2, all;
  ASSERT_EQ(h.rt.scheduler_stats("x", 1u, s1), Status::Ok);
  ASSERT_EQ(h.rt.scheduler_stats("x", 2u, s2), Status::Ok);
  ASSERT_EQ(h.rt.scheduler_stats("x", std::nullopt, all), Status::Ok);
  EXPECT_EQ(s1.connections, 2u);
  EXPECT_EQ(s2.connections, 1u);
  EXPECT_EQ(all.connections, 3u);
  EXPECT_EQ(all.connections_total, 3u);
  // list_schedulers reports the current version's users.
  for (const SchedulerInfo& i : h.rt.list_schedulers()) {
    if (i.name == "x") {
      EXPECT_EQ(i.connections, 1u);
    }
  }
  // set_scheduler picks the current version; the last user of v1 releases it.
  ASSERT_EQ(h.rt.set_scheduler(1, "x"), Status::Ok);
  EXPECT_EQ(h.rt.get_scheduler(1).version, 2u);
  EXPECT_FALSE(weak_v1.expired());
  ASSERT_EQ(h.rt.close_connection(2), Status::Ok);
  EXPECT_TRUE(weak_v1.expired());
  ASSERT_EQ(h.rt.scheduler_stats("x", 1u, s1), Status::Ok);
  EXPECT_EQ(s1.connections, 0u);
  EXPECT_EQ(s1.connections_total, 2u);
}

TEST(ProgramSharing, ConnectionsResolveTheDefaultAtCreation) {
  testing::Harness h;
  h.open(1);
  EXPECT_EQ(h.rt.get_scheduler(1).name, "builtin_minrtt");
  h.load("x", testing::scripted_minrtt);  // also becomes the default
  h.open(2);
  EXPECT_EQ(h.rt.get_scheduler(1).name, "builtin_minrtt");
  EXPECT_EQ(h.rt.get_scheduler(2).name, "x");
  EXPECT_EQ(h.rt.set_scheduler(2, "nope"), Status::UnknownScheduler);
  EXPECT_EQ(h.rt.set_scheduler(99, "x"), Status::UnknownConnection);
  EXPECT_EQ(h.rt.get_scheduler(99).status, Status::UnknownConnection);
}

TEST(ProgramSharing, LoadWritesALoadRecord) {
  testing::Harness h;
  h.rt.set_driver_time(1234);
  h.programs->add("src", testing::scripted_minrtt, "hdr");
  h.rt.load_scheduler("", "src");
  h.rt.load_scheduler("y", "broken");
  ASSERT_EQ(h.trace.lines.size(), 2u);
  EXPECT_EQ(h.trace.lines[0], R"({"t_us":1234,"kind":"load","name":"hdr","version":1,"ok":true,"diagnostics":[]})");
  EXPECT_EQ(h.trace.lines[1],
            R"({"t_us":1234,"kind":"load","name":"y","version":0,"ok":false,"diagnostics":[{"file":"y","line":1,"col":1,"severity":"error","code":"E0102","message":"expected a statement, found end of input","notes":[]}]})");
}

}  // namespace
}  // namespace progmp::runtime

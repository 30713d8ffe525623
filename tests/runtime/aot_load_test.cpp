// load_scheduler_so (runtime.md §11.1): a library built by the AOT engine loads as a scheduler whose accelerated
// engine is the compiled code; connections on the default engine choice (auto) run it and move exactly the packets
// the interpreter moves; libraries that do not load or do not hold exactly one program are refused with BadAbi.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "progmp/exec/aot.hpp"
#include "progmp/ir/nodes.hpp"
#include "progmp/lang/compile.hpp"

namespace progmp::runtime {
namespace {

namespace fs = std::filesystem;
using testing::sf;

struct TempSo {
  fs::path dir = fs::temp_directory_path() / ("progmp-aot-rt-" + std::to_string(::getpid()));
  TempSo() { fs::create_directories(dir); }
  ~TempSo() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // Compiles the given sources into one library; returns its path.
  std::string build(const std::string& file, const std::vector<std::string>& sources) const {
    aot::SourceBuilder b;
    for (const std::string& s : sources) b.add(*ir::lower(*lang::compile(s).program), s);
    const std::string path = (dir / file).string();
    std::string error;
    EXPECT_TRUE(aot::compile_shared_object(b.finish(), path, error)) << error;
    return path;
  }
};

TEST(AotLoad, CompiledSchedulerRunsOnConnectionsLikeTheInterpreter) {
  TempSo tmp;
  const std::string src = testing::library_source("minrtt.progmp");
  const std::string so = tmp.build("minrtt.so", {src});

  ModelTransport m1, m2;
  Runtime compiled(m1), interpreted(m2);
  m1.attach(compiled);
  m2.attach(interpreted);
  const LoadResult r = compiled.load_scheduler_so("fast_minrtt", so);
  ASSERT_EQ(r.status, Status::Ok) << (r.diagnostics.empty() ? "" : r.diagnostics.front().message);
  EXPECT_EQ(r.name, "fast_minrtt");
  EXPECT_EQ(r.version, 1u);
  const ProgramPtr p = compiled.registry().find("fast_minrtt");
  ASSERT_TRUE(p && p->accelerated);
  EXPECT_EQ(p->accelerated->engine_name(), "aot");
  EXPECT_EQ(p->interp->engine_name(), "interp");
  ASSERT_EQ(compiled.set_default_scheduler("fast_minrtt"), Status::Ok);

  ASSERT_EQ(interpreted.load_scheduler("minrtt", src).status, Status::Ok);
  ASSERT_EQ(interpreted.set_default_scheduler("minrtt"), Status::Ok);

  const auto a = testing::two_path_burst(compiled, m1);
  const auto b = testing::two_path_burst(interpreted, m2);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[0].size() + a[1].size(), 7u);

  // Without a name the program's SCHEDULER header names it.
  EXPECT_EQ(compiled.load_scheduler_so("", so).name, "minrtt");
}

TEST(AotLoad, LibrariesThatDoNotFitAreRefused) {
  TempSo tmp;
  ModelTransport model;
  Runtime rt(model);
  model.attach(rt);

  LoadResult r = rt.load_scheduler_so("x", (tmp.dir / "missing.so").string());
  EXPECT_EQ(r.status, Status::BadAbi);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics.front().message.find("cannot load"), std::string::npos);

  const std::string two = tmp.build("two.so", {"SCHEDULER a;\nRETURN;\n", "SCHEDULER b;\nRETURN;\n"});
  r = rt.load_scheduler_so("x", two);
  EXPECT_EQ(r.status, Status::BadAbi);
  EXPECT_NE(r.diagnostics.front().message.find("holds 2 programs"), std::string::npos);
  EXPECT_FALSE(rt.registry().find("x"));
}

}  // namespace
}  // namespace progmp::runtime

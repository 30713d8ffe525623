// `progmp compile` as a user runs it: a loadable shared object, --emit-cpp to a file and to stdout, and the exit
// statuses and messages of docs/cli.md for programs with errors, unreadable files and compiler failures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "progmp/exec/aot.hpp"
#ifdef PROGMP_HAVE_EBPF
#include "progmp/exec/ebpf.hpp"
#endif
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace progmp::test {
namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                       \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                              \
      << "expected to find: " << (needle) << "\nin:\n" << (haystack)

std::string minrtt() { return std::string(PROGMP_SOURCE_DIR) + "/schedulers/minrtt.progmp"; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(CompileCommand, BuildsALoadableSharedObject) {
  TempDir dir;
  const std::string out = (dir.path() / "minrtt.so").string();
  ProcessResult r = progmp({"compile", minrtt(), "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string error;
  auto exe = aot::load(out, slurp(minrtt()), error);
  ASSERT_TRUE(exe) << error;
  EXPECT_EQ(exe->engine_name(), "aot");
  // Loading it for another program is refused.
  EXPECT_FALSE(aot::load(out, "RETURN;", error));
  EXPECT_CONTAINS(error, "source hash mismatch");
}

TEST(CompileCommand, EmitsReadableCpp) {
  ProcessResult r = progmp({"compile", minrtt(), "--emit-cpp"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "extern \"C\" std::uint32_t progmp_run_0_minrtt(progmp_aot::Ctx* c)");
  EXPECT_CONTAINS(r.out, "PROGMP_STEP();");
  EXPECT_CONTAINS(r.out, "progmp_abi_version");

  TempDir dir;
  const std::string cpp = (dir.path() / "minrtt.cpp").string();
  r = progmp({"compile", minrtt(), "--emit-cpp", "-o", cpp});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_CONTAINS(slurp(cpp), "progmp_run_0_minrtt");
}

TEST(CompileCommand, TargetCppEqualsEmitCpp) {
  ProcessResult a = progmp({"compile", minrtt(), "--emit-cpp"});
  ProcessResult b = progmp({"compile", minrtt(), "--target=cpp"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, b.out);

  // For static linking: internal entry function, one exported accessor (tests/runtime/static_scheduler_test.cpp
  // links two such files into one binary).
  ProcessResult c = progmp({"compile", minrtt(), "--target", "static-cpp"});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_CONTAINS(c.out, "static std::uint32_t progmp_run_0_minrtt(progmp_aot::Ctx* c)");
  EXPECT_CONTAINS(c.out, "extern \"C\" const progmp_compiled* progmp_static_minrtt()");
  EXPECT_EQ(c.out.find("progmp_abi_version ="), std::string::npos);
}

// --specialise N: a template over the number of subflows, instantiated for 1..N, and an entry function that
// picks the variant per execution (the generic one, <0>, for other counts). The library it builds loads and runs.
TEST(CompileCommand, SpecialisesOnTheNumberOfSubflows) {
  ProcessResult plain = progmp({"compile", minrtt(), "--target=cpp"});
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(plain.out.find("template <std::uint64_t kSubflows>"), std::string::npos);

  ProcessResult r = progmp({"compile", minrtt(), "--target=cpp", "--specialise", "3"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "template <std::uint64_t kSubflows>\nstatic std::uint32_t progmp_run_0_minrtt_n(");
  EXPECT_CONTAINS(r.out, "const std::uint64_t n_sf = kSubflows != 0 ? kSubflows : c->n_subflows;");
  EXPECT_CONTAINS(r.out, "    case 1: return progmp_run_0_minrtt_n<1>(c);\n"
                         "    case 2: return progmp_run_0_minrtt_n<2>(c);\n"
                         "    case 3: return progmp_run_0_minrtt_n<3>(c);\n"
                         "    default: return progmp_run_0_minrtt_n<0>(c);\n");
  EXPECT_EQ(r.out.find("case 4:"), std::string::npos);

  TempDir dir;
  const std::string out = (dir.path() / "minrtt.so").string();
  r = progmp({"compile", minrtt(), "--specialise", "8", "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string error;
  EXPECT_TRUE(aot::load(out, slurp(minrtt()), error)) << error;

  r = progmp({"compile", minrtt(), "--specialise", "99"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--specialise");
}

#ifdef PROGMP_HAVE_EBPF
// --target=ebpf: assembly on stdout, the verifier's verdict on stderr (runtime.md §7; docs/engines.md).
TEST(CompileCommand, TargetEbpfPrintsAssemblyAndTheVerdict) {
  ProcessResult r = progmp({"compile", minrtt(), "--target=ebpf"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_CONTAINS(r.out, "r9 = &arena");  // the arena base register
  EXPECT_CONTAINS(r.out, "may_goto");     // every list walk carries the kernel's loop budget
  EXPECT_CONTAINS(r.out, "exit");
  std::string why;
  if (ebpf::available(why)) {
    EXPECT_CONTAINS(r.err, "verifier: accepted (");
    EXPECT_CONTAINS(r.err, "processed ");
  } else {
    EXPECT_CONTAINS(r.err, "verifier: not run (");
  }

  TempDir dir;
  const std::string out = (dir.path() / "minrtt.bpf.txt").string();
  r = progmp({"compile", minrtt(), "--target", "ebpf", "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_CONTAINS(slurp(out), "may_goto");
}
#endif

TEST(CompileCommand, BadInputAndCompilerFailure) {
  TempDir dir;
  const std::string bad = dir.write("bad.progmp", "VAR x = ;\n");
  ProcessResult r = progmp({"compile", bad, "-o", bad + ".so"});
  EXPECT_EQ(r.status, 1);
  EXPECT_CONTAINS(r.err, "error[E0102]");
  EXPECT_FALSE(std::filesystem::exists(bad + ".so"));

  r = progmp({"compile", (dir.path() / "missing.progmp").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "cannot read");

  r = progmp({"compile", minrtt(), "--cxx", "false", "-o", bad + ".so"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "progmp compile: the C++ compiler (false) failed");

  r = progmp({"compile", minrtt(), "--target=bpf"});
  EXPECT_EQ(r.status, 2);
  EXPECT_CONTAINS(r.err, "--target: bpf not in {so,cpp,static-cpp,ebpf}");

  r = progmp({"compile", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_CONTAINS(r.out, "--emit-cpp");
}

}  // namespace
}  // namespace progmp::test

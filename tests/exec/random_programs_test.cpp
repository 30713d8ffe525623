// Random valid programs × random views on the interpreter: every generated program compiles, no execution crashes
// (ASan/UBSan in CI), every effect names a subflow or packet of the view, aborts happen exactly when the step
// count exceeds the allowance, and the same inputs give the same effects, steps and registers.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "support/program_gen.hpp"
#include "random_view.hpp"
#include "view_builder.hpp"

namespace progmp::testing {
namespace {

TEST(RandomPrograms, CompileRunAndStayWithinTheView) {
  const int kPrograms = 300;
  int aborted = 0, with_effects = 0;
  for (int seed = 1; seed <= kPrograms; ++seed) {
    ProgramGen gen(static_cast<std::uint64_t>(seed));
    const std::string src = gen.program(6 + seed % 10);
    auto module = compile_ok(src);
    ASSERT_TRUE(module) << "seed " << seed << ":\n" << src;
    auto exe = interp::make_executable(module);
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919);
    for (int v = 0; v < 5; ++v) {
      const ViewBuilder vb = random_view(rng);
      const SchedulerView view = vb.view();
      std::set<const PacketMeta*> known;
      for (const auto& p : vb.packets) known.insert(&p);

      ExecState a, b;
      a.rng = b.rng = static_cast<std::uint64_t>(seed);
      a.allowance = b.allowance = (v == 4) ? 20 : 1'000'000;  // one tight allowance per program
      ExecScratch sa, sb;
      EffectLog la, lb;
      exe->prepare(view, sa);
      exe->prepare(view, sb);
      la.reserve(64);
      lb.reserve(64);
      a.scratch = &sa;
      b.scratch = &sb;
      const ExecResult ra = exe->run(view, a, la);
      const ExecResult rb = exe->run(view, b, lb);

      ASSERT_EQ(ra.end, rb.end) << src;
      ASSERT_EQ(ra.steps, rb.steps) << src;
      ASSERT_EQ(a.registers, b.registers) << src;
      ASSERT_EQ(a.rng, b.rng) << src;
      ASSERT_EQ(actions(la, vb), actions(lb, vb)) << src;
      if (ra.end == EndCause::StepLimit) {
        ++aborted;
        EXPECT_EQ(ra.steps, a.allowance + 1) << src;
      } else {
        EXPECT_LE(ra.steps, a.allowance) << src;
      }
      if (!la.entries().empty()) ++with_effects;
      for (const Effect& e : la.entries()) {
        if (e.kind == EffectKind::Push || e.kind == EffectKind::SetUser) {
          ASSERT_LT(e.subflow, view.subflows.size()) << src;
        }
        if (e.kind == EffectKind::Push || e.kind == EffectKind::Drop || e.kind == EffectKind::Pop) {
          ASSERT_TRUE(known.count(e.packet)) << src;
        }
      }
    }
  }
  // The generator must exercise both outcomes, or the test proves little.
  EXPECT_GT(aborted, 0);
  EXPECT_GT(with_effects, kPrograms / 4);
}

}  // namespace
}  // namespace progmp::testing

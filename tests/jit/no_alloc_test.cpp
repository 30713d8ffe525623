// A JIT execution allocates nothing (runtime.md §10.2): global operator new is replaced in this test binary by a
// counting version (support/counting_new.hpp), and executions over prepared scratch and a reserved effect log must leave the counter unchanged.
// Compilation (which allocates freely) happens before the counted region.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "exec/view_builder.hpp"
#include "progmp/exec/jit.hpp"
#include "support/counting_new.hpp"

namespace progmp::testing {
namespace {

TEST(JitNoAllocation, ExecutionsOverPreparedScratchDoNotAllocate) {
  const char* programs[] = {
      // minimum RTT with reinjection, snapshots, lambdas, POP, PUSH
      R"(VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY);
         IF (ready.EMPTY) { RETURN; }
         VAR lost = RQ.TOP;
         IF (lost != NULL) {
           VAR alt = ready.FILTER(f => !lost.SENT_ON(f)).MIN(f => f.RTT);
           IF (alt != NULL) { alt.PUSH(RQ.POP()); RETURN; }
         }
         ready.MIN(f => f.RTT).PUSH(Q.POP());)",
      // redundant: FOREACH snapshots, PRINT of a list and of scalars, SET_USER, RANDOM, DROP
      R"(VAR p = Q.POP();
         FOREACH (VAR s IN SUBFLOWS) { s.PUSH(p); s.SET_USER(RANDOM % 7); PRINT("s %s", s); }
         PRINT("subflows %s", SUBFLOWS.FILTER(s => s.RTT > 0));
         FOREACH (VAR x IN QU.FILTER(x => x.SEQ >= 0)) { VOID(x.SENT_ON_ALL); }
         SET(R1, QU.SUM(x => x.LENGTH));
         DROP(RQ.POP());)",
      // more effects than the JIT's effect buffer holds
      R"(FOREACH (VAR p IN Q) { SUBFLOWS.GET(0).PUSH(p); DROP(p); }
         FOREACH (VAR s IN SUBFLOWS) { s.PUSH(QU.POP()); })",
  };
  ViewBuilder vb;
  for (int i = 1; i <= 4; ++i) vb.subflow(i, 10000 * i);
  for (int i = 0; i < 64; ++i) vb.sent(i * 1400, {i % 4});
  for (int i = 64; i < 128; ++i) vb.unsent(i * 1400);
  vb.reinject(*vb.qu[3]);
  const SchedulerView view = vb.view();

  for (const char* src : programs) {
    std::string error;
    auto exe = jit::compile(compile_ok(src), error);
    ASSERT_TRUE(exe) << error;
    ASSERT_EQ(exe->engine_name(), "jit");
    ExecScratch scratch;
    EffectLog log;
    ExecState state;
    state.scratch = &scratch;
    exe->prepare(view, scratch);
    log.reserve(view.q.size() + view.qu.size() + view.rq.size());
    const std::uint64_t before = progmp::testing::thread_allocations();
    for (int k = 0; k < 100; ++k) {
      log.clear();
      const ExecResult r = exe->run(view, state, log);
      ASSERT_NE(r.end, EndCause::StepLimit);
      ASSERT_FALSE(log.entries().empty());
    }
    EXPECT_EQ(progmp::testing::thread_allocations() - before, 0u) << src;
  }
}

}  // namespace
}  // namespace progmp::testing

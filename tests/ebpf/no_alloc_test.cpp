// An eBPF execution allocates nothing (runtime.md §10.2): global operator new is replaced in this test binary by a
// counting version (support/counting_new.hpp), and executions (encode, BPF_PROG_TEST_RUN, decode into a reserved log) must leave the counter
// unchanged.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <random>

#include "exec/random_view.hpp"
#include "exec/view_builder.hpp"
#include "progmp/exec/ebpf.hpp"
#include "support/counting_new.hpp"

namespace progmp::testing {
namespace {

TEST(EbpfNoAllocation, ExecutionsDoNotAllocate) {
  std::string why;
  if (!ebpf::available(why)) GTEST_SKIP() << "eBPF unavailable: " << why;
  const char* programs[] = {
      R"(SCHEDULER a;
         VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY);
         IF (ready.EMPTY) { RETURN; }
         VAR lost = RQ.TOP;
         IF (lost != NULL) {
           VAR alt = ready.FILTER(f => !lost.SENT_ON(f)).MIN(f => f.RTT);
           IF (alt != NULL) { alt.PUSH(RQ.POP()); RETURN; }
         }
         ready.MIN(f => f.RTT).PUSH(Q.POP());)",
      R"(SCHEDULER b;
         VAR p = Q.POP();
         FOREACH (VAR s IN SUBFLOWS) { s.PUSH(p); s.SET_USER(RANDOM % 7); }
         PRINT("%s", QU.FILTER(x => x.LENGTH > 10));
         PRINT("%d", Q.COUNT);
         SET(R1, R1 + 1);)",
  };
  std::mt19937_64 rng(5);
  for (const char* src : programs) {
    auto m = compile_ok(src);
    ASSERT_TRUE(m) << src;
    std::string error;
    auto exe = ebpf::load(m, error);
    ASSERT_TRUE(exe) << error;
    for (int v = 0; v < 20; ++v) {
      const ViewBuilder vb = random_view(rng, v % 2 == 1);
      const SchedulerView view = vb.view();
      ExecScratch scratch;
      exe->prepare(view, scratch);
      EffectLog log;
      log.reserve(view.q.size() + view.qu.size() + view.rq.size());
      ExecState st;
      st.scratch = &scratch;
      const std::uint64_t before = progmp::testing::thread_allocations();
      for (int r = 0; r < 3; ++r) {
        log.clear();
        const ExecResult res = exe->run(view, st, log);
        EXPECT_NE(res.end, EndCause::Unsupported);
      }
      EXPECT_EQ(progmp::testing::thread_allocations(), before) << src;
    }
  }
}

}  // namespace
}  // namespace progmp::testing

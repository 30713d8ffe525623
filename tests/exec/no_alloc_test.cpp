// An execution allocates nothing (runtime.md §10.2): global operator new is replaced in this test binary by a
// counting version (support/counting_new.hpp), and executions over prepared scratch must leave the counter unchanged.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "progmp/exec/aot.hpp"
#include "view_builder.hpp"
#include "support/counting_new.hpp"

namespace progmp::testing {
namespace {

// Interpreter and AOT engine.
TEST(NoAllocation, ExecutionsOverPreparedScratchDoNotAllocate) {
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
      // redundant: FOREACH snapshots, PRINT of a list, SET_USER, RANDOM
      R"(VAR p = Q.POP();
         FOREACH (VAR s IN SUBFLOWS) { s.PUSH(p); s.SET_USER(RANDOM % 7); }
         PRINT("subflows %s", SUBFLOWS.FILTER(s => s.RTT > 0));
         FOREACH (VAR x IN QU.FILTER(x => x.SEQ >= 0)) { VOID(x.SENT_ON_ALL); }
         SET(R1, QU.SUM(x => x.LENGTH));)",
  };
  ViewBuilder vb;
  for (int i = 1; i <= 4; ++i) vb.subflow(i, 10000 * i);
  for (int i = 0; i < 64; ++i) vb.sent(i * 1400, {i % 4});
  for (int i = 64; i < 128; ++i) vb.unsent(i * 1400);
  vb.reinject(*vb.qu[3]);
  const SchedulerView view = vb.view();

  // The same programs on the AOT engine (one shared object for both, compiled once).
  aot::SourceBuilder builder;
  for (const char* src : programs) builder.add(*compile_ok(src), src);
  const std::string so = (std::filesystem::temp_directory_path() /
                          ("progmp-noalloc-" + std::to_string(::getpid()) + ".so")).string();
  std::string error;
  ASSERT_TRUE(aot::compile_shared_object(builder.finish(), so, error)) << error;
  auto lib = aot::Library::open(so, error);
  std::filesystem::remove(so);  // stays mapped
  ASSERT_TRUE(lib) << error;

  std::vector<std::unique_ptr<Executable>> engines;
  for (const char* src : programs) {
    engines.push_back(interp::make_executable(compile_ok(src)));
    engines.push_back(aot::make_executable(lib, static_cast<std::size_t>(lib->find(src))));
  }
  for (std::size_t e = 0; e < engines.size(); ++e) {
    const char* src = programs[e / 2];
    Executable* exe = engines[e].get();
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
    EXPECT_EQ(progmp::testing::thread_allocations() - before, 0u) << exe->engine_name() << ": " << src;
  }
}

// A profiling run (ExecState::instr_counts) counts into the caller's table and allocates nothing either.
TEST(NoAllocation, ProfiledInterpreterExecutionsDoNotAllocate) {
  const char* src = R"(VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT);
                       FOREACH (VAR p IN Q.FILTER(p => p.SEQ >= 0)) { ready.MIN(f => f.RTT).PUSH(p); }
                       IF (ready.EMPTY) { RETURN; })";
  ViewBuilder vb;
  for (int i = 1; i <= 2; ++i) vb.subflow(i, 10000 * i);
  for (int i = 0; i < 8; ++i) vb.unsent(i * 1400);
  const SchedulerView view = vb.view();
  const auto module = compile_ok(src);
  auto exe = interp::make_executable(module);
  std::vector<std::uint64_t> counts(module->code.size(), 0);
  ExecScratch scratch;
  EffectLog log;
  ExecState state;
  state.scratch = &scratch;
  state.instr_counts = counts;
  exe->prepare(view, scratch);
  log.reserve(view.q.size() + view.qu.size() + view.rq.size());
  const std::uint64_t before = progmp::testing::thread_allocations();
  for (int k = 0; k < 100; ++k) {
    log.clear();
    ASSERT_EQ(exe->run(view, state, log).end, EndCause::End);
  }
  EXPECT_EQ(progmp::testing::thread_allocations() - before, 0u);
  EXPECT_EQ(counts[0], 100u);
}

}  // namespace
}  // namespace progmp::testing

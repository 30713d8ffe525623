// runtime.md §10.2: an execution allocates nothing, and neither does the rest of a round (settling, applying,
// statistics) in steady state. Global operator new is replaced in this test binary by a counting version
// (support/counting_new.hpp); the count is taken around the calls under test, on the calling thread (the default
// engine compiles in the background; that compilation is not part of a round).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "harness.hpp"
#include "progmp/runtime/builtin.hpp"
#include "support/counting_new.hpp"

namespace progmp::runtime {
namespace {

// Counts allocations made while `fn` runs.
template <class Fn>
std::uint64_t allocations_during(Fn&& fn) {
  const std::uint64_t before = progmp::testing::thread_allocations();
  fn();
  return progmp::testing::thread_allocations() - before;
}

// A transport with fixed storage: enqueue and the queries never allocate, so every allocation counted during a
// round is the runtime's. Between rounds the test "transmits and acknowledges" by clearing the queued counts.
class FixedTransport final : public Transport {
 public:
  static constexpr int kSubflows = 2;
  EnqueueResult enqueue(ConnId, SubflowId s, const PacketMeta&) override {
    ++queued[s - 1];
    ++copies;
    return EnqueueResult::Queued;
  }
  void arm_timer(ConnId, std::int64_t) override {}
  void cancel_timer(ConnId) override {}
  std::int64_t now_us(ConnId) override { return now; }
  void subflow_values(ConnId, SubflowId s, SubflowValues& out) override {
    out = SubflowValues{};
    out.srtt_us = 10000 * s;
    out.cwnd = 10;
    out.queued = queued[s - 1];
  }
  std::int64_t window_end(ConnId) override { return kUnlimitedWindow; }
  std::int64_t mss(ConnId) override { return 1400; }

  std::int64_t queued[kSubflows] = {};
  std::int64_t now = 0;
  std::uint64_t copies = 0;
};

void drive(Runtime& rt, FixedTransport& tr, std::uint64_t& max_round_allocs, int measured_rounds) {
  ASSERT_EQ(rt.open_connection(1), Status::Ok);
  for (SubflowId id = 1; id <= FixedTransport::kSubflows; ++id) {
    rt.on_subflow_created(1, id);
    rt.on_subflow_up(1, id);
  }
  rt.send(1, 2000 * 1400);  // Q holds 2000 packets; this round is the warm-up (buffers grow here)
  std::int64_t acked = 0;
  for (int round = 0; round < measured_rounds + 3; ++round) {
    // Between rounds: the copies went out and were acknowledged.
    tr.queued[0] = tr.queued[1] = 0;
    tr.now += 1000;
    acked += 10 * 1400;
    rt.on_data_ack(1, acked);
    rt.on_subflow_ack(1, 1, 14000, true);
    std::optional<RoundSummary> s;
    const std::uint64_t n = allocations_during([&] { s = rt.poll(1); });
    ASSERT_TRUE(s.has_value());
    ASSERT_EQ(s->pushes, 20u);  // a real round: both windows filled
    if (round >= 3) max_round_allocs = std::max(max_round_allocs, n);
  }
}

TEST(NoAllocation, RoundsWithTheRealInterpreterAllocateNothing) {
  FixedTransport tr;
  Runtime rt(tr);  // builtin_minrtt compiled by the real toolchain
  rt.set_log({});
  std::uint64_t worst = 0;
  drive(rt, tr, worst, 20);
  EXPECT_EQ(worst, 0u);
}

TEST(NoAllocation, ALibrarySchedulerAllocatesNothing) {
  FixedTransport tr;
  Runtime rt(tr);
  rt.set_log({});
  // Round robin with registers, list variables and FILTER chains (language.md §16.2).
  LoadResult r = rt.load_scheduler("rr", R"(
VAR ready = SUBFLOWS.FILTER(f => f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED AND !f.LOSSY AND !f.THROTTLED);
IF (ready.EMPTY) { RETURN; }
IF (!RQ.EMPTY) {
  VAR r = ready.FILTER(f => !RQ.TOP.SENT_ON(f)).GET(0);
  IF (r != NULL) { r.PUSH(RQ.POP()); RETURN; }
}
IF (Q.EMPTY) { RETURN; }
VAR later = ready.FILTER(f => f.ID > R1);
IF (later.EMPTY) {
  VAR first = ready.GET(0);
  first.PUSH(Q.POP());
  SET(R1, first.ID);
} ELSE {
  VAR turn = later.GET(0);
  turn.PUSH(Q.POP());
  SET(R1, turn.ID);
}
FOREACH (VAR p IN QU.FILTER(p => p.SEQ < 0)) { VOID(p.SEQ); }
)");
  ASSERT_EQ(r.status, Status::Ok);
  rt.set_default_scheduler("rr");
  std::uint64_t worst = 0;
  drive(rt, tr, worst, 20);
  EXPECT_EQ(worst, 0u);
}

// Every engine this build has: the machine-code engines allocate nothing per round either (their code and scratch
// are built on first use, in the warm-up round).
TEST(NoAllocation, EveryEngineAllocatesNothingInSteadyState) {
  for (const char* engine : {"interp", "jit", "ebpf"}) {
    EngineChoice choice;
    if (!parse_engine(engine, choice)) continue;  // not built in this configuration
    SCOPED_TRACE(engine);
    FixedTransport tr;
    Runtime rt(tr);
    rt.set_log({});
    ASSERT_EQ(rt.set_default_engine(engine), Status::Ok);
    std::uint64_t worst = 0;
    drive(rt, tr, worst, 20);
    EXPECT_EQ(worst, 0u);
  }
}

// Profiling (docs/profiling.md) counts into tables sized when the program was loaded: no allocation either.
TEST(NoAllocation, ProfiledRoundsAllocateNothing) {
  FixedTransport tr;
  Runtime rt(tr);
  rt.set_log({});
  rt.set_profiling(true);
  std::uint64_t worst = 0;
  drive(rt, tr, worst, 20);
  EXPECT_EQ(worst, 0u);
  {
    ProgramProfile p;
    ASSERT_EQ(rt.profile("builtin_minrtt", std::nullopt, p), Status::Ok);
    EXPECT_GT(p.executions, 0u);
  }
}

TEST(NoAllocation, ScriptedEngineRoundsAllocateNothing) {
  FixedTransport tr;
  testing::FakePrograms fake;
  Runtime rt(tr, RuntimeConfig{}, fake.compiler());
  rt.set_log({});
  std::uint64_t worst = 0;
  drive(rt, tr, worst, 20);
  EXPECT_EQ(worst, 0u);
}

TEST(NoAllocation, TheCounterSeesAllocations) {
  const std::uint64_t n = allocations_during([] {
    auto* p = new std::vector<int>(100);
    delete p;
  });
  EXPECT_EQ(n, 2u);
}

}  // namespace
}  // namespace progmp::runtime

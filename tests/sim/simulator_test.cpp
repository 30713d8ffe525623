// Event queue: ordering by (time, insertion sequence), cancel, run_until semantics.
#include "progmp/sim/simulator.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace progmp::sim {
namespace {
using namespace progmp::literals;

struct Recorder : EventHandler {
  std::vector<std::pair<std::int64_t, std::uint64_t>> seen;
  void on_event(Simulator& sim, std::uint64_t tag) override { seen.emplace_back(sim.now().ns_since_epoch(), tag); }
};

TEST(Simulator, OrdersByTimeThenInsertion) {
  Simulator sim;
  Recorder r;
  sim.schedule_at(Instant::epoch() + 5_ms, r, 1);
  sim.schedule_at(Instant::epoch() + 1_ms, r, 2);
  sim.schedule_at(Instant::epoch() + 5_ms, r, 3);  // tie with tag 1: inserted later, runs later
  sim.schedule_at(Instant::epoch() + 1_ms, r, 4);
  EXPECT_EQ(sim.run_until_idle(), 4u);
  const std::vector<std::pair<std::int64_t, std::uint64_t>> want = {
      {1'000'000, 2}, {1'000'000, 4}, {5'000'000, 1}, {5'000'000, 3}};
  EXPECT_EQ(r.seen, want);
  EXPECT_EQ(sim.events_processed(), 4u);
  EXPECT_EQ(sim.now(), Instant::epoch() + 5_ms);
}

TEST(Simulator, CancelSkipsEventAndIsIdempotent) {
  Simulator sim;
  Recorder r;
  sim.schedule_in(1_ms, r, 1);
  EventId id = sim.schedule_in(2_ms, r, 2);
  sim.schedule_in(3_ms, r, 3);
  EXPECT_EQ(sim.pending(), 3u);
  EXPECT_TRUE(sim.cancel(id));
  EXPECT_FALSE(sim.cancel(id));
  EXPECT_FALSE(sim.cancel(EventId{}));
  EXPECT_EQ(sim.pending(), 2u);
  // A new event reuses the cancelled slot; the stale heap entry must not fire it early.
  sim.schedule_in(4_ms, r, 4);
  sim.run_until_idle();
  ASSERT_EQ(r.seen.size(), 3u);
  EXPECT_EQ(r.seen[0].second, 1u);
  EXPECT_EQ(r.seen[1].second, 3u);
  EXPECT_EQ(r.seen[2], (std::pair<std::int64_t, std::uint64_t>{4'000'000, 4}));
}

TEST(Simulator, CancelAfterFiringFails) {
  Simulator sim;
  Recorder r;
  EventId id = sim.schedule_in(1_ms, r, 1);
  sim.run_until_idle();
  EXPECT_FALSE(sim.cancel(id));
}

TEST(Simulator, RunUntilStopsAtBoundaryInclusive) {
  Simulator sim;
  Recorder r;
  sim.schedule_at(Instant::epoch() + 10_ms, r, 1);
  sim.schedule_at(Instant::epoch() + 11_ms, r, 2);
  sim.run_until(Instant::epoch() + 10_ms);
  EXPECT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(sim.now(), Instant::epoch() + 10_ms);
  sim.run_until(Instant::epoch() + 20_ms);
  EXPECT_EQ(r.seen.size(), 2u);
  EXPECT_EQ(sim.now(), Instant::epoch() + 20_ms);  // advances to t even without events
}

struct Rescheduler : EventHandler {
  int remaining = 3;
  void on_event(Simulator& sim, std::uint64_t) override {
    if (--remaining > 0) sim.schedule_in(1_ms, *this);
  }
};

TEST(Simulator, HandlerCanRescheduleItself) {
  Simulator sim;
  Rescheduler h;
  sim.schedule_in(1_ms, h);
  EXPECT_EQ(sim.run_until_idle(), 3u);
  EXPECT_EQ(sim.now(), Instant::epoch() + 3_ms);
}

TEST(Simulator, IndependentInstances) {
  Simulator a, b;
  Recorder r;
  a.schedule_in(1_ms, r, 1);
  EXPECT_EQ(b.pending(), 0u);
  EXPECT_FALSE(b.step());
  EXPECT_TRUE(a.step());
}

}  // namespace
}  // namespace progmp::sim

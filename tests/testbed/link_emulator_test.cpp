// The link emulator's decisions in virtual time (no kernel, no root): when each packet is released, which are
// dropped, and that every packet gets exactly one verdict.
#include "progmp/testbed/link_emulator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace progmp::testbed {
namespace {

using transport::Duration;
using transport::Instant;

struct Recorded {
  std::uint32_t link;
  std::uint32_t packet;
  Verdict verdict;
  Instant at;
};

struct Recorder final : VerdictSink {
  void verdict(std::uint32_t link, std::uint32_t packet, Verdict v) override { seen.push_back({link, packet, v, now}); }
  std::vector<Recorded> seen;
  Instant now;
};

// Drives the emulator as its driver does: packets at their arrival times, and the timer at every deadline.
struct Harness {
  explicit Harness(std::vector<EmulatedLink> links, std::uint64_t seed = 1) : emulator(links, seed, out) {}
  void arrive(Instant at, std::uint32_t link, std::uint32_t id, std::uint32_t bytes) {
    run_until(at);
    out.now = at;
    emulator.packet(at, link, id, bytes);
  }
  void run_until(Instant t) {
    Instant next;
    while (emulator.next_deadline(next) && next <= t) {
      out.now = next;
      emulator.advance(next);
    }
    out.now = t;
    emulator.advance(t);
  }
  void drain() { run_until(Instant::from_nanos(1'000'000'000'000)); }
  // Every packet id 0..n-1 of `link` got exactly one verdict.
  void expect_one_verdict_each(std::uint32_t link, std::uint32_t n) const {
    std::map<std::uint32_t, int> count;
    for (const Recorded& r : out.seen)
      if (r.link == link) ++count[r.packet];
    ASSERT_EQ(count.size(), n);
    for (const auto& [id, c] : count) EXPECT_EQ(c, 1) << "packet " << id;
  }
  Recorder out;
  LinkEmulator emulator;
};

EmulatedLink link(double mbit, double delay_ms, std::uint64_t queue_pkts, double loss = 0) {
  EmulatedLink l;
  l.config.rate = transport::DataRate::bits_per_second(static_cast<std::uint64_t>(mbit * 1e6));
  l.config.delay = Duration::nanos(static_cast<std::int64_t>(delay_ms * 1e6));
  l.config.queue_pkts = queue_pkts;
  if (loss > 0) l.config.loss = sim::LossModel::bernoulli(loss);
  return l;
}

Instant ms(double v) { return Instant::from_nanos(static_cast<std::int64_t>(v * 1e6)); }

TEST(LinkEmulator, ReleasesEachPacketAfterItsSerialisationAndTheDelay) {
  // 8 Mbit/s: a 1000-byte packet takes 1 ms to serialise; then 10 ms of propagation.
  Harness h({link(8, 10, 100)});
  for (std::uint32_t id = 0; id < 10; ++id) h.arrive(ms(0), 0, id, 1000);
  h.drain();
  ASSERT_EQ(h.out.seen.size(), 10u);
  for (std::uint32_t k = 0; k < 10; ++k) {
    EXPECT_EQ(h.out.seen[k].packet, k);  // in order
    EXPECT_EQ(h.out.seen[k].verdict, Verdict::Accept);
    EXPECT_EQ(h.out.seen[k].at, ms(1.0 * (k + 1) + 10)) << k;
  }
}

TEST(LinkEmulator, AnIdleLinkOnlyDelays) {
  Harness h({link(8, 25, 100)});
  h.arrive(ms(100), 0, 7, 500);  // 0.5 ms to serialise
  h.drain();
  ASSERT_EQ(h.out.seen.size(), 1u);
  EXPECT_EQ(h.out.seen[0].at, ms(125.5));
}

TEST(LinkEmulator, AFullQueueDropsOnArrival) {
  Harness h({link(8, 10, 5)});
  for (std::uint32_t id = 0; id < 12; ++id) h.arrive(ms(0), 0, id, 1000);
  // Drops are decided at once, before any packet leaves.
  int dropped_at_once = 0;
  for (const Recorded& r : h.out.seen) {
    EXPECT_EQ(r.verdict, Verdict::Drop);
    EXPECT_EQ(r.at, ms(0));
    EXPECT_GE(r.packet, 5u);
    ++dropped_at_once;
  }
  EXPECT_EQ(dropped_at_once, 7);
  h.drain();
  h.expect_one_verdict_each(0, 12);
  EXPECT_EQ(h.emulator.counters(0).dropped_queue, 7u);
  EXPECT_EQ(h.emulator.counters(0).delivered_packets, 5u);
}

std::vector<std::uint32_t> lost_ids(std::uint64_t seed) {
  Harness h({link(100, 5, 1000, 0.3)}, seed);
  for (std::uint32_t id = 0; id < 2000; ++id) h.arrive(ms(id * 0.2), 0, id, 1200);
  h.drain();
  h.expect_one_verdict_each(0, 2000);
  std::vector<std::uint32_t> lost;
  for (const Recorded& r : h.out.seen)
    if (r.verdict == Verdict::Drop) lost.push_back(r.packet);
  return lost;
}

TEST(LinkEmulator, RandomLossFollowsTheSeed) {
  const auto a = lost_ids(1), b = lost_ids(1), c = lost_ids(2);
  EXPECT_NEAR(static_cast<double>(a.size()) / 2000.0, 0.3, 0.04);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(LinkEmulator, PathChangesCountFromTheEpoch) {
  EmulatedLink l = link(8, 10, 100);
  sim::LinkChange down, up, slower;
  down.at = ms(1000);
  down.up = false;
  up.at = ms(2000);
  up.up = true;
  slower.at = ms(2000);
  slower.rate = transport::DataRate::bits_per_second(4'000'000);
  l.changes = {down, up, slower};
  Harness h({l});
  // Before the epoch nothing changes: a packet at 1.5 s passes.
  h.arrive(ms(1500), 0, 0, 1000);
  h.emulator.start_changes(ms(3000));
  h.arrive(ms(3500), 0, 1, 1000);  // before the down (at 4 s)
  h.arrive(ms(4500), 0, 2, 1000);  // while down: dropped at once
  h.arrive(ms(5500), 0, 3, 1000);  // up again, at half the rate: 2 ms to serialise
  h.drain();
  ASSERT_EQ(h.out.seen.size(), 4u);
  EXPECT_EQ(h.out.seen[0].verdict, Verdict::Accept);
  EXPECT_EQ(h.out.seen[1].verdict, Verdict::Accept);
  EXPECT_EQ(h.out.seen[2].packet, 2u);
  EXPECT_EQ(h.out.seen[2].verdict, Verdict::Drop);
  EXPECT_EQ(h.out.seen[2].at, ms(4500));
  EXPECT_EQ(h.out.seen[3].verdict, Verdict::Accept);
  EXPECT_EQ(h.out.seen[3].at, ms(5500 + 2 + 10));
}

TEST(LinkEmulator, GoingDownDropsWhatIsQueuedButNotWhatIsPropagating) {
  EmulatedLink l = link(8, 50, 100);
  sim::LinkChange down;
  down.at = ms(5.5);
  down.up = false;
  l.changes = {down};
  Harness h({l});
  h.emulator.start_changes(ms(0));
  for (std::uint32_t id = 0; id < 10; ++id) h.arrive(ms(0), 0, id, 1000);
  h.drain();
  h.expect_one_verdict_each(0, 10);
  // Packets 0..4 finished serialising before 5.5 ms and propagate; 5 is being serialised (dropped when done), the
  // rest wait in the queue (dropped at the change).
  for (const Recorded& r : h.out.seen) EXPECT_EQ(r.verdict, r.packet < 5 ? Verdict::Accept : Verdict::Drop) << r.packet;
}

TEST(LinkEmulator, LinksAreIndependent) {
  Harness h({link(8, 10, 100), link(80, 1, 100)});
  h.arrive(ms(0), 0, 0, 1000);
  h.arrive(ms(0), 1, 0, 1000);
  h.drain();
  ASSERT_EQ(h.out.seen.size(), 2u);
  EXPECT_EQ(h.out.seen[0].link, 1u);
  EXPECT_EQ(h.out.seen[0].at, ms(1.1));
  EXPECT_EQ(h.out.seen[1].link, 0u);
  EXPECT_EQ(h.out.seen[1].at, ms(11));
}

}  // namespace
}  // namespace progmp::testbed

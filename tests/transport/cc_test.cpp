// Congestion control: the behaviour all four algorithms share (initial window, slow start, one reduction per window,
// persistent congestion, the minimum window), NewReno's AIMD, and the registry. Every expected number is worked out
// by hand in the comment next to it from the RFC formula, with MSS = 1000 B and RTT = 100 ms so that windows read
// directly in segments. CUBIC and the coupled algorithms have their own files.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "progmp/transport/cc/registry.hpp"
#include "progmp/transport/cc/reno.hpp"
#include "transport/cc_driver.hpp"

namespace progmp::transport::testing {
namespace {

std::unique_ptr<cc::Controller> make(const std::string& name) {
  std::string error;
  auto c = cc::make_controller(name, kMss, &error);
  EXPECT_NE(c, nullptr) << error;
  return c;
}

// The reduction factor β of each algorithm: RFC 5681 §3.1 (1/2, also LIA per RFC 6356 §3 and OLIA), RFC 9438 §4.6
// (0.7).
double beta_of(const std::string& name) { return name == "cubic" ? 0.7 : 0.5; }

class EveryAlgorithm : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Cc, EveryAlgorithm, ::testing::Values("reno", "cubic", "lia", "olia"),
                         [](const auto& info) { return info.param; });

TEST_P(EveryAlgorithm, StartsWithTenSegmentsInSlowStart) {
  auto c = make(GetParam());
  EXPECT_EQ(c->name(), GetParam());
  EXPECT_EQ(c->window(), 10000_B);  // RFC 6928: IW = 10·MSS
  EXPECT_EQ(c->ssthresh(), Bytes::max());
  EXPECT_TRUE(c->in_slow_start());
}

TEST_P(EveryAlgorithm, SlowStartDoublesPerRtt) {
  // RFC 5681 §3.1: cwnd += SMSS per ACK of one SMSS, so each RTT, which acknowledges one window, doubles it:
  // 10 → 20 → 40 → 80 → 160 segments.
  auto c = make(GetParam());
  Instant now = Instant::epoch() + kRtt;
  for (double expected : {20.0, 40.0, 80.0, 160.0}) {
    ack_round(*c, now);
    EXPECT_EQ(segments(c->window()), expected);
    EXPECT_TRUE(c->in_slow_start());
  }
}

TEST_P(EveryAlgorithm, OneReductionPerWindowOfData) {
  auto c = make(GetParam());
  const double beta = beta_of(GetParam());
  Instant now = Instant::epoch() + kRtt;
  ack_round(*c, now);
  ack_round(*c, now);  // 40 segments
  ASSERT_EQ(segments(c->window()), 40);

  const Instant reduction = now;
  c->on_congestion_event(reduction, sent_for(reduction), false, {});
  const Bytes after_first = c->window();
  EXPECT_DOUBLE_EQ(segments(after_first), 40 * beta);  // 20 (β = 1/2) or 28 (β = 0.7)
  EXPECT_FALSE(c->in_slow_start());

  // RFC 6582 §3.2: losses of packets sent before or at the reduction are part of the same congestion event.
  c->on_congestion_event(reduction + 1_ms, reduction - 1_ns, false, {});
  c->on_congestion_event(reduction + 2_ms, reduction, false, {});
  EXPECT_EQ(c->window(), after_first);
  // ... and their acknowledgements do not grow the reduced window either.
  c->on_ack(reduction + 3_ms, reduction - 1_ms, kMss, kRtt, {});
  EXPECT_EQ(c->window(), after_first);

  // A packet sent after the reduction starts a new event: 20 → 10 (β = 1/2), 28 → 19.6 → 19600 B (β = 0.7).
  c->on_congestion_event(reduction + 4_ms, reduction + 1_ns, false, {});
  EXPECT_EQ(c->window(), Bytes(static_cast<std::uint64_t>(40000 * beta * beta)));
}

TEST_P(EveryAlgorithm, PersistentCongestionCollapsesToOneSegment) {
  auto c = make(GetParam());
  const double beta = beta_of(GetParam());
  Instant now = Instant::epoch() + kRtt;
  ack_round(*c, now);  // 20 segments
  c->on_congestion_event(now, sent_for(now), true, {});
  // RFC 5681 §3.1: after a timeout cwnd = LW = 1·SMSS; ssthresh = β·20: 10 segments, or 14 for CUBIC (§4.8).
  EXPECT_EQ(c->window(), 1000_B);
  EXPECT_EQ(c->ssthresh(), Bytes(static_cast<std::uint64_t>(20000 * beta)));
  EXPECT_TRUE(c->in_slow_start());

  // A second timeout in the same epoch keeps ssthresh (RFC 5681 §3.1: "held constant").
  ack_segments(*c, now + kRtt, 1);  // 2 segments
  EXPECT_EQ(c->window(), 2000_B);
  c->on_congestion_event(now + kRtt + 1_ms, now - 1_ms, true, {});
  EXPECT_EQ(c->window(), 1000_B);
  EXPECT_EQ(c->ssthresh(), Bytes(static_cast<std::uint64_t>(20000 * beta)));
}

TEST_P(EveryAlgorithm, WindowNeverBelowTwoSegmentsAfterLoss) {
  auto c = make(GetParam());
  Instant now = Instant::epoch() + kRtt;
  // Ten losses, each a new event: 10 → 5 → 2.5 → ... segments, held at the RFC 5681 §3.1 floor of 2·SMSS.
  for (int i = 0; i < 10; ++i) {
    now += kRtt;
    c->on_congestion_event(now, now - 1_ns, false, {});
    EXPECT_GE(c->window(), 2000_B);
    EXPECT_GE(c->ssthresh(), 2000_B);
  }
  EXPECT_EQ(c->window(), 2000_B);
}

TEST_P(EveryAlgorithm, SlowStartStopsAtSsthresh) {
  auto c = make(GetParam());
  const double beta = beta_of(GetParam());
  Instant now = Instant::epoch() + kRtt;
  ack_round(*c, now);  // 20 segments
  c->on_congestion_event(now, sent_for(now), true, {});  // cwnd 1, ssthresh 10 (β 1/2) or 14 (β 0.7)
  now += kRtt;
  const double ssthresh = 20 * beta;
  // Slow start takes cwnd from 1 to ssthresh in ssthresh − 1 one-segment ACKs; it never overshoots (the RFC 3465
  // leftover goes to congestion avoidance, where one ACK adds well under one segment).
  ack_segments(*c, now, static_cast<std::uint64_t>(ssthresh) - 1);
  EXPECT_EQ(segments(c->window()), ssthresh);
  EXPECT_FALSE(c->in_slow_start());
  ack_segments(*c, now, 1);
  EXPECT_LT(segments(c->window()), ssthresh + 1);
}

TEST(Reno, HalvesOnLossAndAddsOneSegmentPerRtt) {
  cc::NewReno c(kMss);
  Instant now = Instant::epoch() + kRtt;
  ack_round(c, now);
  ack_round(c, now);  // 40 segments
  c.on_congestion_event(now, sent_for(now), false, {});
  // RFC 5681 §3.1 eq. 4: ssthresh = 40/2 = 20 segments, cwnd = ssthresh.
  EXPECT_EQ(c.window(), 20000_B);
  EXPECT_EQ(c.ssthresh(), 20000_B);
  now += kRtt;
  // RFC 3465 §2.1: one SMSS per cwnd bytes acknowledged, i.e. exactly one segment per round: 21 ... 25.
  for (double expected : {21.0, 22.0, 23.0, 24.0, 25.0}) {
    ack_round(c, now);
    EXPECT_EQ(segments(c.window()), expected);
  }
  // The next loss halves again: 25 → 12.5 segments = 12500 B.
  c.on_congestion_event(now, sent_for(now), false, {});
  EXPECT_EQ(c.window(), 12500_B);
  EXPECT_EQ(c.ssthresh(), 12500_B);
}

TEST(Reno, ByteCountingIgnoresAckSize) {
  // RFC 3465: growth depends on bytes acknowledged, not on the number of ACKs. In congestion avoidance at 20
  // segments, 20000 B acknowledged as 40 half-size ACKs or as 20 full ones both add exactly one segment.
  for (int split : {1, 2}) {
    cc::NewReno c(kMss);
    Instant now = Instant::epoch() + kRtt;
    enter_avoidance_at(c, now, 20000_B);
    for (int i = 0; i < 20 * split; ++i) c.on_ack(now, sent_for(now), Bytes(1000 / split), kRtt, {});
    EXPECT_EQ(c.window(), 21000_B) << "split " << split;
  }
}

TEST(Registry, ListsTheFourAlgorithms) {
  const auto names = cc::controller_names();
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "reno");
  EXPECT_EQ(names[1], "cubic");
  EXPECT_EQ(names[2], "lia");
  EXPECT_EQ(names[3], "olia");
  EXPECT_EQ(cc::kDefaultController, "lia");
  for (std::string_view n : names) {
    auto c = cc::make_controller(n, kMss);
    ASSERT_NE(c, nullptr) << n;
    EXPECT_EQ(c->name(), n);
  }
}

TEST(Registry, UnknownNameIsAnErrorNamingTheKnownOnes) {
  std::string error;
  EXPECT_EQ(cc::make_controller("bbr", kMss, &error), nullptr);
  EXPECT_EQ(error, "unknown congestion controller 'bbr' (known: reno, cubic, lia, olia)");
  error.clear();
  EXPECT_EQ(cc::make_controller("Reno", kMss, &error), nullptr);  // names are exact
  EXPECT_NE(error.find("'Reno'"), std::string::npos);
  EXPECT_EQ(cc::make_controller("", kMss, &error), nullptr);
  EXPECT_EQ(cc::make_controller("bbr", kMss), nullptr);  // no error sink: still just nullptr
}

TEST(Registry, ZeroMssIsAnError) {
  std::string error;
  EXPECT_EQ(cc::make_controller("reno", 0_B, &error), nullptr);
  EXPECT_EQ(error, "congestion controller needs an MSS of at least 1 byte");
}

TEST(Registry, ErrorUntouchedOnSuccess) {
  std::string error = "previous";
  EXPECT_NE(cc::make_controller("olia", 1400_B, &error), nullptr);
  EXPECT_EQ(error, "previous");
  EXPECT_EQ(cc::make_controller("olia", 1400_B)->window(), 14000_B);  // 10 · 1400
}

}  // namespace
}  // namespace progmp::transport::testing

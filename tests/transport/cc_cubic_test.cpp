// CUBIC (RFC 9438): the constants, K and W_cubic(t) at hand-computed points, the β = 0.7 reduction, the growth of
// a window-limited flow along the curve, the Reno-friendly region, fast convergence and the start after a
// timeout. MSS = 1000 B, RTT = 100 ms; windows in segments. Hand arithmetic (C = 0.4):
//   K(W_max = 100, cwnd_epoch = 70) = ∛(30 / 0.4) = ∛75 = 4.21716 s
//   W_cubic(t) = 0.4·(t − 4.21716)³ + 100:
//     t = 0: 0.4·(−75) + 100 = 70          t = 1: 0.4·(−3.21716)³ + 100 = 0.4·(−33.2980) + 100 = 86.681
//     t = 2: 0.4·(−2.21716)³ + 100 = 95.640  t = 5: 0.4·(0.78284)³ + 100 = 100.192   t = K: 100
#include <gtest/gtest.h>

#include <cmath>

#include "progmp/transport/cc/cubic.hpp"
#include "transport/cc_driver.hpp"

namespace progmp::transport::testing {
namespace {

TEST(Cubic, Constants) {
  EXPECT_DOUBLE_EQ(cc::Cubic::kC, 0.4);
  EXPECT_DOUBLE_EQ(cc::Cubic::kBeta, 0.7);
  // RFC 9438 §4.3: α_cubic = 3·(1 − 0.7)/(1 + 0.7) = 0.9/1.7 = 0.529412
  EXPECT_NEAR(cc::Cubic::kAlphaReno, 0.529412, 1e-6);
}

TEST(Cubic, KFormula) {
  EXPECT_NEAR(cc::cubic_k(100, 70), 4.217163, 1e-6);  // ∛75
  EXPECT_NEAR(cc::cubic_k(10, 7), 1.957434, 1e-6);    // ∛(3/0.4) = ∛7.5
  EXPECT_NEAR(cc::cubic_k(20, 16.6), 2.040828, 1e-6);  // ∛(3.4/0.4) = ∛8.5
  EXPECT_DOUBLE_EQ(cc::cubic_k(50, 50), 0.0);
}

TEST(Cubic, WindowFormulaAtHandComputedTimes) {
  const double k = 4.217163;
  EXPECT_NEAR(cc::cubic_window(0, k, 100), 70.0, 1e-4);
  EXPECT_NEAR(cc::cubic_window(1, k, 100), 86.681, 1e-3);
  EXPECT_NEAR(cc::cubic_window(2, k, 100), 95.640, 1e-3);
  EXPECT_NEAR(cc::cubic_window(k, k, 100), 100.0, 1e-9);
  EXPECT_NEAR(cc::cubic_window(5, k, 100), 100.192, 1e-3);
  // Symmetric around the plateau: W(K ± 1) = 100 ± 0.4.
  EXPECT_NEAR(cc::cubic_window(k + 1, k, 100), 100.4, 1e-9);
  EXPECT_NEAR(cc::cubic_window(k - 1, k, 100), 99.6, 1e-9);
}

// Slow start to exactly 100 segments (90 one-segment ACKs), then one loss.
void lose_at_100(cc::Cubic& c, Instant& now) {
  ack_segments(c, now, 90);
  ASSERT_EQ(c.window(), 100000_B);
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), false, {});
}

TEST(Cubic, ReducesByBetaPointSeven) {
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  lose_at_100(c, now);
  // RFC 9438 §4.6: ssthresh = cwnd = 0.7 · 100 = 70 segments; W_max = 100 (no earlier W_max to converge to).
  EXPECT_EQ(c.window(), 70000_B);
  EXPECT_EQ(c.ssthresh(), 70000_B);
  EXPECT_EQ(c.w_max(), 100000_B);
}

TEST(Cubic, GrowsAlongTheCubicCurve) {
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  lose_at_100(c, now);
  now += kRtt;  // the first ACK of a packet sent after the reduction starts the congestion-avoidance stage
  c.on_ack(now, sent_for(now), kMss, kRtt, {});
  ASSERT_TRUE(c.epoch_start().has_value());
  const Instant epoch = *c.epoch_start();
  EXPECT_NEAR(c.k().as_seconds(), 4.217163, 1e-6);
  EXPECT_EQ(c.w_max(), 100000_B);

  // The window aims at W_cubic(t + RTT) and closes (target − cwnd)/cwnd of the gap per segment, about one window
  // per RTT, so it trails its target by about one RTT and sits on W_cubic(t) itself (within 0.03 segment in
  // practice; 0.1 allowed).
  struct Point {
    double t;
    double w;
  };
  for (Point p : {Point{1, 86.681}, Point{2, 95.640}, Point{4.217163, 100.0}, Point{5, 100.192}}) {
    ack_clock_until(c, now, epoch + Duration::nanos(static_cast<std::int64_t>(p.t * 1e9)));
    EXPECT_NEAR(segments(c.window()), p.w, 0.1) << "t = " << p.t << " s";
  }
}

TEST(Cubic, RenoFriendlyRegionTakesOverNearThePlateau) {
  // RFC 9438 §4.3 with RTT = 100 ms: W_est grows α_cubic = 0.529412 segment per RTT, 5.29412 per second, from 70,
  // and reaches cwnd_prior = 100 at t = 30/5.29412 = 5.6667 s; from then on α_cubic = 1, 10 segments per second.
  // At t = 7 s: W_est = 100 + 1.3333·10 = 113.33, while W_cubic(7) = 0.4·(2.78284)³ + 100 = 108.62. The window
  // follows the larger, W_est.
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  lose_at_100(c, now);
  now += kRtt;
  c.on_ack(now, sent_for(now), kMss, kRtt, {});
  const Instant epoch = *c.epoch_start();
  ack_clock_until(c, now, epoch + 7_s);
  EXPECT_NEAR(segments(c.window()), 113.33, 0.5);
  EXPECT_GT(segments(c.window()), 108.62 + 2);  // clearly above the cubic curve
}

TEST(Cubic, FastConvergenceLowersWmax) {
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  lose_at_100(c, now);  // W_max = 100, cwnd = 70
  // A second loss event while cwnd = 70 < W_max = 100 (RFC 9438 §4.7): W_max = 70 · (1 + 0.7)/2 = 59.5;
  // cwnd = ssthresh = 0.7 · 70 = 49 segments.
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), false, {});
  EXPECT_EQ(c.w_max(), 59500_B);
  EXPECT_EQ(c.window(), 49000_B);
  // The next stage's K = ∛((59.5 − 49)/0.4) = ∛26.25 = 2.971961 s.
  now += kRtt;
  c.on_ack(now, sent_for(now), kMss, kRtt, {});
  EXPECT_NEAR(c.k().as_seconds(), 2.971961, 1e-6);
}

TEST(Cubic, AfterTimeoutTheCurveStartsAtItsPlateau) {
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  ack_segments(c, now, 90);  // 100 segments
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), true, {});
  // RFC 9438 §4.8: cwnd = 1 segment, ssthresh = 0.7 · 100 = 70.
  EXPECT_EQ(c.window(), 1000_B);
  EXPECT_EQ(c.ssthresh(), 70000_B);
  now += kRtt;
  ack_segments(c, now, 69);  // slow start 1 → 70 segments
  EXPECT_EQ(c.window(), 70000_B);
  c.on_ack(now, sent_for(now), kMss, kRtt, {});
  // The first stage after the timeout: K = 0 and W_max = cwnd_epoch = 70 segments.
  EXPECT_EQ(c.k(), Duration::zero());
  EXPECT_EQ(c.w_max(), 70000_B);
}

TEST(Cubic, NeverGrowsMoreThanHalfAWindowPerRtt) {
  // RFC 9438 §4.4: the target is capped at 1.5·cwnd, so one RTT of ACKs adds at most 50 % even far beyond K.
  cc::Cubic c(kMss);
  Instant now = Instant::epoch() + kRtt;
  lose_at_100(c, now);
  now += kRtt;
  for (int round = 0; round < 300; ++round) {
    const Bytes before = c.window();
    ack_round(c, now);
    EXPECT_LE(c.window().count(), before.count() * 3 / 2 + 1) << "round " << round;
  }
}

}  // namespace
}  // namespace progmp::transport::testing

// The coupled MPTCP controllers, LIA (RFC 6356) and OLIA (Khalili et al., CoNEXT 2012): their coupling terms at
// hand-computed points, their increases, and LIA's fairness goals. MSS = 1000 B; windows in bytes unless said.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "progmp/transport/cc/lia.hpp"
#include "progmp/transport/cc/olia.hpp"
#include "progmp/transport/cc/reno.hpp"
#include "transport/cc_driver.hpp"

namespace progmp::transport::testing {
namespace {

cc::SubflowWindow sub(std::uint64_t cwnd, Duration srtt, std::uint64_t inter_loss = 0) {
  return cc::SubflowWindow{Bytes(cwnd), srtt, Bytes(inter_loss)};
}

template <std::size_t N>
cc::CoupledView view(const std::array<cc::SubflowWindow, N>& subflows, std::size_t self) {
  return cc::CoupledView{subflows, self};
}

// ---- LIA ---------------------------------------------------------------------------------------------------------

TEST(Lia, AlphaByHand) {
  // RFC 6356 §3: alpha = cwnd_total · max_i(cwnd_i/rtt_i²) / (Σ cwnd_i/rtt_i)²
  EXPECT_DOUBLE_EQ(cc::lia_alpha({}), 1.0);
  // One subflow: w · (w/r²) / (w/r)² = 1.
  const std::array one{sub(10000, 100_ms)};
  EXPECT_DOUBLE_EQ(cc::lia_alpha(view(one, 0)), 1.0);
  // Two identical: 2w · (w/r²) / (2w/r)² = 1/2. Three identical: 3w · (w/r²) / (3w/r)² = 1/3.
  const std::array two{sub(20000, 100_ms), sub(20000, 100_ms)};
  EXPECT_DOUBLE_EQ(cc::lia_alpha(view(two, 0)), 0.5);
  const std::array three{sub(20000, 100_ms), sub(20000, 100_ms), sub(20000, 100_ms)};
  EXPECT_NEAR(cc::lia_alpha(view(three, 0)), 1.0 / 3.0, 1e-12);
  // 10000 B at 0.1 s and 20000 B at 0.2 s: cwnd/rtt² = 10^6 and 5·10^5, max 10^6; Σ cwnd/rtt = 10^5 + 10^5;
  // alpha = 30000 · 10^6 / (2·10^5)² = 3·10^10 / 4·10^10 = 0.75.
  const std::array mixed{sub(10000, 100_ms), sub(20000, 200_ms)};
  EXPECT_NEAR(cc::lia_alpha(view(mixed, 0)), 0.75, 1e-12);
}

TEST(Lia, IncreasePerAckByHand) {
  // With the 0.75 view above, one ACK of 1000 B adds min(alpha · 1000 · 1000 / 30000, 1000 · 1000 / cwnd_i):
  // subflow 0: min(25, 100) = 25 B; subflow 1: min(25, 50) = 25 B.
  const std::array mixed{sub(10000, 100_ms), sub(20000, 200_ms)};
  for (std::size_t self : {0u, 1u}) {
    cc::Lia c(kMss);
    Instant now = Instant::epoch() + kRtt;
    enter_avoidance_at(c, now, mixed[self].cwnd);
    ASSERT_EQ(c.window(), mixed[self].cwnd);
    c.on_ack(now, sent_for(now), kMss, kRtt, view(mixed, self));
    EXPECT_EQ(c.window(), mixed[self].cwnd + 25_B) << "subflow " << self;
  }
}

TEST(Lia, RenoCapBindsForASlowSubflowBesideAFastOne) {
  // Self: 100000 B at 1 s; other: 10000 B at 10 ms. cwnd/rtt²: 10^5 and 10^8, max 10^8; Σ cwnd/rtt = 10^5 + 10^6
  // = 1.1·10^6; alpha = 110000 · 10^8 / 1.21·10^12 = 9.0909. Coupled term: 9.0909 · 10^6 / 110000 = 82.6 B;
  // Reno term: 10^6 / 100000 = 10 B. RFC 6356 takes the minimum, so the subflow grows exactly like Reno: 10 B.
  const std::array v{sub(100000, 1000_ms), sub(10000, 10_ms)};
  EXPECT_NEAR(cc::lia_alpha(view(v, 0)), 9.0909, 1e-4);
  cc::Lia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  enter_avoidance_at(c, now, 100000_B);
  c.on_ack(now, sent_for(now), kMss, kRtt, view(v, 0));
  EXPECT_EQ(c.window(), 100010_B);
}

TEST(Lia, OneSubflowGrowsLikeReno) {
  // Alone, LIA adds MSS · acked / cwnd per ACK (RFC 5681 §3.1 eq. 3), about one segment per window acknowledged. A
  // round of n one-segment ACKs starting at window W therefore adds between n · 10^6 / (W + 1000) and
  // n · 10^6 / W bytes (the window grows by less than one segment during the round); for W = 20000, n = 20:
  // 952 to 1000 B.
  cc::Lia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  enter_avoidance_at(c, now, 20000_B);
  for (int round = 0; round < 5; ++round) {
    const Bytes before = c.window();
    std::array self{c.coupling(kRtt)};
    const std::uint64_t n = c.window() / kMss;
    for (std::uint64_t i = 0; i < n; ++i) {
      self[0] = c.coupling(kRtt);
      c.on_ack(now, sent_for(now), kMss, kRtt, view(self, 0));
    }
    now += kRtt;
    const double added = static_cast<double>((c.window() - before).count());
    const double w = static_cast<double>(before.count());
    const double acked = static_cast<double>(n) * 1000;
    EXPECT_GE(added, acked * 1000 / (w + 1000) - 1) << "round " << round;  // −1: window() rounds down
    EXPECT_LE(added, acked * 1000 / w + 1) << "round " << round;
  }
}

// Two LIA subflows over identical paths, acknowledged alternately so that each sees the other's current window.
struct TwoSubflows {
  cc::Lia a{kMss};
  cc::Lia b{kMss};
  std::array<cc::SubflowWindow, 2> windows() const { return {a.coupling(kRtt), b.coupling(kRtt)}; }
  Bytes total() const { return a.window() + b.window(); }
};

TEST(Lia, TwoIdenticalSubflowsAddHalfASegmentPerRtt) {
  // With two identical subflows alpha = 1/2 (above), and each ACK adds alpha · MSS · MSS / cwnd_total =
  // 0.5 · 10^6 / 40000 = 12.5 B; the 40 ACKs of one RTT add 500 B: the aggregate grows by alpha · MSS = MSS/2 per
  // RTT, half of what one Reno flow adds. That is RFC 6356's design, not a shortfall: a loss halves only the
  // subflow that saw it, a quarter of the aggregate, so half the increase gives the aggregate the throughput of one
  // Reno flow (the equilibrium test below).
  TwoSubflows s;
  Instant now = Instant::epoch() + kRtt;
  enter_avoidance_at(s.a, now, 20000_B);
  Instant now_b = Instant::epoch() + kRtt;
  enter_avoidance_at(s.b, now_b, 20000_B);
  const Bytes before = s.total();
  for (int i = 0; i < 20; ++i) {
    auto w = s.windows();
    s.a.on_ack(now, sent_for(now), kMss, kRtt, view(w, 0));
    w = s.windows();
    s.b.on_ack(now, sent_for(now), kMss, kRtt, view(w, 1));
  }
  const double added = static_cast<double>((s.total() - before).count());
  EXPECT_NEAR(added, 500, 10);  // ±2 %: cwnd_total itself grows by 1.25 % during the round
}

// Mean window over the loss cycles of a path that drops one packet in every `interval`, sampled once per RTT
// after a warm-up. Round model: packets acknowledged in round k were sent in round k − 1; a loss is detected in
// the round it is counted and reduces the window at that round's time.
struct LossyPath {
  std::uint64_t interval;
  std::uint64_t count = 0;
  bool deliver() { return ++count % interval != 0; }  // false: this packet is the lost one
};

TEST(Lia, TwoIdenticalSubflowsTogetherMatchOneRenoFlow) {
  // Equilibrium with one loss every N = 6000 packets on each path (deterministic sawtooth, fluid approximation):
  //   Reno: the window climbs 1 segment per RTT from W/2 to W, carrying (W/2 rounds) · (3W/4) = 3W²/8 = N packets
  //     per cycle, so W = √(8N/3) = 126.49 and the mean window is 3W/4 = 94.87 segments.
  //   LIA, two identical subflows: each climbs alpha/2 = 1/4 segment per RTT (12.5 B × w ACKs at w = 20, in
  //     general alpha · MSS · w / (2w) per RTT with alpha = 1/2) from w/2 to w, carrying 2w · 3w/4 = 3w²/2 = N
  //     packets, so w = √(2N/3) = 63.25 per subflow and the aggregate mean is 2 · 3w/4 = 94.87 segments.
  // The same aggregate as one Reno flow: RFC 6356 goal 1 and 2 (§2) on identical paths.
  constexpr std::uint64_t kInterval = 6000;
  constexpr double kHandMean = 94.87;
  constexpr int kWarmup = 1000;
  constexpr int kRounds = 9000;

  double reno_mean = 0;
  {
    cc::NewReno reno(kMss);
    LossyPath path{kInterval};
    Instant now = Instant::epoch() + kRtt;
    double sum = 0;
    for (int round = 0; round < kWarmup + kRounds; ++round) {
      if (round >= kWarmup) sum += segments(reno.window());
      const std::uint64_t n = reno.window() / kMss;
      for (std::uint64_t i = 0; i < n; ++i) {
        if (path.deliver()) {
          reno.on_ack(now, sent_for(now), kMss, kRtt, {});
        } else {
          reno.on_congestion_event(now, sent_for(now), false, {});
        }
      }
      now += kRtt;
    }
    reno_mean = sum / kRounds;
  }

  double lia_mean = 0;
  {
    TwoSubflows s;
    std::array<LossyPath, 2> paths{LossyPath{kInterval}, LossyPath{kInterval}};
    std::array<cc::Lia*, 2> flows{&s.a, &s.b};
    Instant now = Instant::epoch() + kRtt;
    double sum = 0;
    for (int round = 0; round < kWarmup + kRounds; ++round) {
      if (round >= kWarmup) sum += segments(s.total());
      const std::array<std::uint64_t, 2> n{s.a.window() / kMss, s.b.window() / kMss};
      for (std::uint64_t i = 0; i < std::max(n[0], n[1]); ++i) {
        for (std::size_t f = 0; f < 2; ++f) {
          if (i >= n[f]) continue;
          const auto w = s.windows();
          if (paths[f].deliver()) {
            flows[f]->on_ack(now, sent_for(now), kMss, kRtt, view(w, f));
          } else {
            flows[f]->on_congestion_event(now, sent_for(now), false, view(w, f));
          }
        }
      }
      now += kRtt;
    }
    lia_mean = sum / kRounds;
  }

  EXPECT_NEAR(reno_mean / kHandMean, 1.0, 0.05) << "reno mean " << reno_mean;
  EXPECT_NEAR(lia_mean / kHandMean, 1.0, 0.05) << "lia mean " << lia_mean;
  EXPECT_NEAR(lia_mean / reno_mean, 1.0, 0.05) << "lia " << lia_mean << " reno " << reno_mean;
}

TEST(Lia, NeverMoreAggressiveThanRenoOnAnySubflow) {
  // RFC 6356 §3's second term: whatever the other subflows look like, an ACK never adds more than the Reno
  // increase MSS · acked / cwnd_i. Random views of 2–8 subflows, windows 2–400 segments, RTTs 1–1000 ms.
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<std::uint64_t> cwnd_segments(2, 400);
  std::uniform_int_distribution<std::int64_t> rtt_ms(1, 1000);
  std::uniform_int_distribution<std::size_t> count(2, 8);
  for (int trial = 0; trial < 300; ++trial) {
    cc::Lia c(kMss);
    Instant now = Instant::epoch() + kRtt;
    const Bytes own = kMss * (10 + 2 * (cwnd_segments(rng) / 2));  // even, ≥ 10 segments
    enter_avoidance_at(c, now, own);
    std::vector<cc::SubflowWindow> v(count(rng));
    for (auto& s : v) s = sub(cwnd_segments(rng) * kMss.count(), Duration::millis(rtt_ms(rng)));
    const std::size_t self = trial % v.size();
    for (int ack = 0; ack < 10; ++ack) {
      v[self] = c.coupling(v[self].srtt);
      const double reno = 1e6 / static_cast<double>(c.window().count());  // MSS · acked / cwnd_i
      const Bytes before = c.window();
      c.on_ack(now, sent_for(now), kMss, kRtt, cc::CoupledView{v, self});
      // window() rounds the fractional window down, so a step can show up to one byte more than the increase.
      EXPECT_LE(static_cast<double>((c.window() - before).count()), reno + 1) << "trial " << trial;
    }
  }
}

// ---- OLIA --------------------------------------------------------------------------------------------------------

TEST(Olia, AlphaByHand) {
  EXPECT_EQ(cc::olia_alpha({}), 0.0);
  const std::array one{sub(10000, 100_ms, 5000)};
  EXPECT_EQ(cc::olia_alpha(view(one, 0)), 0.0);
  // Identical paths: B = M = both, B \ M = ∅, so α = 0 everywhere.
  const std::array same{sub(20000, 100_ms, 50000), sub(20000, 100_ms, 50000)};
  EXPECT_EQ(cc::olia_alpha(view(same, 0)), 0.0);
  EXPECT_EQ(cc::olia_alpha(view(same, 1)), 0.0);
  // Path 0 is the best (ℓ/rtt² = 10^5/0.01 = 10^7 against 5·10^4/0.01 = 5·10^6) but path 1 has the largest window:
  // B \ M = {0}, M = {1}, |R| = 2. α_0 = 1/(2·1) = +1/2, α_1 = −1/(2·1) = −1/2.
  const std::array shifted{sub(10000, 100_ms, 100000), sub(20000, 100_ms, 50000)};
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(shifted, 0)), 0.5);
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(shifted, 1)), -0.5);
  // The RTT counts: ℓ/rtt² = 5·10^4/0.0025 = 2·10^7 at 50 ms beats 10^5/0.01 = 10^7 at 100 ms.
  const std::array rtt{sub(10000, 50_ms, 50000), sub(20000, 100_ms, 100000)};
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(rtt, 0)), 0.5);
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(rtt, 1)), -0.5);
  // The best path already has the largest window: B \ M = ∅, nothing to shift.
  const std::array settled{sub(20000, 100_ms, 100000), sub(10000, 100_ms, 50000)};
  EXPECT_EQ(cc::olia_alpha(view(settled, 0)), 0.0);
  EXPECT_EQ(cc::olia_alpha(view(settled, 1)), 0.0);
  // Three paths, B \ M = {0, 1}, M = {2}: α_0 = α_1 = 1/(3·2) = 1/6, α_2 = −1/(3·1) = −1/3.
  const std::array three{sub(10000, 100_ms, 60000), sub(10000, 100_ms, 60000), sub(30000, 100_ms, 10000)};
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(three, 0)), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(three, 1)), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(cc::olia_alpha(view(three, 2)), -1.0 / 3.0);
}

TEST(Olia, IncreasePerAckByHand) {
  // Per ACK of 1000 B, in bytes: acked · [MSS · (W_r/rtt_r²)/(Σ W_p/rtt_p)² + α_r · MSS / W_r], with the
  // "shifted" view: Σ W_p/rtt_p = (10000 + 20000)/0.1 = 3·10^5, squared 9·10^10.
  //   path 0: 1000 · [1000 · 10^6 / 9·10^10 + 0.5 · 1000/10000] = 11.11 + 50 = 61.11 B → 10061 B
  //   path 1: 1000 · [1000 · 2·10^6 / 9·10^10 − 0.5 · 1000/20000] = 22.22 − 25 = −2.78 B → 19997 B
  // The best path grows faster than Reno's 100 B per ACK would suggest relative to its share, and the largest
  // window gives some up: the opportunistic shift of the paper.
  const std::array shifted{sub(10000, 100_ms, 100000), sub(20000, 100_ms, 50000)};
  const Bytes expected[] = {10061_B, 19997_B};
  for (std::size_t self : {0u, 1u}) {
    cc::Olia c(kMss);
    Instant now = Instant::epoch() + kRtt;
    enter_avoidance_at(c, now, shifted[self].cwnd);
    c.on_ack(now, sent_for(now), kMss, kRtt, view(shifted, self));
    EXPECT_EQ(c.window(), expected[self]) << "path " << self;
  }
}

TEST(Olia, IdenticalPathsShareTheIncrease) {
  // α = 0, so only the first term: MSS · (W/r²)/(2W/r)² = MSS/(4W) per acked byte, 1000 · 1000/80000 = 12.5 B per
  // ACK at W = 20000 — the same as LIA with alpha = 1/2 in this symmetric case.
  const std::array same{sub(20000, 100_ms, 50000), sub(20000, 100_ms, 50000)};
  cc::Olia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  enter_avoidance_at(c, now, 20000_B);
  c.on_ack(now, sent_for(now), kMss, kRtt, view(same, 0));
  c.on_ack(now, sent_for(now), kMss, kRtt, view(same, 0));
  EXPECT_EQ(c.window(), 20025_B);  // two ACKs: 2 · 12.5 B
}

TEST(Olia, OnePathGrowsLikeReno) {
  // Alone: the first term is MSS/W per acked byte, Reno's increase, and α = 0. Over one round at 20 segments,
  // between 20 · 10^6/21000 = 952 B and 1000 B (as for LIA above).
  cc::Olia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  enter_avoidance_at(c, now, 20000_B);
  const Bytes before = c.window();
  const std::uint64_t n = c.window() / kMss;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::array self{c.coupling(kRtt)};
    c.on_ack(now, sent_for(now), kMss, kRtt, view(self, 0));
  }
  const double added = static_cast<double>((c.window() - before).count());
  EXPECT_GE(added, 940);
  EXPECT_LE(added, 1000);
}

TEST(Olia, TracksBytesBetweenLosses) {
  // ℓ_r = max(ℓ1, ℓ2): ℓ1 the bytes delivered between the last two losses, ℓ2 those since the last loss.
  cc::Olia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  EXPECT_EQ(c.inter_loss(), 0_B);
  ack_segments(c, now, 30);
  EXPECT_EQ(c.inter_loss(), 30000_B);  // ℓ2 = 30000, no loss yet
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), false, {});
  EXPECT_EQ(c.inter_loss(), 30000_B);  // ℓ1 = 30000, ℓ2 = 0
  // ACKs of the window being recovered still count as delivered bytes.
  c.on_ack(now + 1_ms, now - 10_ms, kMss, kRtt, {});
  now += kRtt;
  ack_segments(c, now, 9);
  EXPECT_EQ(c.inter_loss(), 30000_B);  // ℓ2 = 10000 < ℓ1
  ack_segments(c, now, 25);
  EXPECT_EQ(c.inter_loss(), 35000_B);  // ℓ2 = 35000 > ℓ1
  // A loss inside the same recovery epoch is the same event and does not close the interval.
  c.on_congestion_event(now + 1_ms, now - kRtt, false, {});
  EXPECT_EQ(c.inter_loss(), 35000_B);
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), false, {});
  EXPECT_EQ(c.inter_loss(), 35000_B);  // ℓ1 = 35000, ℓ2 = 0
  EXPECT_EQ(c.coupling(kRtt), sub(c.window().count(), kRtt, 35000));
}

TEST(Olia, NegativeAlphaStopsAtTwoSegments) {
  // Self at the 2-segment floor but still the largest window, beside a better path with 1000 B: α = −1/2.
  // Per ACK: 1000 · [1000 · (2000/0.01)/((3000/0.1)²) − 0.5 · 1000/2000] = 222.2 − 250 = −27.8 B, which would
  // push the window below 2·MSS; it stays at 2000 B (RFC 5681 §3.1's minimum).
  cc::Olia c(kMss);
  Instant now = Instant::epoch() + kRtt;
  for (int i = 0; i < 5; ++i) {  // 10 → 5 → 2.5 → 2 → 2 → 2 segments
    c.on_congestion_event(now, now - 1_ns, false, {});
    now += kRtt;
  }
  ASSERT_EQ(c.window(), 2000_B);
  ASSERT_FALSE(c.in_slow_start());
  for (int i = 0; i < 10; ++i) {
    const std::array v{c.coupling(kRtt), sub(1000, 100_ms, 1000000)};
    c.on_ack(now, sent_for(now), kMss, kRtt, view(v, 0));
    EXPECT_EQ(c.window(), 2000_B);
  }
}

}  // namespace
}  // namespace progmp::transport::testing

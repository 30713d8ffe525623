// The RFC 6675 scoreboard and the RFC 6298 estimator on hand-computed cases.
#include <gtest/gtest.h>

#include <vector>

#include "progmp/transport/rtt_estimator.hpp"
#include "progmp/transport/scoreboard.hpp"

namespace progmp::transport {
namespace {

Segment segment(int i) {
  Segment s;
  s.data_seq = i * 100;
  s.length = 100;
  return s;
}

Scoreboard with_segments(int n) {
  Scoreboard b;
  for (int i = 0; i < n; ++i) b.push(segment(i));
  return b;
}

struct Recorder {
  std::vector<std::uint64_t> acked, lost;
  auto on_acked() {
    return [this](std::uint64_t q, Segment&) { acked.push_back(q); };
  }
  auto on_lost() {
    return [this](std::uint64_t q, Segment&) { lost.push_back(q); };
  }
};

TEST(Scoreboard, CumulativeAckForgetsSegmentsAndShrinksThePipe) {
  Scoreboard b = with_segments(10);
  EXPECT_EQ(b.pipe(), 10u);
  Recorder r;
  ASSERT_TRUE(b.on_ack(4, {}, r.on_acked(), r.on_lost()));
  EXPECT_EQ(r.acked, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(b.snd_una(), 4u);
  EXPECT_EQ(b.pipe(), 6u);
  EXPECT_TRUE(r.lost.empty());
}

TEST(Scoreboard, ThreeSackedSegmentsAboveAHoleMakeItLost) {
  Scoreboard b = with_segments(10);
  Recorder r;
  const wire::SackBlock two[] = {{3, 5}};
  ASSERT_TRUE(b.on_ack(2, two, r.on_acked(), r.on_lost()));
  EXPECT_TRUE(r.lost.empty());  // only two SACKed above segment 2
  EXPECT_EQ(b.pipe(), 10u - 2 - 2);
  const wire::SackBlock three[] = {{3, 6}};
  ASSERT_TRUE(b.on_ack(2, three, r.on_acked(), r.on_lost()));
  EXPECT_EQ(r.lost, (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(b.lost(), 1u);
  // pipe = outstanding 8 − SACKed 3 − lost 1
  EXPECT_EQ(b.pipe(), 4u);
  EXPECT_EQ(b.next_retransmission(), 2u);
  b.mark_retransmitted(2, Instant::epoch());
  EXPECT_EQ(b.pipe(), 5u);  // the retransmission is in flight
  EXPECT_EQ(b.next_retransmission(), b.snd_nxt());
  // The retransmission arrives: cumulative ACK jumps over the SACKed block.
  ASSERT_TRUE(b.on_ack(6, {}, r.on_acked(), r.on_lost()));
  EXPECT_EQ(b.lost(), 0u);
  EXPECT_EQ(b.pipe(), 4u);  // segments 6..9
}

TEST(Scoreboard, SackedSegmentsAreReportedOnceAndNotAgainWhenCumulativelyAcked) {
  Scoreboard b = with_segments(6);
  Recorder r;
  const wire::SackBlock s[] = {{2, 4}};
  ASSERT_TRUE(b.on_ack(0, s, r.on_acked(), r.on_lost()));
  ASSERT_TRUE(b.on_ack(0, s, r.on_acked(), r.on_lost()));
  ASSERT_TRUE(b.on_ack(6, {}, r.on_acked(), r.on_lost()));
  EXPECT_EQ(r.acked, (std::vector<std::uint64_t>{2, 3, 0, 1, 4, 5}));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.pipe(), 0u);
}

TEST(Scoreboard, TimeoutMarksEverythingOutstandingButSackedAsLost) {
  Scoreboard b = with_segments(5);
  Recorder r;
  const wire::SackBlock s[] = {{3, 4}};
  ASSERT_TRUE(b.on_ack(1, s, r.on_acked(), r.on_lost()));
  b.mark_all_lost(r.on_lost());
  EXPECT_EQ(r.lost, (std::vector<std::uint64_t>{1, 2, 4}));
  EXPECT_EQ(b.pipe(), 0u);
  EXPECT_EQ(b.next_retransmission(), 1u);
}

TEST(Scoreboard, AcknowledgementsOfUnsentSegmentsAreRefusedWithoutChange) {
  Scoreboard b = with_segments(3);
  Recorder r;
  EXPECT_FALSE(b.on_ack(4, {}, r.on_acked(), r.on_lost()));
  const wire::SackBlock beyond[] = {{2, 7}};
  EXPECT_FALSE(b.on_ack(1, beyond, r.on_acked(), r.on_lost()));
  EXPECT_TRUE(r.acked.empty());
  EXPECT_EQ(b.snd_una(), 0u);
  EXPECT_EQ(b.pipe(), 3u);
}

TEST(Scoreboard, GrowsPastItsInitialCapacityKeepingOrder) {
  Scoreboard b = with_segments(1000);
  Recorder r;
  ASSERT_TRUE(b.on_ack(500, {}, r.on_acked(), r.on_lost()));
  for (int i = 1000; i < 1700; ++i) b.push(segment(i));
  EXPECT_EQ(b.at(1699).data_seq, 169'900);
  EXPECT_EQ(b.at(500).data_seq, 50'000);
  EXPECT_EQ(b.pipe(), 1200u);
}

TEST(RttEstimator, FollowsRfc6298) {
  RttEstimator e(Duration::seconds(1), Duration::millis(200), Duration::seconds(60));
  EXPECT_EQ(e.rto(), Duration::seconds(1));  // §2.1 before any sample
  e.sample(Duration::millis(100));
  // §2.2: SRTT = 100, RTTVAR = 50, RTO = 100 + 4·50 = 300 ms.
  EXPECT_EQ(e.srtt(), Duration::millis(100));
  EXPECT_EQ(e.rttvar(), Duration::millis(50));
  EXPECT_EQ(e.rto(), Duration::millis(300));
  e.sample(Duration::millis(180));
  // §2.3: RTTVAR = 3/4·50 + 1/4·|100 − 180| = 57.5; SRTT = 7/8·100 + 1/8·180 = 110; RTO = 110 + 230 = 340 ms.
  EXPECT_EQ(e.rttvar(), Duration::micros(57'500));
  EXPECT_EQ(e.srtt(), Duration::millis(110));
  EXPECT_EQ(e.rto(), Duration::millis(340));
  e.back_off();
  EXPECT_EQ(e.rto(), Duration::millis(680));  // §5.5
  e.sample(Duration::millis(1));
  // A sample clears the backoff: RTTVAR = 3/4·57.5 + 1/4·109 = 70.375; SRTT = 7/8·110 + 1/8·1 = 96.375;
  // RTO = 96.375 + 281.5 = 377.875 ms.
  EXPECT_EQ(e.rto(), Duration::micros(377'875));
  RttEstimator fast(Duration::seconds(1), Duration::millis(200), Duration::seconds(60));
  fast.sample(Duration::millis(1));
  EXPECT_EQ(fast.rto(), Duration::millis(200));  // 1 + 4·0.5 = 3 ms, raised to the floor
  for (int i = 0; i < 40; ++i) e.back_off();
  EXPECT_EQ(e.rto(), Duration::seconds(60));  // §2.5 ceiling
}

}  // namespace
}  // namespace progmp::transport

// End-to-end behaviour of Sender + Receiver over the Pair harness: delivery, loss recovery, RTO, failure and
// recovery of a subflow, flow control, malformed input, and the values the scheduler sees.
#include <gtest/gtest.h>

#include "pair.hpp"
#include "progmp/transport/wire.hpp"

namespace progmp::transport::test {
namespace {

using namespace std::chrono_literals;

Instant at_ms(std::int64_t ms) { return Instant::epoch() + Duration::millis(ms); }

// Sends until the stream holds `total` bytes (as the send buffer allows) and runs until all are delivered or
// `limit` passes; then lets the last ACKs arrive.
void transfer(Pair& p, std::size_t total, Instant limit) {
  while (p.delivered < total && p.now < limit) {
    if (p.offset() < total) p.send(std::min<std::size_t>(total - p.offset(), 256 * 1024));
    p.run_for(Duration::millis(5));
  }
  p.run_for(Duration::millis(300));
}

TEST(Connection, SubflowsJoinAfterOneRoundTripWithThatRttAsFirstSample) {
  Pair p({{Duration::millis(10)}, {Duration::millis(30)}});
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  p.run_until(at_ms(19));
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  p.run_until(at_ms(21));
  EXPECT_TRUE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[1]));
  p.run_until(at_ms(61));
  EXPECT_TRUE(p.sender.subflow_available(Pair::kConn, p.ids[1]));
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[1], v);
  // JOIN + ACK datagrams are tiny: the sample is the propagation round trip plus two serialisations (< 0.1 ms).
  EXPECT_GE(v.srtt_us, 60'000);
  EXPECT_LT(v.srtt_us, 60'100);
  EXPECT_EQ(v.rttvar_us, v.srtt_us / 2);  // RFC 6298 §2.2 first sample
  EXPECT_EQ(v.cwnd, 10);                  // RFC 6928 initial window
  EXPECT_EQ(v.in_flight, 0);
}

TEST(Connection, OnePathDeliversEveryByteOnceInOrder) {
  Pair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(25));
  transfer(p, 3'000'000, at_ms(10'000));
  EXPECT_EQ(p.delivered, 3'000'000u);
  EXPECT_TRUE(p.intact);
  EXPECT_EQ(p.sender.data_acked(Pair::kConn), 3'000'000);
  const SubflowCounters* c = p.sender.subflow_counters(Pair::kConn, p.ids[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->bytes_sent, 3'000'000u);  // no loss, no retransmission
  EXPECT_EQ(c->retransmitted_bytes, 0u);
  EXPECT_EQ(p.receiver.counters().duplicate_bytes, 0u);
  runtime::ConnectionSnapshot snap;
  ASSERT_EQ(p.rt.snapshot(Pair::kConn, snap), runtime::Status::Ok);
}

TEST(Connection, SingleLossIsRepairedBySackWithoutTimeout) {
  Pair p({{Duration::millis(10), 50'000'000}});
  p.drop = [](std::uint32_t, bool fwd, std::uint64_t n, Instant) { return fwd && n == 200; };
  p.run_until(at_ms(25));
  transfer(p, 1'000'000, at_ms(10'000));
  EXPECT_EQ(p.delivered, 1'000'000u);
  EXPECT_TRUE(p.intact);
  const SubflowCounters* c = p.sender.subflow_counters(Pair::kConn, p.ids[0]);
  EXPECT_EQ(c->timeouts, 0u);
  EXPECT_EQ(c->segments_lost, 1u);
  EXPECT_EQ(c->retransmitted_bytes, 1400u);
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  EXPECT_LT(v.ssthresh, 2147483647);  // the loss ended slow start
}

TEST(Connection, LossyPathsStillDeliverEverythingExactlyOnce) {
  Pair p({{Duration::millis(10), 20'000'000}, {Duration::millis(40), 20'000'000}});
  // Every 13th datagram on path 0 and every 17th on path 1, in both directions.
  p.drop = [](std::uint32_t i, bool, std::uint64_t n, Instant) { return n % (i == 0 ? 13 : 17) == 5; };
  transfer(p, 2'000'000, at_ms(60'000));
  EXPECT_EQ(p.delivered, 2'000'000u);
  EXPECT_TRUE(p.intact);
  std::uint64_t rexmit = 0;
  for (auto id : p.ids) rexmit += p.sender.subflow_counters(Pair::kConn, id)->retransmitted_bytes;
  EXPECT_GT(rexmit, 0u);
}

TEST(Connection, RetransmissionTimeoutWhenEverythingInFlightIsLost) {
  Pair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(25));
  // Drop the whole first flight (10 segments): no SACK can arrive, only the RTO recovers.
  p.drop = [](std::uint32_t, bool fwd, std::uint64_t n, Instant) { return fwd && n >= 1 && n <= 10; };
  transfer(p, 14'000, at_ms(5'000));
  EXPECT_EQ(p.delivered, 14'000u);
  const SubflowCounters* c = p.sender.subflow_counters(Pair::kConn, p.ids[0]);
  EXPECT_EQ(c->timeouts, 1u);
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  EXPECT_FALSE(v.in_rto_recovery);  // everything outstanding at the timeout was acknowledged
}

TEST(Connection, DeadPathFailsItsDataMovesToTheOtherPathAndItRecovers) {
  Pair p({{Duration::millis(5), 20'000'000}, {Duration::millis(25), 20'000'000}});
  bool down = false;
  p.drop = [&down](std::uint32_t i, bool, std::uint64_t, Instant) { return down && i == 0; };
  p.run_until(at_ms(60));
  std::size_t sent = p.send(1'000'000);
  p.run_until(at_ms(100));
  down = true;
  p.run_until(at_ms(3'000));
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  EXPECT_EQ(p.sender.subflow_counters(Pair::kConn, p.ids[0])->failures, 1u);
  EXPECT_EQ(p.delivered, sent);  // the failed subflow's packets were reinjected on the other one
  EXPECT_TRUE(p.intact);
  down = false;
  p.run_until(at_ms(4'000));
  EXPECT_TRUE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  const std::uint64_t before = p.sender.subflow_counters(Pair::kConn, p.ids[0])->bytes_sent;
  transfer(p, sent + 500'000, at_ms(10'000));
  EXPECT_EQ(p.delivered, sent + 500'000);
  EXPECT_GT(p.sender.subflow_counters(Pair::kConn, p.ids[0])->bytes_sent, before);  // used again (lowest RTT)
}

TEST(Connection, SenderNeverExceedsTheDataLevelWindow) {
  TransportConfig cfg;
  cfg.rcv_buf_bytes = 64 * 1024;
  // Very different delays make the fast path run ahead of the slow path's holes.
  Pair p({{Duration::millis(5), 50'000'000}, {Duration::millis(100), 50'000'000}}, cfg);
  transfer(p, 2'000'000, at_ms(60'000));
  EXPECT_EQ(p.delivered, 2'000'000u);
  EXPECT_EQ(p.receiver.counters().out_of_window_bytes, 0u);
}

TEST(Connection, DelayedAcksAcknowledgeEverySecondSegment) {
  TransportConfig cfg;
  cfg.ack_every = 2;
  Pair p({{Duration::millis(10), 50'000'000}}, cfg);
  p.run_until(at_ms(25));
  const std::uint64_t acks_before = p.receiver.counters().acks_sent;
  transfer(p, 1400 * 1000, at_ms(10'000));
  const std::uint64_t acks = p.receiver.counters().acks_sent - acks_before;
  EXPECT_GE(acks, 495u);
  EXPECT_LE(acks, 560u);  // half the 1000 segments, plus a few delayed-ACK timer expiries
}

TEST(Connection, MalformedAndForeignDatagramsAreRejectedWithoutEffect) {
  Pair p({{Duration::millis(10)}});
  p.run_until(at_ms(25));
  const std::vector<std::byte> garbage(40, std::byte{0x5A});
  EXPECT_FALSE(p.sender.handle_datagram(p.now, 0, garbage));
  EXPECT_FALSE(p.receiver.handle_datagram(p.now, 0, garbage));
  EXPECT_EQ(p.sender.counters().datagrams_rejected, 1u);
  EXPECT_EQ(p.receiver.counters().datagrams_rejected, 1u);

  // A JOIN with the wrong token opens nothing.
  std::vector<std::byte> buf(256);
  auto w = wire::Writer::begin(buf, wire::Header{ConnectionId{Pair::kConn}, PathId{99}});
  ASSERT_TRUE(w);
  ASSERT_FALSE(w->append(wire::Join{Pair::kToken + 1, false}));
  EXPECT_FALSE(p.receiver.handle_datagram(p.now, 0, w->bytes()));
  EXPECT_EQ(p.receiver.paths(), 1u);

  // An ACK for data never sent is rejected by the sender.
  auto a = wire::Writer::begin(buf, wire::Header{ConnectionId{Pair::kConn}, PathId{1}});
  wire::Ack ack;
  ack.cumulative = 500;
  ack.data_ack = 0;
  ack.window_end = 1 << 20;
  ASSERT_FALSE(a->append(ack));
  EXPECT_FALSE(p.sender.handle_datagram(p.now, 0, a->bytes()));
  // A datagram arriving on the wrong interface for its path is rejected too.
  ack.cumulative = 0;
  auto b = wire::Writer::begin(buf, wire::Header{ConnectionId{Pair::kConn}, PathId{1}});
  ASSERT_FALSE(b->append(ack));
  EXPECT_FALSE(p.sender.handle_datagram(p.now, 3, b->bytes()));
  EXPECT_TRUE(p.sender.handle_datagram(p.now, 0, b->bytes()));
}

TEST(Connection, PeerBackupSignalReachesTheScheduler) {
  Pair p({{Duration::millis(10)}, {Duration::millis(10)}});
  p.run_until(at_ms(25));
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[1], v);
  EXPECT_FALSE(v.backup);
  ASSERT_TRUE(p.receiver.set_backup(PathId{2}, true));
  p.pump();
  p.run_until(at_ms(60));
  p.sender.subflow_values(Pair::kConn, p.ids[1], v);
  EXPECT_TRUE(v.backup);
}

TEST(Connection, OneWayDelaysAndDeliveryRateAreMeasured) {
  Pair p({{Duration::millis(10), 10'000'000}});
  p.run_until(at_ms(25));
  transfer(p, 1'000'000, at_ms(10'000));
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  ASSERT_TRUE(v.delay_in_us && v.delay_out_us);
  // Clocks agree in this harness, so one-way delays are the propagation delay plus serialisation/queueing.
  EXPECT_GE(*v.delay_in_us, 10'000);
  EXPECT_GE(*v.delay_out_us, 10'000);
  EXPECT_LT(*v.delay_in_us, 12'000);
  // The link carries 10 Mbit/s of datagrams; payload is 1400 of 1471 bytes: about 1.19 MB/s delivered.
  EXPECT_GT(v.delivery_rate, 900'000);
  EXPECT_LT(v.delivery_rate, 1'300'000);
}

}  // namespace
}  // namespace progmp::transport::test

namespace progmp::transport::test {
namespace {

TEST(Connection, WindowDoesNotGrowWhileTheSubflowDoesNotUseIt) {
  // One packet every 50 ms never fills the initial window of 10: acknowledgements must not inflate CWND
  // (congestion-window validation), or CWND × MSS / RTT stops meaning capacity.
  Pair p({{Duration::millis(10), 50'000'000}});
  p.run_until(Instant::epoch() + Duration::millis(25));
  for (int i = 0; i < 100; ++i) {
    p.send(1400);
    p.run_for(Duration::millis(50));
  }
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  EXPECT_EQ(v.cwnd, 10);
  EXPECT_EQ(p.delivered, 140'000u);
  // A bulk transfer that fills the window does grow it.
  p.send(2'000'000);
  p.run_for(Duration::millis(60));
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  EXPECT_GT(v.cwnd, 20);
}

}  // namespace
}  // namespace progmp::transport::test

namespace progmp::transport::test {
namespace {

TEST(Connection, IdleSubflowRestartsFromTheInitialWindow) {
  // RFC 5681 §4.1: after more than an RTO without sending, cwnd := min(cwnd, initial window).
  Pair p({{Duration::millis(10), 50'000'000}});
  p.run_until(Instant::epoch() + Duration::millis(25));
  p.send(1'500'000);
  p.run_for(Duration::millis(400));
  runtime::SubflowValues v;
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  ASSERT_GT(v.cwnd, 10);
  p.run_for(Duration::seconds(2));
  p.send(1400);
  p.sender.subflow_values(Pair::kConn, p.ids[0], v);
  EXPECT_EQ(v.cwnd, 10);
  EXPECT_EQ(v.in_flight, 1);
}

}  // namespace
}  // namespace progmp::transport::test

namespace progmp::transport::test {
namespace {

TEST(Connection, RemovedSubflowHandsItsPacketsBackAndNeverReturns) {
  Pair p({{Duration::millis(5), 20'000'000}, {Duration::millis(25), 20'000'000}});
  p.run_until(Instant::epoch() + Duration::millis(60));
  p.send(500'000);
  p.run_for(Duration::millis(30));
  ASSERT_TRUE(p.sender.remove_subflow(Pair::kConn, p.ids[0], p.now));
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
  EXPECT_FALSE(p.sender.remove_subflow(Pair::kConn, p.ids[0], p.now));  // already gone
  p.run_for(Duration::seconds(5));
  EXPECT_EQ(p.delivered, 500'000u);  // its packets were reinjected on the other subflow
  EXPECT_TRUE(p.intact);
  EXPECT_FALSE(p.sender.subflow_available(Pair::kConn, p.ids[0]));
}

TEST(Connection, AtMost32SubflowsAndIdsIncrease) {
  std::vector<PairPath> paths(33, PairPath{Duration::millis(5)});
  Pair p(paths);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(p.ids[i], i + 1);
  EXPECT_EQ(p.ids[32], 0u);  // the 33rd is refused
  p.run_for(Duration::millis(20));
  for (std::size_t i = 0; i < 32; ++i) EXPECT_TRUE(p.sender.subflow_available(Pair::kConn, p.ids[i]));
}

}  // namespace
}  // namespace progmp::transport::test

namespace progmp::transport::test {
namespace {

TEST(Connection, CloseSendsAFinOnceTheLastByteIsAcknowledged) {
  Pair p({{Duration::millis(10), 20'000'000}, {Duration::millis(20), 20'000'000}});
  p.run_until(Instant::epoch() + Duration::millis(50));
  p.send(300'000);
  ASSERT_TRUE(p.sender.close(Pair::kConn, 300'000, p.now));
  EXPECT_FALSE(p.sender.close(Pair::kConn, 300'000, p.now));  // once
  p.pump();
  EXPECT_FALSE(p.receiver.stream_finished());
  p.run_for(Duration::seconds(3));
  EXPECT_EQ(p.delivered, 300'000u);
  EXPECT_TRUE(p.receiver.stream_finished());
  EXPECT_TRUE(p.sender.closed(Pair::kConn));
}

TEST(Connection, LostFinIsRetransmitted) {
  Pair p({{Duration::millis(10), 20'000'000}});
  p.run_until(Instant::epoch() + Duration::millis(25));
  p.send(14'000);
  p.run_for(Duration::millis(200));
  ASSERT_EQ(p.delivered, 14'000u);
  // Everything is acknowledged; the next forward datagram is the FIN: drop it once.
  bool dropped = false;
  p.drop = [&](std::uint32_t, bool fwd, std::uint64_t, Instant) {
    if (fwd && !dropped) return dropped = true;
    return false;
  };
  ASSERT_TRUE(p.sender.close(Pair::kConn, 14'000, p.now));
  p.pump();
  EXPECT_TRUE(dropped);
  p.run_for(Duration::millis(100));
  EXPECT_FALSE(p.sender.closed(Pair::kConn));
  p.run_for(Duration::seconds(2));  // the RTO resends it
  EXPECT_TRUE(p.receiver.stream_finished());
  EXPECT_TRUE(p.sender.closed(Pair::kConn));
}

}  // namespace
}  // namespace progmp::transport::test

// End-to-end behaviour of two Endpoints over the EndpointPair harness: handshake and joins, delivery in both
// directions, loss recovery, RTO, failure and recovery of a subflow, flow control, ACK policy, and the values the
// scheduler sees.
#include <gtest/gtest.h>

#include "endpoint_pair.hpp"

namespace progmp::transport::test {
namespace {

Instant at_ms(std::int64_t ms) { return Instant::epoch() + Duration::millis(ms); }

// Client sends until the stream holds `total` bytes (as the send buffer allows) and runs until all are delivered or
// `limit` passes; then lets the last ACKs arrive.
void transfer(EndpointPair& p, std::size_t total, Instant limit) {
  while (p.at_server.received < total && p.now < limit) {
    if (p.client_offset() < total) p.send(std::min<std::size_t>(total - p.client_offset(), 256 * 1024));
    p.run_for(Duration::millis(5));
  }
  p.run_for(Duration::millis(300));
}

runtime::SubflowValues values(EndpointPair& p, runtime::SubflowId id, bool server = false) {
  runtime::SubflowValues v;
  EXPECT_TRUE((server ? p.server : p.client).scheduler_values(server ? p.sconn : p.cconn, id, v));
  return v;
}

PathInfo path(EndpointPair& p, runtime::SubflowId id, bool server = false) {
  PathInfo i;
  EXPECT_TRUE((server ? p.server : p.client).path_info(server ? p.sconn : p.cconn, id, i));
  return i;
}

TEST(Endpoint, HandshakeTakesOneRoundTripAndJoinsFollow) {
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(30)}});
  EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Handshaking);
  p.run_until(at_ms(19));
  EXPECT_FALSE(p.has_event(false, EventKind::Connected));
  p.run_until(at_ms(21));
  // The client knows the keys after one round trip: the handshake round trip is path 1's first RTT sample.
  EXPECT_TRUE(p.has_event(false, EventKind::Connected));
  EXPECT_TRUE(path(p, 1).available);
  EXPECT_FALSE(path(p, 2).available);
  runtime::SubflowValues v = values(p, 1);
  EXPECT_GE(v.srtt_us, 20'000);
  EXPECT_LT(v.srtt_us, 20'400);  // two propagation delays plus the serialisation of a 1200-byte INITIATION
  EXPECT_EQ(v.cwnd, 10);         // RFC 6928 initial window
  // The server accepts when the client's first protected packet arrives (half a round trip later).
  p.run_until(at_ms(31));
  EXPECT_TRUE(p.has_event(true, EventKind::Accepted));
  EXPECT_EQ(p.server.info(p.sconn).peer_key, p.client.config().identity.public_key);
  // The second path joins after the handshake: JOIN + PATH_CHALLENGE, answered by PATH_RESPONSE (60 ms RTT).
  p.run_until(at_ms(79));
  EXPECT_FALSE(path(p, 2).available);
  p.run_until(at_ms(82));
  EXPECT_TRUE(path(p, 2).available);
  v = values(p, 2);
  EXPECT_GE(v.srtt_us, 60'000);
  EXPECT_LT(v.srtt_us, 60'100);
  EXPECT_EQ(v.rttvar_us, v.srtt_us / 2);  // RFC 6298 §2.2 first sample
  // The server validates the client's address on path 2 with its own challenge, one more half round trip.
  p.run_until(at_ms(115));
  EXPECT_TRUE(path(p, 2, true).available);
  EXPECT_TRUE(path(p, 2, true).validated);
  EXPECT_EQ(p.client.counters().handshakes_completed, 1u);
  EXPECT_EQ(p.server.counters().handshakes_completed, 1u);
}

TEST(Endpoint, OnePathDeliversEveryByteOnceInOrder) {
  EndpointPair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(25));
  transfer(p, 3'000'000, at_ms(10'000));
  EXPECT_EQ(p.at_server.received, 3'000'000u);
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_EQ(p.client.info(p.cconn).bytes_acked, 3'000'000u);
  const PathInfo i = path(p, 1);
  EXPECT_EQ(i.counters.bytes_sent, 3'000'000u);  // no loss, no retransmission
  EXPECT_EQ(i.counters.retransmitted_bytes, 0u);
  EXPECT_EQ(path(p, 1, true).counters.bytes_received, 3'000'000u);
}

TEST(Endpoint, BothDirectionsCarryDataAtTheSameTime) {
  EndpointPair p({{Duration::millis(10), 50'000'000}, {Duration::millis(20), 30'000'000}});
  p.run_until(at_ms(100));
  for (int round = 0; round < 40; ++round) {
    if (p.client_offset() < 2'000'000) p.send(100'000);
    if (p.server_offset() < 1'000'000) p.send(50'000, 0, true);
    p.run_for(Duration::millis(20));
  }
  p.run_for(Duration::seconds(2));
  EXPECT_EQ(p.at_server.received, 2'000'000u);
  EXPECT_EQ(p.at_client.received, 1'000'000u);
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_TRUE(p.at_client.intact);
  // The server scheduled its own data over both subflows it learnt from the client.
  EXPECT_GT(path(p, 1, true).counters.bytes_sent, 0u);
  EXPECT_GT(path(p, 2, true).counters.bytes_sent, 0u);
}

TEST(Endpoint, AcksRideOnDataWhenBothFitInADatagram) {
  TransportConfig cfg;
  cfg.mss = 1000;  // leaves room for an ACK next to a DATA frame in 1472 bytes
  EndpointPair p({{Duration::millis(10), 50'000'000}}, cfg);
  p.run_until(at_ms(40));
  const std::uint64_t out_before = p.server.counters().datagrams_out;
  // Request/response: each response carries the acknowledgement of its request.
  for (int i = 0; i < 50; ++i) {
    p.send(100);
    while (p.at_server.received < 100u * (i + 1)) p.run_for(Duration::millis(1));
    p.send(2000, 0, true);
    while (p.at_client.received < 2000u * (i + 1)) p.run_for(Duration::millis(1));
  }
  p.run_for(Duration::millis(500));
  ASSERT_TRUE(p.at_client.intact && p.at_server.intact);
  // 100 DATA packets; a separate ACK per request would add 50 datagrams.
  EXPECT_LE(p.server.counters().datagrams_out - out_before, 105u);
}

TEST(Endpoint, SingleLossIsRepairedBySackWithoutTimeout) {
  EndpointPair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(25));
  const std::uint64_t base = p.sent_datagrams(0, true);
  p.drop = [base](std::uint32_t, bool to_server, std::uint64_t n, Instant) { return to_server && n == base + 200; };
  transfer(p, 1'000'000, at_ms(10'000));
  EXPECT_EQ(p.at_server.received, 1'000'000u);
  EXPECT_TRUE(p.at_server.intact);
  const PathInfo i = path(p, 1);
  EXPECT_EQ(i.counters.timeouts, 0u);
  EXPECT_EQ(i.counters.segments_lost, 1u);
  EXPECT_EQ(i.counters.retransmitted_bytes, 1400u);
  EXPECT_LT(values(p, 1).ssthresh, 2147483647);  // the loss ended slow start
}

TEST(Endpoint, LossyPathsStillDeliverEverythingExactlyOnce) {
  EndpointPair p({{Duration::millis(10), 20'000'000}, {Duration::millis(40), 20'000'000}});
  p.run_until(at_ms(200));
  // Every 13th datagram on path 0 and every 17th on path 1, in both directions.
  p.drop = [](std::uint32_t i, bool, std::uint64_t n, Instant) { return n % (i == 0 ? 13 : 17) == 5; };
  transfer(p, 2'000'000, at_ms(60'000));
  EXPECT_EQ(p.at_server.received, 2'000'000u);
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_GT(path(p, 1).counters.retransmitted_bytes + path(p, 2).counters.retransmitted_bytes, 0u);
}

TEST(Endpoint, RetransmissionTimeoutWhenEverythingInFlightIsLost) {
  EndpointPair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(40));
  // Drop the whole first flight (10 segments): no SACK can arrive, only the RTO recovers.
  const std::uint64_t base = p.sent_datagrams(0, true);
  p.drop = [base](std::uint32_t, bool to_server, std::uint64_t n, Instant) {
    return to_server && n >= base && n < base + 10;
  };
  transfer(p, 14'000, at_ms(5'000));
  EXPECT_EQ(p.at_server.received, 14'000u);
  EXPECT_EQ(path(p, 1).counters.timeouts, 1u);
  EXPECT_FALSE(values(p, 1).in_rto_recovery);  // everything outstanding at the timeout was acknowledged
}

TEST(Endpoint, DeadPathFailsItsDataMovesToTheOtherPathAndItRecovers) {
  EndpointPair p({{Duration::millis(5), 20'000'000}, {Duration::millis(25), 20'000'000}});
  bool down = false;
  p.drop = [&down](std::uint32_t i, bool, std::uint64_t, Instant) { return down && i == 0; };
  p.run_until(at_ms(120));
  const std::size_t sent = p.send(1'000'000);
  p.run_until(at_ms(160));
  down = true;
  p.run_until(at_ms(3'000));
  EXPECT_FALSE(path(p, 1).available);
  EXPECT_EQ(path(p, 1).counters.failures, 1u);
  EXPECT_TRUE(p.has_event(false, EventKind::PathDown, 1));
  EXPECT_EQ(p.at_server.received, sent);  // the failed subflow's packets were reinjected on the other one
  EXPECT_TRUE(p.at_server.intact);
  down = false;
  p.run_until(at_ms(4'000));
  EXPECT_TRUE(path(p, 1).available);  // a probe (JOIN on a fresh path ID) was answered
  EXPECT_TRUE(path(p, 1, true).available);
  const std::uint64_t before = path(p, 1).counters.bytes_sent;
  transfer(p, sent + 500'000, at_ms(10'000));
  EXPECT_EQ(p.at_server.received, sent + 500'000);
  EXPECT_GT(path(p, 1).counters.bytes_sent, before);  // used again (lowest RTT)
}

TEST(Endpoint, SenderNeverExceedsTheDataLevelWindow) {
  TransportConfig cfg;
  cfg.rcv_buf_bytes = 64 * 1024;
  // Very different delays make the fast path run ahead of the slow path's holes.
  EndpointPair p({{Duration::millis(5), 50'000'000}, {Duration::millis(100), 50'000'000}}, cfg);
  transfer(p, 2'000'000, at_ms(60'000));
  EXPECT_EQ(p.at_server.received, 2'000'000u);
  EXPECT_TRUE(p.at_server.intact);
}

TEST(Endpoint, ASlowReaderClosesTheWindowAndReadingReopensIt) {
  TransportConfig cfg;
  cfg.rcv_buf_bytes = 100'000;
  PairOptions o;
  o.server_reads = false;
  EndpointPair p({{Duration::millis(10), 50'000'000}}, cfg, o);
  p.run_until(at_ms(40));
  p.send(1'000'000);
  p.run_for(Duration::seconds(2));
  // Nothing was read: the server holds at most its buffer, and the client stopped sending.
  EXPECT_LE(p.server.readable_bytes(p.sconn), 100'000u);
  EXPECT_GE(p.server.readable_bytes(p.sconn), 90'000u);
  EXPECT_LE(p.client.info(p.cconn).bytes_acked, 100'000u);
  // The application reads: the window update reaches the client without any new data to carry it.
  for (int i = 0; i < 40 && p.at_server.received < 1'000'000; ++i) {
    p.read_all(true);
    p.run_for(Duration::millis(50));
  }
  p.read_all(true);
  EXPECT_EQ(p.at_server.received, 1'000'000u);
  EXPECT_TRUE(p.at_server.intact);
}

TEST(Endpoint, DelayedAcksAcknowledgeEverySecondSegment) {
  TransportConfig cfg;
  cfg.ack_every = 2;
  EndpointPair p({{Duration::millis(10), 50'000'000}}, cfg);
  p.run_until(at_ms(40));
  const std::uint64_t acks_before = p.server.counters().datagrams_out;
  transfer(p, 1400 * 1000, at_ms(10'000));
  const std::uint64_t acks = p.server.counters().datagrams_out - acks_before;
  EXPECT_GE(acks, 495u);
  EXPECT_LE(acks, 560u);  // half the 1000 segments, plus a few delayed-ACK timer expiries
}

TEST(Endpoint, BackupSignalReachesBothSchedulers) {
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(10)}});
  p.run_until(at_ms(100));
  EXPECT_FALSE(values(p, 2).backup);
  EXPECT_FALSE(values(p, 2, true).backup);
  // The server asks for path 2 to be a backup (as a mobile host would for LTE): both ends apply it.
  ASSERT_TRUE(p.server.set_backup(p.sconn, p.now, 2, true));
  p.pump();
  p.run_until(at_ms(150));
  EXPECT_TRUE(values(p, 2, true).backup);
  EXPECT_TRUE(values(p, 2).backup);
}

TEST(Endpoint, OneWayDelaysAndDeliveryRateAreMeasured) {
  EndpointPair p({{Duration::millis(10), 10'000'000}});
  p.run_until(at_ms(40));
  transfer(p, 1'000'000, at_ms(10'000));
  runtime::SubflowValues v = values(p, 1);
  ASSERT_TRUE(v.delay_in_us && v.delay_out_us);
  // Clocks agree in this harness, so one-way delays are the propagation delay plus serialisation/queueing.
  EXPECT_GE(*v.delay_in_us, 10'000);
  EXPECT_GE(*v.delay_out_us, 10'000);
  EXPECT_LT(*v.delay_in_us, 12'000);
  // The link carries 10 Mbit/s of datagrams; payload is 1400 of 1495 bytes: about 1.17 MB/s delivered.
  EXPECT_GT(v.delivery_rate, 900'000);
  EXPECT_LT(v.delivery_rate, 1'300'000);
}

TEST(Endpoint, WindowDoesNotGrowWhileTheSubflowDoesNotUseIt) {
  // One packet every 50 ms never fills the initial window of 10: acknowledgements must not inflate CWND
  // (congestion-window validation), or CWND × MSS / RTT stops meaning capacity.
  EndpointPair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(40));
  for (int i = 0; i < 100; ++i) {
    p.send(1400);
    p.run_for(Duration::millis(50));
  }
  EXPECT_EQ(values(p, 1).cwnd, 10);
  EXPECT_EQ(p.at_server.received, 140'000u);
  // A bulk transfer that fills the window does grow it.
  p.send(2'000'000);
  p.run_for(Duration::millis(60));
  EXPECT_GT(values(p, 1).cwnd, 20);
}

TEST(Endpoint, IdleSubflowRestartsFromTheInitialWindow) {
  // RFC 5681 §4.1: after more than an RTO without sending, cwnd := min(cwnd, initial window).
  EndpointPair p({{Duration::millis(10), 50'000'000}});
  p.run_until(at_ms(40));
  p.send(1'500'000);
  p.run_for(Duration::millis(400));
  ASSERT_GT(values(p, 1).cwnd, 10);
  p.run_for(Duration::seconds(2));
  p.send(1400);
  const runtime::SubflowValues v = values(p, 1);
  EXPECT_EQ(v.cwnd, 10);
  EXPECT_EQ(v.in_flight, 1);
}

TEST(Endpoint, RemovedSubflowHandsItsPacketsBackAndNeverReturns) {
  EndpointPair p({{Duration::millis(5), 20'000'000}, {Duration::millis(25), 20'000'000}});
  p.run_until(at_ms(150));
  p.send(500'000);
  p.run_for(Duration::millis(30));
  ASSERT_TRUE(p.client.remove_path(p.cconn, p.now, 1));
  EXPECT_FALSE(path(p, 1).available);
  EXPECT_FALSE(p.client.remove_path(p.cconn, p.now, 1));  // already gone
  p.pump();
  p.run_for(Duration::seconds(5));
  EXPECT_EQ(p.at_server.received, 500'000u);  // its packets were reinjected on the other subflow
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_FALSE(path(p, 1).available);
  EXPECT_FALSE(path(p, 1, true).available);  // the server removed it too (PATH_CLOSE)
  EXPECT_TRUE(p.has_event(true, EventKind::PathDown, 1));
}

TEST(Endpoint, PathsAddedDuringATransferJoinAndCarryData) {
  EndpointPair p({{Duration::millis(10), 10'000'000}, {Duration::millis(10), 10'000'000}});
  // Remove the second subflow, then add a third one on its route during the transfer.
  p.run_until(at_ms(100));
  ASSERT_TRUE(p.client.remove_path(p.cconn, p.now, 2));
  p.send(2'000'000);
  p.run_for(Duration::millis(300));
  const runtime::SubflowId added = p.client.add_path(p.cconn, p.now, p.spec(1));
  EXPECT_EQ(added, 3u);  // IDs are never reused
  p.pump();
  p.run_for(Duration::seconds(3));
  EXPECT_TRUE(path(p, 3).available);
  EXPECT_GT(path(p, 3).counters.bytes_sent, 0u);
  EXPECT_EQ(p.at_server.received, 2'000'000u);
}

TEST(Endpoint, AtMost32SubflowsAndIdsIncrease) {
  std::vector<PairPath> paths(33, PairPath{Duration::millis(5)});
  EndpointPair p(paths);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(p.ids[i], i + 1);
  EXPECT_EQ(p.ids[32], 0u);  // the 33rd is refused
  p.run_for(Duration::millis(40));
  for (std::size_t i = 0; i < 32; ++i) EXPECT_TRUE(path(p, p.ids[i]).available);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_TRUE(path(p, p.ids[i], true).available);
}

TEST(Endpoint, UserTagsOfASendCallReachTheScheduler) {
  // A scheduler that sends packets tagged 7 on subflow 2 and all others on subflow 1.
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(10)}});
  const char* source = R"(
    SCHEDULER tags;
    VAR s1 = SUBFLOWS.FILTER(f => f.ID == 1 AND f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED).GET(0);
    VAR s2 = SUBFLOWS.FILTER(f => f.ID == 2 AND f.CWND > f.SKBS_IN_FLIGHT + f.QUEUED).GET(0);
    VAR p = Q.TOP;
    IF (p != NULL AND p.USER == 7) { s2.PUSH(Q.POP()); } ELSE { s1.PUSH(Q.POP()); }
  )";
  ASSERT_EQ(p.client.runtime().load_scheduler("tags", source).status, runtime::Status::Ok);
  p.run_until(at_ms(150));
  ASSERT_EQ(p.client.set_scheduler(p.cconn, p.now, "tags"), runtime::Status::Ok);
  p.send(14'000, 0);
  p.send(7'000, 7);
  p.run_for(Duration::seconds(1));
  EXPECT_EQ(p.at_server.received, 21'000u);
  EXPECT_EQ(path(p, 1).counters.bytes_sent, 14'000u);
  EXPECT_EQ(path(p, 2).counters.bytes_sent, 7'000u);
}

TEST(Endpoint, APacketPushedTwiceToOneSubflowIsSentOnce) {
  // Every packet is pushed twice to the same subflow in one execution: the second push finds the copy still queued
  // and is deduplicated (runtime.md §7.5), so each byte goes out once.
  EndpointPair p({{Duration::millis(10)}});
  const char* source = R"(
    SCHEDULER twice;
    VAR s = SUBFLOWS.GET(0);
    VAR p = Q.TOP;
    IF (p != NULL AND s.CWND > s.SKBS_IN_FLIGHT + s.QUEUED) { s.PUSH(p); s.PUSH(Q.POP()); }
  )";
  ASSERT_EQ(p.client.runtime().load_scheduler("twice", source).status, runtime::Status::Ok);
  p.run_until(at_ms(50));
  ASSERT_EQ(p.client.set_scheduler(p.cconn, p.now, "twice"), runtime::Status::Ok);
  p.send(200'000);
  p.run_for(Duration::seconds(2));
  EXPECT_EQ(p.at_server.received, 200'000u);
  EXPECT_TRUE(p.at_server.intact);
  EXPECT_EQ(path(p, 1).counters.bytes_sent, 200'000u);
}

}  // namespace
}  // namespace progmp::transport::test

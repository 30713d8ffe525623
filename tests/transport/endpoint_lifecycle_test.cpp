// A connection's life: graceful close in both directions, a lost FIN, abort, idle timeout, an unreachable server,
// silent path failure (detection bound, recovery on the surviving path), keep-alives, release.
#include <gtest/gtest.h>

#include "endpoint_pair.hpp"

namespace progmp::transport::test {
namespace {

Instant at_ms(std::int64_t ms) { return Instant::epoch() + Duration::millis(ms); }

PathInfo path(EndpointPair& p, runtime::SubflowId id, bool server = false) {
  PathInfo i;
  EXPECT_TRUE((server ? p.server : p.client).path_info(server ? p.sconn : p.cconn, id, i));
  return i;
}

TEST(Lifecycle, GracefulCloseEndsBothDirectionsAfterEveryByte) {
  EndpointPair p({{Duration::millis(10), 20'000'000}, {Duration::millis(20), 20'000'000}});
  p.run_until(at_ms(100));
  p.send(300'000);
  p.send(200'000, 0, true);
  ASSERT_TRUE(p.client.close(p.cconn, p.now));
  EXPECT_FALSE(p.client.close(p.cconn, p.now));  // once
  EXPECT_EQ(p.client.send(p.cconn, p.now, std::vector<std::byte>(10)).status, runtime::Status::Closed);
  p.pump();
  p.run_for(Duration::seconds(2));
  // The client's stream ended; the server's is still open.
  EXPECT_EQ(p.at_server.received, 300'000u);
  EXPECT_TRUE(p.at_server.fin);
  EXPECT_TRUE(p.has_event(true, EventKind::PeerFinished));
  EXPECT_TRUE(p.client.info(p.cconn).finished);
  EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Established);
  ASSERT_TRUE(p.server.close(p.sconn, p.now));
  p.pump();
  p.run_for(Duration::seconds(2));
  EXPECT_EQ(p.at_client.received, 200'000u);
  EXPECT_TRUE(p.at_client.fin);
  for (Endpoint* e : {&p.client, &p.server}) {
    const ConnectionInfo i = e->info(e == &p.client ? p.cconn : p.sconn);
    EXPECT_EQ(i.state, ConnectionState::Closed);
    EXPECT_EQ(i.close_reason, CloseReason::Finished);
    EXPECT_EQ(i.bytes_acked, i.bytes_sent);
  }
  EXPECT_TRUE(p.has_event(false, EventKind::Closed));
  EXPECT_TRUE(p.has_event(true, EventKind::Closed));
  p.server.release(p.sconn);
  EXPECT_EQ(p.server.info(p.sconn).state, ConnectionState::Unknown);
  EXPECT_EQ(p.server.connection_count(), 0u);
}

TEST(Lifecycle, ALostFinIsRetransmitted) {
  EndpointPair p({{Duration::millis(10), 20'000'000}});
  p.run_until(at_ms(40));
  p.send(14'000);
  p.run_for(Duration::millis(200));
  ASSERT_EQ(p.at_server.received, 14'000u);
  // Everything is acknowledged; the next datagram to the server is the FIN: drop it once.
  bool dropped = false;
  p.drop = [&](std::uint32_t, bool to_server, std::uint64_t, Instant) {
    if (to_server && !dropped) return dropped = true;
    return false;
  };
  ASSERT_TRUE(p.client.close(p.cconn, p.now));
  p.pump();
  EXPECT_TRUE(dropped);
  p.run_for(Duration::millis(100));
  EXPECT_FALSE(p.client.info(p.cconn).finished);
  p.run_for(Duration::seconds(2));  // the RTO resends it
  EXPECT_TRUE(p.at_server.fin);
  EXPECT_TRUE(p.client.info(p.cconn).finished);
}

TEST(Lifecycle, AbortReachesThePeerAndReportsWhatWasNotDelivered) {
  EndpointPair p({{Duration::millis(10), 5'000'000}});
  p.run_until(at_ms(40));
  p.send(1'000'000);
  p.run_for(Duration::millis(200));
  p.client.abort(p.cconn, p.now);
  p.pump();
  const ConnectionInfo i = p.client.info(p.cconn);
  EXPECT_EQ(i.state, ConnectionState::Closed);
  EXPECT_EQ(i.close_reason, CloseReason::LocalAbort);
  EXPECT_LT(i.bytes_acked, i.bytes_sent);  // the undelivered remainder is reported, not silently lost
  p.run_for(Duration::seconds(2));  // behind the data already queued on the 5 Mbit/s link
  EXPECT_EQ(p.server.info(p.sconn).close_reason, CloseReason::PeerAbort);
  EXPECT_EQ(p.server.info(p.sconn).close_code, wire::CloseCode::ApplicationAbort);
}

TEST(Lifecycle, ASilentPeerIsClosedAfterTheIdleTimeout) {
  PairOptions o;
  o.client_config = [](EndpointConfig& c) { c.idle_timeout = Duration::seconds(2); };
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.run_until(at_ms(100));
  // Negotiated: the smaller of both ends' timeouts (the server's default is 30 s). The last datagrams crossed at
  // about 40 ms.
  p.drop = [](std::uint32_t, bool, std::uint64_t, Instant) { return true; };
  p.run_until(at_ms(1'900));
  EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Established);
  p.run_until(at_ms(2'200));
  EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::IdleTimeout);
  EXPECT_EQ(p.server.info(p.sconn).close_reason, CloseReason::IdleTimeout);
}

TEST(Lifecycle, AnUnreachableServerEndsInAHandshakeTimeoutAfterBackedOffRetries) {
  PairOptions o;
  o.connect = false;
  o.client_config = [](EndpointConfig& c) { c.handshake_timeout = Duration::seconds(10); };
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.drop = [](std::uint32_t, bool, std::uint64_t, Instant) { return true; };
  p.connect();
  p.run_for(Duration::seconds(11));
  EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::HandshakeTimeout);
  // Sent at 0, 1, 3 and 7 s (RFC 6298 back-off from a 1 s initial RTO).
  EXPECT_EQ(p.sent_datagrams(0, true), 4u);
}

TEST(Lifecycle, ASilentPathFailsWithinTheBoundAndGoodputRecoversOnTheOther) {
  TransportConfig cfg;
  cfg.path_timeout = Duration::millis(300);
  // The harness's links have unlimited queues; a bounded window keeps them from bloating the RTT to seconds.
  cfg.rcv_buf_bytes = 256 * 1024;
  EndpointPair p({{Duration::millis(5), 20'000'000}, {Duration::millis(15), 20'000'000}}, cfg);
  const std::uint64_t total = 8'000'000;
  auto feed = [&] {
    if (p.client_offset() < total) p.send(std::min<std::uint64_t>(total - p.client_offset(), 1'000'000));
  };
  while (p.now < at_ms(1'000)) {
    feed();
    p.run_for(Duration::millis(10));
  }
  ASSERT_TRUE(path(p, 1).available && path(p, 2).available);
  // Path 1 goes black: no error, no ICMP, everything dropped in both directions.
  bool black = true;
  p.drop = [&black](std::uint32_t i, bool, std::uint64_t, Instant) { return black && i == 0; };
  const std::uint64_t at_failure = p.at_server.received;
  Instant detected{};
  std::uint64_t one_second_later = 0;
  while (p.now < at_ms(3'000)) {
    feed();
    p.run_for(Duration::millis(10));
    if (detected == Instant{} && !path(p, 1).available) detected = p.now;
    if (p.now == at_ms(2'000)) one_second_later = p.at_server.received;
  }
  ASSERT_NE(detected, Instant{});
  const PathInfo survivor = path(p, 2);
  const Duration bound = std::max(Duration::millis(300), survivor.srtt + survivor.rttvar * 4 + Duration::millis(25));
  EXPECT_LE(detected - at_ms(1'000), Duration::millis(320));
  EXPECT_LE(detected - at_ms(1'000), bound + Duration::millis(20));
  EXPECT_TRUE(p.has_event(false, EventKind::PathDown, 1));
  // In the second after the failure the surviving path carries the transfer: at least half of its 2.5 MB/s.
  EXPECT_GT(one_second_later - at_failure, 1'250'000u);
  EXPECT_TRUE(p.at_server.intact);
  // The server detects the silence on its side too.
  EXPECT_FALSE(path(p, 1, true).available);
  // The path comes back: the client's probes find it.
  black = false;
  while (p.now < at_ms(4'000)) {
    feed();
    p.run_for(Duration::millis(10));
  }
  EXPECT_TRUE(path(p, 1).available);
  while (p.now < at_ms(15'000) && p.at_server.received < total) {
    feed();
    p.run_for(Duration::millis(10));
  }
  EXPECT_EQ(p.at_server.received, total);
}

TEST(Lifecycle, IdlePathsStayUpOnKeepalives) {
  TransportConfig cfg;
  cfg.path_timeout = Duration::millis(300);
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(30)}}, cfg);
  p.run_until(at_ms(200));
  const std::uint64_t out0 = p.client.counters().datagrams_out;
  p.run_until(at_ms(10'200));  // ten seconds without application data
  EXPECT_TRUE(path(p, 1).available);
  EXPECT_TRUE(path(p, 2).available);
  EXPECT_EQ(path(p, 1).counters.failures, 0u);
  EXPECT_EQ(path(p, 2).counters.failures, 0u);
  // About one PING per path every 100 ms, each answered: tens per second, not thousands.
  const std::uint64_t sent = p.client.counters().datagrams_out - out0;
  EXPECT_GT(sent, 100u);
  EXPECT_LT(sent, 600u);
}

TEST(Lifecycle, WithoutPathTimeoutFailureIsLeftToRetransmissionTimeouts) {
  EndpointPair p({{Duration::millis(5)}, {Duration::millis(15)}});
  p.run_until(at_ms(200));
  p.drop = [](std::uint32_t i, bool, std::uint64_t, Instant) { return i == 0; };
  p.run_until(at_ms(10'000));  // idle: nothing outstanding, nothing to time out
  EXPECT_TRUE(path(p, 1).available);
}

}  // namespace
}  // namespace progmp::transport::test

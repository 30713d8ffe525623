// The attacks of docs/security.md's threat model, each played against two Endpoints with real keys
// (ChaCha20-Poly1305): every forged, replayed, truncated, tampered, wrong-key or amplification attempt must end in
// its drop counter, change nothing the applications can see, and create no state.
#include <gtest/gtest.h>

#include <map>

#include "endpoint_pair.hpp"
#include "progmp/transport/crypto/tokens.hpp"
#include "progmp/transport/packet.hpp"

namespace progmp::transport::test {
namespace {

Instant at_ms(std::int64_t ms) { return Instant::epoch() + Duration::millis(ms); }

// Counters that mean "dropped for some reason".
std::uint64_t drops(const EndpointCounters& c) {
  return c.dropped_malformed + c.dropped_version + c.dropped_unknown_connection + c.dropped_unknown_path +
         c.dropped_authentication + c.dropped_replay + c.dropped_frames + c.dropped_handshake +
         c.dropped_replayed_initiation + c.dropped_token;
}

// Runs a transfer of `n` bytes client → server to completion.
void transfer(EndpointPair& p, std::size_t n) {
  p.send(n);
  for (int i = 0; i < 200 && p.at_server.received < p.client_offset(); ++i) p.run_for(Duration::millis(20));
}

// Sends 1000 bytes and returns the protected datagram that carries them, still on its way to the server.
std::vector<std::byte> data_datagram(EndpointPair& p) {
  p.capture = true;
  p.send(1000);
  p.run_for(Duration::millis(5));
  p.capture = false;
  std::vector<std::byte> found;
  for (const auto& d : p.captured)
    if (d.to_server && d.bytes.size() > 1000) found = d.bytes;
  return found;
}

std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int x : v) out.push_back(static_cast<std::byte>(x));
  return out;
}

TEST(Security, GarbageAndForeignDatagramsAreDroppedAndCounted) {
  EndpointPair p({{Duration::millis(10)}});
  p.run_until(at_ms(100));
  transfer(p, 100'000);
  const ConnectionInfo before = p.server.info(p.sconn);
  const EndpointCounters c0 = p.server.counters();
  const Address stranger = Address::from_index(999);
  p.inject(true, 0, stranger, bytes_of({0x12, 0x34}));                        // not ours at all
  p.inject(true, 0, stranger, std::vector<std::byte>(40, std::byte{0xA2}));   // our magic, nonsense type
  std::vector<std::byte> unknown(200, std::byte{0});
  packet::write_protected_header(unknown, packet::ProtectedHeader{ConnectionId{0x1234}, PathId{1}, 5});
  p.inject(true, 0, stranger, unknown);  // a connection the server does not have
  const EndpointCounters& c = p.server.counters();
  EXPECT_EQ(c.dropped_malformed - c0.dropped_malformed, 2u);
  EXPECT_EQ(c.dropped_unknown_connection - c0.dropped_unknown_connection, 1u);
  EXPECT_EQ(c.resets_sent - c0.resets_sent, 1u);  // answered with a stateless reset (26 bytes < 200)
  EXPECT_EQ(p.server.connection_count(), 1u);
  EXPECT_EQ(p.server.info(p.sconn).bytes_received, before.bytes_received);
  transfer(p, 100'000);  // the connection is unharmed
  EXPECT_EQ(p.at_server.received, 200'000u);
  EXPECT_TRUE(p.at_server.intact);
}

TEST(Security, EveryBitFlipOfAProtectedDatagramIsRejected) {
  EndpointPair p({{Duration::millis(10)}});
  p.run_until(at_ms(100));
  const std::vector<std::byte> original = data_datagram(p);
  ASSERT_FALSE(original.empty());
  // The genuine datagram is still in flight; tampered copies arrive first, each with one bit flipped.
  const EndpointCounters c0 = p.server.counters();
  const std::uint64_t received0 = p.server.info(p.sconn).bytes_received;
  std::size_t injected = 0;
  for (std::size_t bit = 0; bit < original.size() * 8; bit += 7) {
    std::vector<std::byte> copy = original;
    copy[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    p.inject(true, 0, EndpointPair::client_address(0), copy);
    ++injected;
  }
  EXPECT_EQ(drops(p.server.counters()) - drops(c0), injected);
  EXPECT_EQ(p.server.info(p.sconn).bytes_received, received0);
  p.run_for(Duration::millis(100));
  EXPECT_EQ(p.at_server.received, 1000u);  // the genuine one still counts
  EXPECT_TRUE(p.at_server.intact);
}

TEST(Security, TruncatedDatagramsAreRejected) {
  EndpointPair p({{Duration::millis(10)}});
  p.run_until(at_ms(100));
  const std::vector<std::byte> original = data_datagram(p);
  ASSERT_FALSE(original.empty());
  const EndpointCounters c0 = p.server.counters();
  for (std::size_t n = 0; n < original.size(); n += 13)
    p.inject(true, 0, EndpointPair::client_address(0), std::span<const std::byte>(original.data(), n));
  const std::size_t injected = (original.size() + 12) / 13;
  EXPECT_EQ(drops(p.server.counters()) - drops(c0), injected);
  p.run_for(Duration::millis(100));
  EXPECT_EQ(p.at_server.received, 1000u);
}

TEST(Security, ReplayedDatagramsAreDroppedAndChangeNothing) {
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(20)}});
  p.run_until(at_ms(150));
  p.capture = true;
  transfer(p, 300'000);
  p.capture = false;
  p.run_for(Duration::millis(500));
  const std::uint64_t received = p.server.info(p.sconn).bytes_received;
  const EndpointCounters c0 = p.server.counters();
  std::size_t replayed = 0;
  for (const auto& d : p.captured) {
    if (!d.to_server) continue;
    p.inject(true, d.path, EndpointPair::client_address(d.path), d.bytes);
    ++replayed;
  }
  ASSERT_GT(replayed, 100u);
  EXPECT_EQ(p.server.counters().dropped_replay - c0.dropped_replay, replayed);
  EXPECT_EQ(p.server.info(p.sconn).bytes_received, received);
  EXPECT_EQ(p.server.connection_count(), 1u);
  EXPECT_EQ(p.at_server.received, 300'000u);
  EXPECT_TRUE(p.at_server.intact);
}

TEST(Security, AWrongServerKeyFailsTheHandshakeAndLeavesNoState) {
  PairOptions o;
  o.connect = false;
  o.client_config = [](EndpointConfig& c) { c.handshake_timeout = Duration::seconds(5); };
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  SeededRandom other(77);
  const crypto::PublicKey wrong = crypto::generate_key_pair(other).public_key;
  p.connect(&wrong);
  p.run_for(Duration::seconds(6));
  EXPECT_GE(p.server.counters().dropped_handshake, 3u);  // the first INITIATION and its retransmissions
  EXPECT_EQ(p.server.connection_count(), 0u);
  EXPECT_EQ(p.server.counters().datagrams_out, 0u);  // not a byte sent back
  EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Closed);
  EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::HandshakeTimeout);
  EXPECT_TRUE(p.has_event(false, EventKind::Closed));
}

TEST(Security, OnlyAllowListedClientsAreAccepted) {
  SeededRandom keys(0xc1);  // the harness's client key
  const crypto::PublicKey client_key = crypto::generate_key_pair(keys).public_key;
  SeededRandom others(5);
  const crypto::PublicKey someone_else = crypto::generate_key_pair(others).public_key;
  {
    PairOptions o;
    o.server_config = [&](EndpointConfig& c) { c.allowed_clients = {someone_else}; };
    EndpointPair p({{Duration::millis(10)}}, {}, o);
    p.run_for(Duration::millis(100));
    EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::HandshakeRejected);
    EXPECT_EQ(p.client.info(p.cconn).close_code, wire::CloseCode::NotAllowed);
    EXPECT_EQ(p.server.connection_count(), 0u);
    EXPECT_EQ(p.server.counters().rejected_clients, 1u);
  }
  {
    PairOptions o;
    o.server_config = [&](EndpointConfig& c) { c.allowed_clients = {someone_else, client_key}; };
    EndpointPair p({{Duration::millis(10)}}, {}, o);
    p.run_for(Duration::millis(100));
    EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Established);
    EXPECT_EQ(p.server.info(p.sconn).peer_key, client_key);
  }
}

TEST(Security, TheServerNeverDowngradesToTheNullCipher) {
  PairOptions o;
  o.client_config = [](EndpointConfig& c) { c.aeads = {crypto::Aead::Null}; };
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.run_for(Duration::millis(100));
  EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::HandshakeRejected);
  EXPECT_EQ(p.server.connection_count(), 0u);
}

TEST(Security, TheServerPicksTheBestCipherBothOffer) {
  const bool aes = crypto::aes256gcm_available();
  {
    EndpointPair p({{Duration::millis(10)}});  // both: the defaults
    p.run_for(Duration::millis(100));
    const crypto::Aead expected = aes ? crypto::Aead::Aes256Gcm : crypto::Aead::ChaCha20Poly1305;
    EXPECT_EQ(p.client.info(p.cconn).aead, expected);
    EXPECT_EQ(p.server.info(p.sconn).aead, expected);
    p.send(100'000);
    p.run_for(Duration::millis(500));
    EXPECT_EQ(p.at_server.received, 100'000u);
  }
  {
    PairOptions o;
    o.client_config = [](EndpointConfig& c) { c.aeads = {crypto::Aead::ChaCha20Poly1305}; };
    EndpointPair p({{Duration::millis(10)}}, {}, o);
    p.run_for(Duration::millis(100));
    EXPECT_EQ(p.server.info(p.sconn).aead, crypto::Aead::ChaCha20Poly1305);
  }
  if (aes) {
    PairOptions o;
    o.client_config = [](EndpointConfig& c) { c.aeads = {crypto::Aead::ChaCha20Poly1305, crypto::Aead::Aes256Gcm}; };
    o.server_config = [](EndpointConfig& c) { c.aeads = {crypto::Aead::Aes256Gcm}; };
    EndpointPair p({{Duration::millis(10)}}, {}, o);
    p.run_for(Duration::millis(100));
    EXPECT_EQ(p.client.info(p.cconn).aead, crypto::Aead::Aes256Gcm);  // the server's preference wins
  }
}

TEST(Security, ASpoofedInitiationGetsAtMostThreeTimesItsSizeInReturn) {
  PairOptions o;
  o.connect = false;
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  // The attacker replays a client's genuine INITIATION from the victim's address.
  p.capture = true;
  p.connect();
  p.capture = false;
  ASSERT_FALSE(p.captured.empty());
  const std::vector<std::byte> initiation = p.captured.front().bytes;
  p.drop = [](std::uint32_t, bool, std::uint64_t, Instant) { return true; };  // the genuine one never arrives
  const Address victim = Address::from_index(666);
  std::map<std::string, std::uint64_t> sent_to;
  std::uint64_t to_victim = 0;
  p.on_transmit = [&](bool to_server, const Transmit& t) {
    if (!to_server && t.route.remote == victim) to_victim += t.size;
  };
  p.inject(true, 0, victim, initiation);
  p.run_for(Duration::seconds(20));
  EXPECT_GT(to_victim, 0u);  // one RESPONSE
  EXPECT_LE(to_victim, 3 * initiation.size());
  // Repeats of the same INITIATION from the victim's address are answered within the same budget.
  for (int i = 0; i < 5; ++i) p.inject(true, 0, victim, initiation);
  p.run_for(Duration::seconds(1));
  EXPECT_LE(to_victim, 3 * 6 * initiation.size());
}

TEST(Security, AnUnvalidatedPathCarriesAtMostThreeTimesWhatArrivedOnIt) {
  // The server repeats its PATH_CHALLENGE every 20 ms, the client its JOIN only every 3 s: without the limit the
  // server would send far more than it receives on that path.
  PairOptions o;
  o.server_config = [](EndpointConfig& c) { c.transport.initial_rto = Duration::millis(20); };
  o.client_config = [](EndpointConfig& c) { c.transport.initial_rto = Duration::seconds(3); };
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(10)}}, {}, o);
  // Nothing from the server reaches the client on path 2: the server's challenge is never answered, the path is
  // never validated, and the client keeps probing with JOINs.
  p.drop = [](std::uint32_t path, bool to_server, std::uint64_t, Instant) { return path == 1 && !to_server; };
  std::uint64_t server_out = 0, client_out = 0;
  p.on_transmit = [&](bool to_server, const Transmit& t) {
    if (t.route.interface != 1) return;
    (to_server ? client_out : server_out) += t.size;
  };
  for (int i = 0; i < 100; ++i) {
    p.run_for(Duration::millis(100));
    ASSERT_LE(server_out, 3 * client_out) << "at " << p.now.ns_since_epoch() / 1'000'000 << " ms";
  }
  EXPECT_GT(server_out, 0u);
  EXPECT_GT(p.server.counters().amplification_limited, 0u);
  PathInfo i;
  ASSERT_TRUE(p.server.path_info(p.sconn, 2, i));
  EXPECT_FALSE(i.validated);
  EXPECT_FALSE(i.available);
}

TEST(Security, AReplayedInitiationCreatesNoConnection) {
  PairOptions o;
  o.connect = false;
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.capture = true;
  p.connect();
  p.capture = false;
  const std::vector<std::byte> initiation = p.captured.front().bytes;
  p.run_for(Duration::millis(200));
  ASSERT_EQ(p.server.connection_count(), 1u);
  ASSERT_EQ(p.client.info(p.cconn).state, ConnectionState::Established);
  p.inject(true, 0, Address::from_index(321), initiation);
  p.inject(true, 0, EndpointPair::client_address(0), initiation);
  EXPECT_EQ(p.server.counters().dropped_replayed_initiation, 2u);
  EXPECT_EQ(p.server.connection_count(), 1u);
}

TEST(Security, UnderLoadTheServerDemandsARetryTokenAndKeepsNoStateBeforeIt) {
  PairOptions o;
  o.connect = false;
  o.server_config = [](EndpointConfig& c) { c.retry_threshold = 0; };  // always
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.capture = true;
  p.connect();
  p.run_for(Duration::millis(15));
  // The first INITIATION got a RETRY and left nothing behind.
  EXPECT_EQ(p.server.counters().retries_sent, 1u);
  EXPECT_EQ(p.server.connection_count(), 0u);
  p.run_for(Duration::millis(200));
  EXPECT_EQ(p.client.info(p.cconn).state, ConnectionState::Established);
  EXPECT_EQ(p.server.connection_count(), 1u);
  p.capture = false;
  // The INITIATION that carried the token, sent from another address, is refused (the token names the address).
  std::vector<std::byte> with_token;
  for (const auto& d : p.captured) {
    const packet::Parsed parsed = packet::parse(d.bytes);
    if (parsed && std::holds_alternative<packet::Initiation>(parsed.packet()) &&
        !std::get<packet::Initiation>(parsed.packet()).token.empty())
      with_token = d.bytes;
  }
  ASSERT_FALSE(with_token.empty());
  p.inject(true, 0, Address::from_index(4242), with_token);
  EXPECT_EQ(p.server.counters().dropped_token, 1u);
  EXPECT_EQ(p.server.connection_count(), 1u);
}

TEST(Security, AJoinBuiltFromCapturedPacketsFails) {
  EndpointPair p({{Duration::millis(10)}, {Duration::millis(10)}});
  p.capture = true;
  p.run_for(Duration::millis(200));
  transfer(p, 50'000);
  p.capture = false;
  const Address attacker = Address::from_index(31337);
  const EndpointCounters c0 = p.server.counters();
  std::size_t forged = 0, replayed = 0;
  for (const auto& d : p.captured) {
    if (!d.to_server) continue;
    const packet::Parsed parsed = packet::parse(d.bytes);
    if (!parsed || !std::holds_alternative<packet::ProtectedHeader>(parsed.packet())) continue;
    // (a) The attacker moves a captured packet to a path ID of its own: the nonce covers the path, so the tag
    //     fails.
    std::vector<std::byte> moved = d.bytes;
    auto h = std::get<packet::ProtectedHeader>(parsed.packet());
    h.path = PathId{40 + static_cast<std::uint32_t>(forged)};
    packet::write_protected_header(moved, h);
    p.inject(true, 0, attacker, moved);
    ++forged;
    // (b) It replays the genuine JOIN (and everything else) from its own address: all duplicates.
    p.inject(true, 1, attacker, d.bytes);
    ++replayed;
  }
  ASSERT_GT(forged, 10u);
  const EndpointCounters& c = p.server.counters();
  EXPECT_EQ(c.dropped_authentication - c0.dropped_authentication, forged);
  EXPECT_EQ(c.dropped_replay - c0.dropped_replay, replayed);
  EXPECT_EQ(p.server.subflow_ids(p.sconn).size(), 2u);  // no path was added
  PathInfo i;
  ASSERT_TRUE(p.server.path_info(p.sconn, 2, i));
  EXPECT_EQ(i.route.remote, EndpointPair::client_address(1));  // nor moved to the attacker's address
}

TEST(Security, AServerThatLostItsStateResetsTheClientAndAForgedResetDoesNot) {
  EndpointPair p({{Duration::millis(10)}});
  p.run_until(at_ms(100));
  // A forged reset (random token) is ignored.
  std::array<std::byte, packet::kResetSize> forged{};
  std::array<std::byte, 16> token{};
  token.fill(std::byte{7});
  const ConnHandle cconn = p.cconn;
  // A reset names the ID the client writes on its datagrams (the server's): take it from one.
  p.capture = true;
  p.send(10);
  p.run_for(Duration::millis(20));
  p.capture = false;
  ConnectionId server_cid{};
  for (const auto& d : p.captured)
    if (d.to_server) server_cid = std::get<packet::ProtectedHeader>(packet::parse(d.bytes).packet()).dcid;
  packet::write_stateless_reset(forged, server_cid, token);
  p.inject(false, 0, EndpointPair::server_address(0), forged);
  EXPECT_EQ(p.client.info(cconn).state, ConnectionState::Established);
  EXPECT_EQ(p.client.counters().dropped_authentication, 1u);

  // The server restarts with the same key: a fresh endpoint that knows nothing of the connection.
  SeededRandom fresh_random(99);
  Endpoint restarted(p.server.config(), fresh_random);
  p.capture = true;
  p.send(1000);
  p.capture = false;
  std::vector<std::byte> to_server;
  for (const auto& d : p.captured)
    if (d.to_server) to_server = d.bytes;
  ASSERT_FALSE(to_server.empty());
  restarted.handle_datagram(p.now, Route{0, EndpointPair::client_address(0)}, to_server);
  std::vector<std::byte> buf(2048);
  auto t = restarted.poll_transmit(p.now, buf);
  ASSERT_TRUE(t);
  EXPECT_LT(t->size, to_server.size());
  EXPECT_EQ(restarted.counters().resets_sent, 1u);
  p.inject(false, 0, EndpointPair::server_address(0), std::span<const std::byte>(buf.data(), t->size));
  EXPECT_EQ(p.client.info(cconn).state, ConnectionState::Closed);
  EXPECT_EQ(p.client.info(cconn).close_reason, CloseReason::StatelessReset);
}

TEST(Security, AnInitiationOfAnotherVersionIsAnsweredWithTheVersionWeSpeak) {
  PairOptions o;
  o.connect = false;
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  std::vector<std::byte> future(1200, std::byte{0});
  future[0] = std::byte{0xA3};  // version 3
  future[1] = std::byte{1};     // INITIATION
  for (int i = 2; i < 18; ++i) future[i] = static_cast<std::byte>(i);
  std::uint64_t answered = 0;
  p.on_transmit = [&](bool to_server, const Transmit& t) {
    if (!to_server) answered += t.size;
  };
  p.inject(true, 0, EndpointPair::client_address(0), future);
  EXPECT_EQ(p.server.counters().dropped_version, 1u);
  EXPECT_EQ(p.server.counters().version_mismatches_sent, 1u);
  EXPECT_EQ(answered, 12u);
  EXPECT_EQ(p.server.connection_count(), 0u);
}

TEST(Security, MalformedFramesFromTheAuthenticatedPeerCloseTheConnection) {
  // With the Null cipher a test can write packets the peer accepts as authentic.
  PairOptions o;
  o.aeads = {crypto::Aead::Null};
  EndpointPair p({{Duration::millis(10)}}, {}, o);
  p.run_until(at_ms(100));
  p.capture = true;
  p.send(100);
  p.run_for(Duration::millis(5));
  p.capture = false;
  auto h = std::get<packet::ProtectedHeader>(packet::parse(p.captured.back().bytes).packet());
  h.packet_number += 100;
  std::vector<std::byte> bad(packet::kProtectedHeaderSize + 3 + crypto::kTagBytes, std::byte{0});
  packet::write_protected_header(bad, h);
  bad[packet::kProtectedHeaderSize] = std::byte{0x3F};  // an unknown frame type
  p.inject(true, 0, EndpointPair::client_address(0), bad);
  EXPECT_EQ(p.server.counters().dropped_frames, 1u);
  EXPECT_EQ(p.server.info(p.sconn).close_reason, CloseReason::ProtocolViolation);
  p.run_for(Duration::millis(50));
  EXPECT_EQ(p.client.info(p.cconn).close_reason, CloseReason::PeerAbort);
  EXPECT_EQ(p.client.info(p.cconn).close_code, wire::CloseCode::ProtocolViolation);
}

}  // namespace
}  // namespace progmp::transport::test

// The Noise-IK handshake: agreement, authentication failures, robustness against forgeries, and a transcript recomputed
// step by step with libsodium in the test (the specification written out straight-line, independently of the
// implementation's CipherState/SymmetricState structure).
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <tuple>
#include <vector>

#include "progmp/transport/crypto/handshake.hpp"
#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto {
namespace {

using Bytes = std::vector<std::byte>;

Bytes text_bytes(std::string_view s) {
  Bytes b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

Bytes pattern(std::size_t n, unsigned seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return b;
}

struct Parties {
  KeyPair initiator_static;
  KeyPair responder_static;
};

Parties make_parties(std::uint64_t seed) {
  SeededRandom random(seed);
  KeyPair i = generate_key_pair(random);
  KeyPair r = generate_key_pair(random);
  return {i, r};
}

const Bytes kPrologue = text_bytes("progmp v1 cid=0123456789abcdef");

struct Completed {
  Bytes message1, message2;
  Bytes payload_at_responder, payload_at_initiator;
  TransportSecrets initiator_secrets, responder_secrets;
  PublicKey seen_initiator_static;
};

// A full handshake; EXPECTs every step to succeed.
Completed run_handshake(const Parties& p, const Bytes& payload1, const Bytes& payload2, std::uint64_t seed = 11) {
  SeededRandom random_i(seed), random_r(seed + 1000);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Responder responder(p.responder_static, kPrologue);
  Completed c;
  c.message1.resize(payload1.size() + kInitiationOverhead);
  const auto n1 = initiator.write_initiation(random_i, payload1, c.message1);
  EXPECT_EQ(n1, payload1.size() + kInitiationOverhead);
  c.payload_at_responder.resize(payload1.size());
  const auto p1 = responder.read_initiation(c.message1, c.payload_at_responder);
  EXPECT_EQ(p1, payload1.size());
  c.seen_initiator_static = responder.initiator_static();
  c.message2.resize(payload2.size() + kResponseOverhead);
  const auto n2 = responder.write_response(random_r, payload2, c.message2);
  EXPECT_EQ(n2, payload2.size() + kResponseOverhead);
  c.payload_at_initiator.resize(payload2.size());
  const auto p2 = initiator.read_response(c.message2, c.payload_at_initiator);
  EXPECT_EQ(p2, payload2.size());
  c.initiator_secrets = initiator.secrets();
  c.responder_secrets = responder.secrets();
  return c;
}

TEST(Handshake, BothSidesAgreeAndPayloadsRoundTrip) {
  const Parties p = make_parties(1);
  for (std::size_t size : {0u, 1u, 1000u}) {
    const Bytes payload1 = pattern(size, 1), payload2 = pattern(size, 2);
    const Completed c = run_handshake(p, payload1, payload2);
    EXPECT_EQ(c.payload_at_responder, payload1);
    EXPECT_EQ(c.payload_at_initiator, payload2);
    EXPECT_EQ(c.initiator_secrets.initiator_to_responder, c.responder_secrets.initiator_to_responder);
    EXPECT_EQ(c.initiator_secrets.responder_to_initiator, c.responder_secrets.responder_to_initiator);
    EXPECT_EQ(c.initiator_secrets.handshake_hash, c.responder_secrets.handshake_hash);
    EXPECT_NE(c.initiator_secrets.initiator_to_responder, c.initiator_secrets.responder_to_initiator);
    EXPECT_NE(c.initiator_secrets.initiator_to_responder, (std::array<std::byte, 32>{}));
    EXPECT_EQ(c.seen_initiator_static, p.initiator_static.public_key);
    if (size >= 16) {  // the payloads are encrypted, not copied (shorter ones could occur in ciphertext by chance)
      EXPECT_EQ(std::search(c.message1.begin(), c.message1.end(), payload1.begin(), payload1.end()), c.message1.end());
      EXPECT_EQ(std::search(c.message2.begin(), c.message2.end(), payload2.begin(), payload2.end()), c.message2.end());
    }
  }
}

TEST(Handshake, DeterministicInTheRandomSources) {
  const Parties p = make_parties(1);
  const Completed a = run_handshake(p, pattern(10, 1), pattern(10, 2), 5);
  const Completed b = run_handshake(p, pattern(10, 1), pattern(10, 2), 5);
  const Completed c = run_handshake(p, pattern(10, 1), pattern(10, 2), 6);
  EXPECT_EQ(a.message1, b.message1);
  EXPECT_EQ(a.message2, b.message2);
  EXPECT_EQ(a.initiator_secrets.handshake_hash, b.initiator_secrets.handshake_hash);
  EXPECT_NE(a.message1, c.message1);
  EXPECT_NE(a.initiator_secrets.initiator_to_responder, c.initiator_secrets.initiator_to_responder);
}

TEST(Handshake, EphemeralKeyIsScalarmultBaseOfTheRandomSource) {
  ASSERT_TRUE(sodium_ready());
  const Parties p = make_parties(1);
  SeededRandom random(42);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Bytes message(kInitiationOverhead);
  ASSERT_TRUE(initiator.write_initiation(random, {}, message));

  SeededRandom replay(42);
  std::array<unsigned char, 32> e, e_public;
  replay.fill(std::as_writable_bytes(std::span(e)));
  ASSERT_EQ(crypto_scalarmult_base(e_public.data(), e.data()), 0);
  EXPECT_TRUE(std::equal(e_public.begin(), e_public.end(), reinterpret_cast<const unsigned char*>(message.data())));
}

// ---- The transcript, recomputed from the specification with libsodium ----

using U8 = std::vector<unsigned char>;

U8 u8(std::span<const std::byte> b) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  return U8(p, p + b.size());
}
U8 cat(const U8& a, const U8& b) {
  U8 r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}
U8 blake2b(const U8& data, const U8& key = {}) {
  U8 out(64);
  EXPECT_EQ(crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.empty() ? nullptr : key.data(),
                               key.size()),
            0);
  return out;
}
// HKDF of Noise §4.3 with keyed BLAKE2b-512 as the PRF.
std::pair<U8, U8> hkdf(const U8& ck, const U8& ikm) {
  const U8 temp = blake2b(ikm, ck);
  const U8 out1 = blake2b(U8{0x01}, temp);
  const U8 out2 = blake2b(cat(out1, U8{0x02}), temp);
  return {out1, out2};
}
U8 x25519(const U8& secret, const U8& pub) {
  U8 out(32);
  EXPECT_EQ(crypto_scalarmult(out.data(), secret.data(), pub.data()), 0);
  return out;
}
U8 seal(const U8& key64, const U8& ad, const U8& plaintext) {  // key truncated to 32 bytes, n = 0
  U8 out(plaintext.size() + 16);
  const unsigned char nonce[12] = {};
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), nullptr, plaintext.data(), plaintext.size(), ad.data(),
                                            ad.size(), nullptr, nonce, key64.data());
  return out;
}

TEST(Handshake, MatchesTheTranscriptComputedFromTheSpecification) {
  ASSERT_TRUE(sodium_ready());
  const Parties p = make_parties(9);
  const Bytes payload1 = pattern(33, 1), payload2 = pattern(17, 2);
  const Completed c = run_handshake(p, payload1, payload2, 77);

  const U8 s_i = u8(p.initiator_static.secret.bytes()), s_i_pub = u8(p.initiator_static.public_key.bytes);
  const U8 s_r = u8(p.responder_static.secret.bytes()), s_r_pub = u8(p.responder_static.public_key.bytes);
  U8 e_i(32), e_r(32);
  SeededRandom(77).fill(std::as_writable_bytes(std::span(e_i)));
  SeededRandom(77 + 1000).fill(std::as_writable_bytes(std::span(e_r)));
  U8 e_i_pub(32), e_r_pub(32);
  ASSERT_EQ(crypto_scalarmult_base(e_i_pub.data(), e_i.data()), 0);
  ASSERT_EQ(crypto_scalarmult_base(e_r_pub.data(), e_r.data()), 0);

  constexpr std::string_view name = "progmp_IK_25519_ChaChaPoly_BLAKE2b";
  U8 h(64, 0);
  std::memcpy(h.data(), name.data(), name.size());
  U8 ck = h;
  h = blake2b(cat(h, u8(kPrologue)));
  h = blake2b(cat(h, s_r_pub));
  // -> e, es, s, ss, payload
  h = blake2b(cat(h, e_i_pub));
  U8 k;
  std::tie(ck, k) = hkdf(ck, x25519(e_i, s_r_pub));
  const U8 encrypted_s = seal(k, h, s_i_pub);
  h = blake2b(cat(h, encrypted_s));
  std::tie(ck, k) = hkdf(ck, x25519(s_i, s_r_pub));
  const U8 encrypted_p1 = seal(k, h, u8(payload1));
  h = blake2b(cat(h, encrypted_p1));
  EXPECT_EQ(u8(c.message1), cat(cat(e_i_pub, encrypted_s), encrypted_p1));
  // <- e, ee, se, payload
  h = blake2b(cat(h, e_r_pub));
  std::tie(ck, k) = hkdf(ck, x25519(e_r, e_i_pub));
  std::tie(ck, k) = hkdf(ck, x25519(e_r, s_i_pub));
  const U8 encrypted_p2 = seal(k, h, u8(payload2));
  h = blake2b(cat(h, encrypted_p2));
  EXPECT_EQ(u8(c.message2), cat(e_r_pub, encrypted_p2));
  // Split
  const auto [k1, k2] = hkdf(ck, {});
  EXPECT_EQ(u8(c.initiator_secrets.initiator_to_responder), U8(k1.begin(), k1.begin() + 32));
  EXPECT_EQ(u8(c.initiator_secrets.responder_to_initiator), U8(k2.begin(), k2.begin() + 32));
  EXPECT_EQ(u8(c.initiator_secrets.handshake_hash), h);
}

// ---- Failures ----

TEST(Handshake, WrongResponderKeyFailsAtTheResponder) {
  const Parties p = make_parties(1);
  const Parties other = make_parties(2);
  SeededRandom random(1);
  Initiator initiator(p.initiator_static, other.responder_static.public_key, kPrologue);
  Bytes message(kInitiationOverhead + 4);
  ASSERT_TRUE(initiator.write_initiation(random, pattern(4, 0), message));
  Responder responder(p.responder_static, kPrologue);
  Bytes payload(4);
  EXPECT_FALSE(responder.read_initiation(message, payload));
}

TEST(Handshake, DifferentProloguesFail) {
  const Parties p = make_parties(1);
  SeededRandom random(1);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Bytes message(kInitiationOverhead);
  ASSERT_TRUE(initiator.write_initiation(random, {}, message));
  Responder responder(p.responder_static, text_bytes("progmp v1 cid=0123456789abcdee"));
  EXPECT_FALSE(responder.read_initiation(message, {}));
  Responder empty_prologue(p.responder_static, {});
  EXPECT_FALSE(empty_prologue.read_initiation(message, {}));
}

TEST(Handshake, EveryBitFlipOfMessage1Fails) {
  const Parties p = make_parties(1);
  const Bytes payload = pattern(16, 1);
  const Completed genuine = run_handshake(p, payload, {});
  Bytes out(payload.size());
  for (std::size_t bit = 0; bit < genuine.message1.size() * 8; ++bit) {
    Bytes message = genuine.message1;
    message[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    Responder responder(p.responder_static, kPrologue);
    EXPECT_FALSE(responder.read_initiation(message, out)) << "bit " << bit;
  }
}

TEST(Handshake, EveryBitFlipOfMessage2FailsAndTheGenuineStillSucceeds) {
  const Parties p = make_parties(1);
  const Bytes payload2 = pattern(16, 2);
  SeededRandom random_i(3), random_r(4);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Responder responder(p.responder_static, kPrologue);
  Bytes m1(kInitiationOverhead), m2(payload2.size() + kResponseOverhead);
  ASSERT_TRUE(initiator.write_initiation(random_i, {}, m1));
  ASSERT_TRUE(responder.read_initiation(m1, {}));
  ASSERT_TRUE(responder.write_response(random_r, payload2, m2));
  Bytes out(payload2.size());
  for (std::size_t bit = 0; bit < m2.size() * 8; ++bit) {
    Bytes message = m2;
    message[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_FALSE(initiator.read_response(message, out)) << "bit " << bit;
  }
  // Truncated by one byte, extended by one byte, empty.
  EXPECT_FALSE(initiator.read_response(std::span(m2).first(m2.size() - 1), out));
  Bytes longer = m2;
  longer.push_back(std::byte{0});
  Bytes longer_out(longer.size());
  EXPECT_FALSE(initiator.read_response(longer, longer_out));
  EXPECT_FALSE(initiator.read_response({}, out));
  // None of the failures disturbed the state.
  ASSERT_EQ(initiator.read_response(m2, out), payload2.size());
  EXPECT_EQ(out, payload2);
  EXPECT_EQ(initiator.secrets().handshake_hash, responder.secrets().handshake_hash);
  EXPECT_EQ(initiator.secrets().initiator_to_responder, responder.secrets().initiator_to_responder);
}

TEST(Handshake, TruncatedMessage1Fails) {
  const Parties p = make_parties(1);
  const Completed genuine = run_handshake(p, pattern(8, 1), {});
  Bytes out(8);
  Responder responder(p.responder_static, kPrologue);
  EXPECT_FALSE(responder.read_initiation(std::span(genuine.message1).first(genuine.message1.size() - 1), out));
  EXPECT_FALSE(responder.read_initiation(std::span(genuine.message1).first(kInitiationOverhead - 1), out));
  // The failures left the responder able to read the genuine message.
  EXPECT_EQ(responder.read_initiation(genuine.message1, out), 8u);
}

TEST(Handshake, ForgedResponsesThenTheGenuineOne) {
  const Parties p = make_parties(1);
  const Parties attacker = make_parties(66);
  SeededRandom random_i(3), random_r(4), random_a(5);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Responder responder(p.responder_static, kPrologue);
  Bytes m1(kInitiationOverhead + 5), m2(kResponseOverhead + 5);
  ASSERT_TRUE(initiator.write_initiation(random_i, pattern(5, 1), m1));
  Bytes payload(5);
  ASSERT_TRUE(responder.read_initiation(m1, payload));
  ASSERT_TRUE(responder.write_response(random_r, pattern(5, 2), m2));

  // Random bytes of the right length.
  Bytes forged(m2.size());
  random_a.fill(forged);
  EXPECT_FALSE(initiator.read_response(forged, payload));
  // A well-formed response from a party that saw message 1 but lacks the responder's static secret: it answers as
  // a responder with its own key (it cannot even decrypt message 1, so it answers blind).
  Responder impostor(attacker.responder_static, kPrologue);
  EXPECT_FALSE(impostor.read_initiation(m1, payload));
  Bytes blind(m2.size());
  std::copy_n(m2.begin(), 32, blind.begin());  // replay the genuine ephemeral key with a made-up ciphertext
  random_a.fill(std::span(blind).subspan(32));
  EXPECT_FALSE(initiator.read_response(blind, payload));

  ASSERT_EQ(initiator.read_response(m2, payload), 5u);
  EXPECT_EQ(payload, pattern(5, 2));
  EXPECT_EQ(initiator.secrets().responder_to_initiator, responder.secrets().responder_to_initiator);
  // Done: a second response is refused.
  EXPECT_FALSE(initiator.read_response(m2, payload));
}

TEST(Handshake, SameInitiationGivesTheSameEphemeralAtTwoResponders) {
  const Parties p = make_parties(1);
  const Completed c = run_handshake(p, pattern(3, 1), {});
  Responder a(p.responder_static, kPrologue), b(p.responder_static, kPrologue);
  Bytes out(3);
  ASSERT_TRUE(a.read_initiation(c.message1, out));
  ASSERT_TRUE(b.read_initiation(c.message1, out));
  EXPECT_EQ(a.initiator_ephemeral(), b.initiator_ephemeral());
  EXPECT_TRUE(std::equal(c.message1.begin(), c.message1.begin() + 32, a.initiator_ephemeral().bytes.begin()));
  EXPECT_EQ(a.initiator_static(), p.initiator_static.public_key);
  // Another initiation by the same client carries another ephemeral key.
  const Completed d = run_handshake(p, pattern(3, 1), {}, 12);
  Responder c2(p.responder_static, kPrologue);
  ASSERT_TRUE(c2.read_initiation(d.message1, out));
  EXPECT_NE(c2.initiator_ephemeral(), a.initiator_ephemeral());
}

TEST(Handshake, BufferSizesAndCallOrder) {
  const Parties p = make_parties(1);
  SeededRandom random(1);
  Initiator initiator(p.initiator_static, p.responder_static.public_key, kPrologue);
  Bytes small_out(kInitiationOverhead + 9);
  EXPECT_FALSE(initiator.write_initiation(random, pattern(10, 0), small_out));  // one byte short
  Bytes m2_early(kResponseOverhead);
  EXPECT_FALSE(initiator.read_response(m2_early, {}));  // no initiation written yet
  Bytes m1(kInitiationOverhead + 10);
  ASSERT_EQ(initiator.write_initiation(random, pattern(10, 0), m1), m1.size());
  EXPECT_FALSE(initiator.write_initiation(random, pattern(10, 0), m1));  // once only

  Responder responder(p.responder_static, kPrologue);
  Bytes m2(kResponseOverhead);
  EXPECT_FALSE(responder.write_response(random, {}, m2));  // nothing read yet
  Bytes payload(9);
  EXPECT_FALSE(responder.read_initiation(m1, payload));  // payload_out too small
  payload.resize(10);
  ASSERT_EQ(responder.read_initiation(m1, payload), 10u);
  EXPECT_FALSE(responder.read_initiation(m1, payload));  // once only
  Bytes m2_small(kResponseOverhead - 1);
  EXPECT_FALSE(responder.write_response(random, {}, m2_small));
  ASSERT_EQ(responder.write_response(random, {}, m2), kResponseOverhead);
  ASSERT_EQ(initiator.read_response(m2, {}), 0u);
  EXPECT_EQ(initiator.secrets().handshake_hash, responder.secrets().handshake_hash);
}

TEST(Handshake, LowOrderKeysFail) {
  const Parties p = make_parties(1);
  SeededRandom random(1);
  // A low-order responder static key: the initiator's first DH fails.
  PublicKey low;
  low.bytes[0] = std::byte{1};  // u = 1, a point of order 4
  Initiator initiator(p.initiator_static, low, kPrologue);
  Bytes m1(kInitiationOverhead);
  EXPECT_FALSE(initiator.write_initiation(random, {}, m1));
  // A low-order ephemeral key in message 1: the responder's first DH fails.
  const Completed c = run_handshake(p, {}, {});
  Bytes message = c.message1;
  std::fill_n(message.begin(), 32, std::byte{0});
  Responder responder(p.responder_static, kPrologue);
  EXPECT_FALSE(responder.read_initiation(message, {}));
}

}  // namespace
}  // namespace progmp::transport::crypto

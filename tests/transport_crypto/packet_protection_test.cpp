// Packet protection: round trips, tamper detection, nonce binding to path and packet number, direction separation,
// the Null mode, and one cross-check against libsodium's AEAD called directly with a key and nonce built in the test.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "progmp/transport/crypto/kdf.hpp"
#include "progmp/transport/crypto/packet_protection.hpp"
#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto {
namespace {

using Bytes = std::vector<std::byte>;

std::array<std::byte, 32> secret(unsigned seed) {
  std::array<std::byte, 32> s;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>(seed * 7 + i * 13);
  return s;
}

Bytes pattern(std::size_t n, unsigned seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
  return b;
}

// header ‖ payload ‖ room for the tag
Bytes plain_packet(std::size_t header_len, std::size_t payload_len) {
  Bytes b = pattern(header_len + payload_len, 5);
  b.resize(header_len + payload_len + kTagBytes);
  return b;
}

TEST(PacketProtection, RoundTrips) {
  const PacketKey key(Aead::ChaCha20Poly1305, secret(1));
  EXPECT_EQ(key.aead(), Aead::ChaCha20Poly1305);
  for (std::size_t payload_len : {0u, 1u, 1400u, 9000u}) {
    for (std::size_t header_len : {0u, 1u, 17u}) {
      for (auto [path, pn] : {std::pair<std::uint32_t, std::uint64_t>{0, 0}, {1, 1}, {7, 123456789},
                              {0xffffffffu, 0xffffffffffffffffull}}) {
        Bytes packet = plain_packet(header_len, payload_len);
        const Bytes original = packet;
        ASSERT_EQ(key.seal(path, pn, packet, header_len, payload_len), header_len + payload_len + kTagBytes);
        EXPECT_TRUE(std::equal(packet.begin(), packet.begin() + header_len, original.begin()));  // header in clear
        if (payload_len >= 16) {
          EXPECT_FALSE(std::equal(packet.begin() + header_len, packet.begin() + header_len + payload_len,
                                  original.begin() + header_len));
        }
        Bytes out(payload_len);
        ASSERT_EQ(key.open(path, pn, packet, header_len, out), payload_len) << payload_len << " " << path;
        EXPECT_TRUE(std::equal(out.begin(), out.end(), original.begin() + header_len));
      }
    }
  }
}

TEST(PacketProtection, EveryBitFlipFails) {
  const PacketKey key(Aead::ChaCha20Poly1305, secret(1));
  constexpr std::size_t header_len = 12, payload_len = 40;
  Bytes packet = plain_packet(header_len, payload_len);
  ASSERT_TRUE(key.seal(3, 99, packet, header_len, payload_len));
  Bytes out(payload_len);
  for (std::size_t bit = 0; bit < packet.size() * 8; ++bit) {
    Bytes tampered = packet;
    tampered[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_FALSE(key.open(3, 99, tampered, header_len, out)) << "bit " << bit;
  }
  // Moving the header boundary is tampering too.
  EXPECT_FALSE(key.open(3, 99, packet, header_len - 1, out));
  EXPECT_FALSE(key.open(3, 99, packet, header_len + 1, out));
  EXPECT_EQ(key.open(3, 99, packet, header_len, out), payload_len);
}

TEST(PacketProtection, WrongPathOrPacketNumberFails) {
  const PacketKey key(Aead::ChaCha20Poly1305, secret(1));
  Bytes packet = plain_packet(8, 100);
  ASSERT_TRUE(key.seal(2, 1000, packet, 8, 100));
  Bytes out(100);
  EXPECT_FALSE(key.open(3, 1000, packet, 8, out));
  EXPECT_FALSE(key.open(2, 1001, packet, 8, out));
  EXPECT_FALSE(key.open(2, 1000 + (std::uint64_t{1} << 40), packet, 8, out));
  EXPECT_FALSE(key.open(0x80000002u, 1000, packet, 8, out));
  EXPECT_TRUE(key.open(2, 1000, packet, 8, out));
}

TEST(PacketProtection, DirectionsDoNotOpenEachOther) {
  const PacketKey a(Aead::ChaCha20Poly1305, secret(1));
  const PacketKey b(Aead::ChaCha20Poly1305, secret(2));
  Bytes packet = plain_packet(8, 64);
  ASSERT_TRUE(a.seal(0, 5, packet, 8, 64));
  Bytes out(64);
  EXPECT_FALSE(b.open(0, 5, packet, 8, out));
  EXPECT_TRUE(a.open(0, 5, packet, 8, out));
  // A copy of a key is the same key.
  const PacketKey copy = a;
  EXPECT_TRUE(copy.open(0, 5, packet, 8, out));
}

TEST(PacketProtection, ShortBuffersAndDatagrams) {
  const PacketKey key(Aead::ChaCha20Poly1305, secret(1));
  Bytes packet = plain_packet(8, 50);
  const Bytes original = packet;
  EXPECT_EQ(key.seal(0, 0, std::span(packet).first(packet.size() - 1), 8, 50), 0u);
  EXPECT_EQ(packet, original);  // untouched
  EXPECT_EQ(key.seal(0, 0, packet, SIZE_MAX - 4, 50), 0u);  // no overflow in the size check
  EXPECT_EQ(key.seal(0, 0, packet, 8, SIZE_MAX - 4), 0u);
  ASSERT_EQ(key.seal(0, 0, packet, 8, 50), packet.size());
  Bytes out(50);
  EXPECT_FALSE(key.open(0, 0, std::span(packet).first(8 + kTagBytes - 1), 8, out));
  EXPECT_FALSE(key.open(0, 0, packet, SIZE_MAX - 4, out));
  Bytes small_out(49);
  EXPECT_FALSE(key.open(0, 0, packet, 8, small_out));
  EXPECT_EQ(key.open(0, 0, packet, 8, out), 50u);
}

TEST(PacketProtection, MatchesLibsodiumWithKeyAndNonceBuiltInTheTest) {
  ASSERT_TRUE(sodium_ready());
  const auto s = secret(9);
  const PacketKey key(Aead::ChaCha20Poly1305, s);
  constexpr std::uint32_t path = 0x01020304;
  constexpr std::uint64_t pn = 0x1122334455667788ull;
  constexpr std::size_t header_len = 10, payload_len = 300;
  Bytes packet = plain_packet(header_len, payload_len);
  const Bytes original = packet;
  ASSERT_TRUE(key.seal(path, pn, packet, header_len, payload_len));

  std::array<std::byte, 32> k;
  std::array<std::byte, 16> iv;
  derive(s, "progmp packet key", k);
  derive(s, "progmp packet iv", iv);
  const unsigned char counter[12] = {0x01, 0x02, 0x03, 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  unsigned char nonce[12];
  for (int i = 0; i < 12; ++i) nonce[i] = static_cast<unsigned char>(iv[i]) ^ counter[i];
  const auto* c = reinterpret_cast<const unsigned char*>(packet.data());
  std::vector<unsigned char> plain(payload_len);
  ASSERT_EQ(crypto_aead_chacha20poly1305_ietf_decrypt_detached(plain.data(), nullptr, c + header_len, payload_len,
                                                               c + header_len + payload_len, c, header_len, nonce,
                                                               reinterpret_cast<const unsigned char*>(k.data())),
            0);
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(),
                         reinterpret_cast<const unsigned char*>(original.data()) + header_len));
}

// AES-256-GCM (where the CPU has it): the same round trips and failures, the key of a packet number's epoch (2^18
// packets of a path) checked against libsodium with keys derived in the test, and packets of different epochs and
// paths opened in any order.
TEST(PacketProtection, Aes256GcmRoundTripsAndChangesItsKeyEvery2To18Packets) {
  if (!aes256gcm_available()) GTEST_SKIP() << "no AES-NI on this CPU";
  EXPECT_EQ(default_aeads().front(), Aead::Aes256Gcm);
  const auto s = secret(4);
  const PacketKey key(Aead::Aes256Gcm, s);
  std::array<std::byte, 32> k0, k1;
  std::array<std::byte, 16> iv;
  derive(s, "progmp packet key", k0);
  derive(s, "progmp packet iv", iv);
  derive(k0, "progmp key epoch 1", k1);
  constexpr std::size_t header_len = 22, payload_len = 1350;
  const std::uint64_t last_of_0 = (1u << 18) - 1, first_of_1 = 1u << 18;
  for (auto [pn, k] : {std::pair{std::uint64_t{5}, k0}, {last_of_0, k0}, {first_of_1, k1}, {first_of_1 + 9, k1}}) {
    Bytes packet = plain_packet(header_len, payload_len);
    const Bytes original = packet;
    ASSERT_EQ(key.seal(3, pn, packet, header_len, payload_len), header_len + payload_len + kTagBytes);
    // The expected key and nonce, computed here with libsodium.
    unsigned char nonce[12];
    for (int i = 0; i < 12; ++i) {
      const std::uint64_t counter_byte = i < 4 ? (3u >> (8 * (3 - i))) & 0xff : (pn >> (8 * (11 - i))) & 0xff;
      nonce[i] = static_cast<unsigned char>(iv[i]) ^ static_cast<unsigned char>(counter_byte);
    }
    const auto* c = reinterpret_cast<const unsigned char*>(packet.data());
    std::vector<unsigned char> plain(payload_len);
    ASSERT_EQ(crypto_aead_aes256gcm_decrypt_detached(plain.data(), nullptr, c + header_len, payload_len,
                                                     c + header_len + payload_len, c, header_len, nonce,
                                                     reinterpret_cast<const unsigned char*>(k.data())),
              0)
        << "packet number " << pn;
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), reinterpret_cast<const unsigned char*>(original.data()) + 22));
    Bytes out(payload_len);
    EXPECT_EQ(key.open(3, pn, packet, header_len, out), payload_len);
    packet[30] ^= std::byte{1};
    EXPECT_FALSE(key.open(3, pn, packet, header_len, out));
  }
  // Three paths in three different epochs, interleaved: the key cache never mixes them up.
  const PacketKey receiver(Aead::Aes256Gcm, s);
  for (int round = 0; round < 3; ++round)
    for (std::uint64_t pn : {std::uint64_t{7}, std::uint64_t{5} << 18, std::uint64_t{9} << 18}) {
      Bytes packet = plain_packet(8, 100);
      ASSERT_TRUE(key.seal(1, pn + round, packet, 8, 100));
      Bytes out(100);
      EXPECT_EQ(receiver.open(1, pn + round, packet, 8, out), 100u);
    }
  // AES and ChaCha under the same secret do not open each other's packets.
  const PacketKey chacha(Aead::ChaCha20Poly1305, s);
  Bytes packet = plain_packet(8, 100);
  ASSERT_TRUE(key.seal(1, 1, packet, 8, 100));
  Bytes out(100);
  EXPECT_FALSE(chacha.open(1, 1, packet, 8, out));
}

TEST(PacketProtection, NullModeCopiesAndChecksOnlyTheZeroTag) {
  const PacketKey key(Aead::Null, secret(1));
  EXPECT_EQ(key.aead(), Aead::Null);
  Bytes packet = plain_packet(6, 20);
  const Bytes original = packet;
  ASSERT_EQ(key.seal(4, 8, packet, 6, 20), 6u + 20 + kTagBytes);
  EXPECT_TRUE(std::equal(packet.begin(), packet.begin() + 26, original.begin()));
  EXPECT_TRUE(std::all_of(packet.begin() + 26, packet.end(), [](std::byte b) { return b == std::byte{0}; }));
  Bytes out(20);
  ASSERT_EQ(key.open(4, 8, packet, 6, out), 20u);
  EXPECT_TRUE(std::equal(out.begin(), out.end(), original.begin() + 6));
  for (std::size_t i = 26; i < packet.size(); ++i) {
    Bytes bad = packet;
    bad[i] = std::byte{0x01};
    EXPECT_FALSE(key.open(4, 8, bad, 6, out)) << i;
  }
  // It authenticates nothing: modified payloads, other paths and packet numbers all "open".
  Bytes modified = packet;
  modified[10] ^= std::byte{0xff};
  EXPECT_TRUE(key.open(5, 9, modified, 6, out));
  // Empty payload.
  Bytes empty = plain_packet(3, 0);
  ASSERT_EQ(key.seal(0, 0, empty, 3, 0), 3u + kTagBytes);
  EXPECT_EQ(key.open(0, 0, empty, 3, {}), 0u);
}

}  // namespace
}  // namespace progmp::transport::crypto

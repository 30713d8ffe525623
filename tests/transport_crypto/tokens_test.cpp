// Address tokens and stateless reset tokens, with the MACs recomputed in the test with libsodium.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "progmp/transport/crypto/sodium.hpp"
#include "progmp/transport/crypto/tokens.hpp"

namespace progmp::transport::crypto {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

std::array<std::byte, 32> key(unsigned seed) {
  std::array<std::byte, 32> k;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(seed + 3 * i);
  return k;
}

std::vector<std::byte> address(unsigned last) {
  return {std::byte{192}, std::byte{0}, std::byte{2}, static_cast<std::byte>(last), std::byte{0x1f}, std::byte{0x90}};
}

TEST(AddressTokens, LayoutAndMacMatchTheSpecification) {
  ASSERT_TRUE(sodium_ready());
  const AddressTokens tokens(key(1));
  const auto addr = address(7);
  const std::int64_t now = 0x0102030405060708;
  const auto token = tokens.issue(addr, 0xa1a2a3a4a5a6a7a8ull, now);
  const unsigned char prefix[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
  EXPECT_TRUE(std::equal(prefix, prefix + 16, reinterpret_cast<const unsigned char*>(token.data())));
  std::vector<unsigned char> message(prefix, prefix + 16);
  for (std::byte b : addr) message.push_back(static_cast<unsigned char>(b));
  unsigned char mac[16];
  const auto k = key(1);
  ASSERT_EQ(crypto_generichash(mac, 16, message.data(), message.size(), reinterpret_cast<const unsigned char*>(k.data()),
                               k.size()),
            0);
  EXPECT_TRUE(std::equal(mac, mac + 16, reinterpret_cast<const unsigned char*>(token.data()) + 16));
}

TEST(AddressTokens, ValidExpiredAndFuture) {
  const AddressTokens tokens(key(1));
  const auto addr = address(7);
  const std::int64_t issued = 1000 * kSecond;
  const std::int64_t lifetime = 10 * kSecond;
  const auto token = tokens.issue(addr, 42, issued);
  EXPECT_EQ(tokens.validate(token, addr, issued, lifetime), 42u);
  EXPECT_EQ(tokens.validate(token, addr, issued + lifetime, lifetime), 42u);  // exactly at the lifetime
  EXPECT_FALSE(tokens.validate(token, addr, issued + lifetime + 1, lifetime));  // expired
  EXPECT_EQ(tokens.validate(token, addr, issued - kSecond, lifetime), 42u);      // 1 s of skew tolerated
  EXPECT_FALSE(tokens.validate(token, addr, issued - kSecond - 1, lifetime));    // further in the future
  EXPECT_FALSE(tokens.validate(token, addr, issued, -1));
}

TEST(AddressTokens, OtherAddressOtherKeyTamperedTruncated) {
  const AddressTokens tokens(key(1));
  const AddressTokens other_key(key(2));
  const auto addr = address(7);
  const auto token = tokens.issue(addr, 42, 0);
  EXPECT_FALSE(tokens.validate(token, address(8), 0, kSecond));
  EXPECT_FALSE(tokens.validate(token, {}, 0, kSecond));
  EXPECT_FALSE(other_key.validate(token, addr, 0, kSecond));
  for (std::size_t bit = 0; bit < token.size() * 8; ++bit) {
    auto tampered = token;
    tampered[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_FALSE(tokens.validate(tampered, addr, 0, std::numeric_limits<std::int64_t>::max())) << "bit " << bit;
  }
  EXPECT_FALSE(tokens.validate(std::span(token).first(31), addr, 0, kSecond));
  std::vector<std::byte> longer(token.begin(), token.end());
  longer.push_back(std::byte{0});
  EXPECT_FALSE(tokens.validate(longer, addr, 0, kSecond));
  EXPECT_FALSE(tokens.validate({}, addr, 0, kSecond));
  EXPECT_EQ(tokens.validate(token, addr, 0, kSecond), 42u);
}

TEST(AddressTokens, ExtremeTimesDoNotOverflow) {
  const AddressTokens tokens(key(1));
  const auto addr = address(1);
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMaxTime = std::numeric_limits<std::int64_t>::max();
  const auto old = tokens.issue(addr, 1, kMin);
  EXPECT_FALSE(tokens.validate(old, addr, kMaxTime, kSecond));
  EXPECT_EQ(tokens.validate(old, addr, kMaxTime, kMaxTime), std::nullopt);  // age 2^64 - 1 > any lifetime
  const auto future = tokens.issue(addr, 1, kMaxTime);
  EXPECT_FALSE(tokens.validate(future, addr, kMin, kMaxTime));
  EXPECT_EQ(tokens.validate(future, addr, kMaxTime, 0), 1u);
}

TEST(StatelessReset, MatchesTheSpecificationAndSeparates) {
  ASSERT_TRUE(sodium_ready());
  const auto k1 = key(1), k2 = key(2);
  const auto t = stateless_reset_token(k1, 0x0102030405060708ull);
  const unsigned char id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  unsigned char expected[16];
  ASSERT_EQ(crypto_generichash(expected, 16, id, 8, reinterpret_cast<const unsigned char*>(k1.data()), k1.size()), 0);
  EXPECT_TRUE(std::equal(expected, expected + 16, reinterpret_cast<const unsigned char*>(t.data())));

  EXPECT_EQ(stateless_reset_token(k1, 0x0102030405060708ull), t);
  EXPECT_NE(stateless_reset_token(k1, 0x0102030405060709ull), t);
  EXPECT_NE(stateless_reset_token(k2, 0x0102030405060708ull), t);
  EXPECT_TRUE(equal_tokens(t, stateless_reset_token(k1, 0x0102030405060708ull)));
  EXPECT_FALSE(equal_tokens(t, stateless_reset_token(k2, 0x0102030405060708ull)));
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto u = t;
    u[i] ^= std::byte{0x80};
    EXPECT_FALSE(equal_tokens(t, u)) << i;
  }
}

}  // namespace
}  // namespace progmp::transport::crypto

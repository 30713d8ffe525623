// derive() against libsodium's BLAKE2b called directly, and its domain separation.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "progmp/transport/crypto/kdf.hpp"
#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto {
namespace {

TEST(Derive, IsKeyedBlake2bOfTheLabel) {
  ASSERT_TRUE(sodium_ready());
  std::array<std::byte, 32> key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::byte>(0xa0 + i);
  for (std::size_t length : {16u, 32u, 64u}) {
    std::array<std::byte, 64> out{};
    derive(key, "some label", std::span(out).first(length));
    std::array<unsigned char, 64> expected{};
    constexpr std::string_view label = "some label";
    ASSERT_EQ(crypto_generichash(expected.data(), length, reinterpret_cast<const unsigned char*>(label.data()),
                                 label.size(), reinterpret_cast<const unsigned char*>(key.data()), key.size()),
              0);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), reinterpret_cast<const unsigned char*>(out.data())))
        << length;
  }
}

TEST(Derive, LabelsAndKeysSeparate) {
  std::array<std::byte, 16> key16{};
  std::array<std::byte, 64> key64{};
  key64[63] = std::byte{1};
  std::array<std::byte, 32> a, b, c, d;
  derive(key16, "progmp packet key", a);
  derive(key16, "progmp packet iv", b);
  derive(key64, "progmp packet key", c);
  derive(key16, "progmp packet key", d);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a, d);
}

TEST(DeriveDeathTest, RejectsKeysOutsideTheRange) {
  std::array<std::byte, 15> short_key{};
  std::array<std::byte, 32> out{};
  EXPECT_DEATH(derive(short_key, "x", out), "");
  std::array<std::byte, 32> key{};
  std::array<std::byte, 65> long_out{};
  EXPECT_DEATH(derive(key, "x", long_out), "");
}

}  // namespace
}  // namespace progmp::transport::crypto

// Key pairs and their text form. Expected texts were computed independently (Python's base64 module), not by the code
// under test.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <string>

#include "progmp/transport/crypto/keys.hpp"
#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto {
namespace {

std::array<std::byte, 32> counting_bytes() {
  std::array<std::byte, 32> b;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i);
  return b;
}

bool same(std::span<const std::byte, 32> a, std::span<const std::byte, 32> b) {
  return std::equal(a.begin(), a.end(), b.begin());
}

TEST(Keys, TextOfKnownBytes) {
  const SecretKey secret(counting_bytes());
  EXPECT_EQ(to_text(secret), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  PublicKey pub;
  pub.bytes = counting_bytes();
  EXPECT_EQ(to_text(pub), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  EXPECT_EQ(to_text(SecretKey()), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

TEST(Keys, TextRoundTrip) {
  SeededRandom random(7);
  for (int i = 0; i < 20; ++i) {
    const KeyPair pair = generate_key_pair(random);
    std::string error;
    const std::string pub_text = to_text(pair.public_key);
    const std::string secret_text = to_text(pair.secret);
    EXPECT_EQ(pub_text.size(), 44u);
    EXPECT_EQ(secret_text.size(), 44u);
    const auto pub = public_key_from_text(pub_text, error);
    ASSERT_TRUE(pub) << error;
    EXPECT_EQ(*pub, pair.public_key);
    const auto secret = secret_key_from_text(secret_text, error);
    ASSERT_TRUE(secret) << error;
    EXPECT_TRUE(same(secret->bytes(), pair.secret.bytes()));
  }
}

TEST(Keys, ParsesKnownTextAndTrimsWhitespace) {
  std::string error;
  const auto secret = secret_key_from_text(" \t AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n", error);
  ASSERT_TRUE(secret) << error;
  EXPECT_TRUE(same(secret->bytes(), counting_bytes()));
  const auto pub = public_key_from_text("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", error);
  ASSERT_TRUE(pub) << error;
  EXPECT_TRUE(same(pub->bytes, counting_bytes()));
}

struct Malformed {
  const char* text;
  const char* error;
};

TEST(Keys, MalformedTextGivesSpecificError) {
  const Malformed cases[] = {
      {"", "empty"},
      {" \n\t", "empty"},
      {"!!!!", "not base64"},
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "not base64"},          // padding missing
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "not base64"},         // non-canonical trailing bits
      {"AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8=", "not base64"},        // whitespace inside
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x", "not base64"},        // trailing garbage
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", "decodes to 31 bytes, a key has 32"},
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", "decodes to 33 bytes, a key has 32"},
      {"AAAA", "decodes to 3 bytes, a key has 32"},
  };
  for (const Malformed& c : cases) {
    std::string error;
    EXPECT_FALSE(secret_key_from_text(c.text, error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
    error.clear();
    EXPECT_FALSE(public_key_from_text(c.text, error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST(Keys, RejectsLowOrderPublicKeys) {
  std::string error;
  EXPECT_FALSE(public_key_from_text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", error));
  EXPECT_EQ(error, "the all-zero key is not a valid public key");
  // u = 1 (order 4) and a point of order 8 (from the list of low-order points in libsodium and the X25519 literature).
  for (const char* text : {"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                           "4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA="}) {
    error.clear();
    EXPECT_FALSE(public_key_from_text(text, error)) << text;
    EXPECT_EQ(error, "a low-order point, not a valid public key") << text;
  }
  // The all-zero secret is a valid scalar (X25519 clamps it).
  EXPECT_TRUE(secret_key_from_text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", error));
}

TEST(Keys, PublicKeyOfMatchesGeneratedPairAndLibsodium) {
  SeededRandom random(3);
  const KeyPair pair = generate_key_pair(random);
  EXPECT_EQ(public_key_of(pair.secret), pair.public_key);

  ASSERT_TRUE(sodium_ready());
  SeededRandom replay(3);
  std::array<std::byte, 32> raw;
  replay.fill(raw);
  EXPECT_TRUE(same(pair.secret.bytes(), raw));  // the secret is exactly the source's first 32 bytes
  std::array<unsigned char, 32> expected;
  ASSERT_EQ(crypto_scalarmult_base(expected.data(), reinterpret_cast<const unsigned char*>(raw.data())), 0);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), reinterpret_cast<const unsigned char*>(pair.public_key.bytes.data())));
}

TEST(Keys, GenerationIsDeterministicInTheRandomSource) {
  SeededRandom a(1), b(1), c(2);
  const KeyPair pa = generate_key_pair(a);
  const KeyPair pb = generate_key_pair(b);
  const KeyPair pc = generate_key_pair(c);
  EXPECT_TRUE(same(pa.secret.bytes(), pb.secret.bytes()));
  EXPECT_EQ(pa.public_key, pb.public_key);
  EXPECT_FALSE(same(pa.secret.bytes(), pc.secret.bytes()));
  EXPECT_NE(pa.public_key, pc.public_key);
  // The next pair from the same source differs from the first.
  EXPECT_NE(generate_key_pair(a).public_key, pa.public_key);
}

TEST(Keys, SecretKeyCopiesAreIndependent) {
  SecretKey original(counting_bytes());
  SecretKey copy = original;
  EXPECT_TRUE(same(copy.bytes(), original.bytes()));
  copy = SecretKey();
  EXPECT_TRUE(same(original.bytes(), counting_bytes()));
  EXPECT_EQ(to_text(copy), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

}  // namespace
}  // namespace progmp::transport::crypto

#include "progmp/transport/crypto/keys.hpp"

#include <sodium.h>

#include <algorithm>

#include "detail.hpp"

namespace progmp::transport::crypto {

namespace {

constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
constexpr std::size_t kTextBytes = sodium_base64_ENCODED_LEN(kKeyBytes, kVariant) - 1;  // without the NUL
static_assert(kTextBytes == 44);

std::string encode(std::span<const std::byte, kKeyBytes> bytes) {
  char text[kTextBytes + 1];
  sodium_bin2base64(text, sizeof text, detail::uc(bytes.data()), bytes.size(), kVariant);
  std::string out(text, kTextBytes);
  sodium_memzero(text, sizeof text);
  return out;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// Decodes `text` into exactly 32 bytes or says why not. The scratch buffer may hold a secret; it is wiped.
bool decode(std::string_view text, std::array<std::byte, kKeyBytes>& out, std::string& error) {
  detail::ensure_sodium();
  text = trim(text);
  if (text.empty()) {
    error = "empty";
    return false;
  }
  // Base64 never decodes to more bytes than it has characters: room for any length, to report it precisely.
  std::string scratch(text.size(), '\0');
  std::size_t length = 0;
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(scratch.data()), scratch.size(), text.data(),
                                   text.size(), nullptr, &length, nullptr, kVariant);
  bool ok = false;
  if (rc != 0) {
    error = "not base64";
  } else if (length != kKeyBytes) {
    error = "decodes to " + std::to_string(length) + " bytes, a key has " + std::to_string(kKeyBytes);
  } else {
    std::copy_n(reinterpret_cast<const std::byte*>(scratch.data()), kKeyBytes, out.begin());
    ok = true;
  }
  sodium_memzero(scratch.data(), scratch.size());
  return ok;
}

}  // namespace

SecretKey::SecretKey(std::span<const std::byte, kKeyBytes> bytes) { std::copy(bytes.begin(), bytes.end(), bytes_.begin()); }

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

PublicKey public_key_of(const SecretKey& secret) {
  detail::ensure_sodium();
  PublicKey pub;
  // Cannot fail for the base point: a clamped scalar is never a multiple of its order.
  detail::require(crypto_scalarmult_base(detail::uc(pub.bytes.data()), detail::uc(secret.bytes().data())) == 0);
  return pub;
}

KeyPair generate_key_pair(RandomSource& random) {
  std::array<std::byte, kKeyBytes> raw;
  random.fill(raw);
  KeyPair pair{SecretKey(raw), {}};
  sodium_memzero(raw.data(), raw.size());
  pair.public_key = public_key_of(pair.secret);
  return pair;
}

std::string to_text(const PublicKey& key) { return encode(key.bytes); }
std::string to_text(const SecretKey& key) { return encode(key.bytes()); }

std::optional<PublicKey> public_key_from_text(std::string_view text, std::string& error) {
  PublicKey key;
  if (!decode(text, key.bytes, error)) return std::nullopt;
  if (sodium_is_zero(detail::uc(key.bytes.data()), key.bytes.size())) {
    error = "the all-zero key is not a valid public key";
    return std::nullopt;
  }
  // X25519 clamps every scalar to a multiple of the cofactor 8, so multiplying a point of order 1, 2, 4 or 8 by any
  // scalar yields the identity, which crypto_scalarmult reports as failure (libsodium also rejects the known
  // non-canonical encodings of such points outright). The scalar is fixed: the test needs no randomness.
  std::array<unsigned char, crypto_scalarmult_SCALARBYTES> scalar;
  scalar.fill(0x5a);
  std::array<unsigned char, crypto_scalarmult_BYTES> product;
  const int rc = crypto_scalarmult(product.data(), scalar.data(), detail::uc(key.bytes.data()));
  sodium_memzero(product.data(), product.size());
  if (rc != 0) {
    error = "a low-order point, not a valid public key";
    return std::nullopt;
  }
  return key;
}

std::optional<SecretKey> secret_key_from_text(std::string_view text, std::string& error) {
  std::array<std::byte, kKeyBytes> raw;
  if (!decode(text, raw, error)) return std::nullopt;
  SecretKey key(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

}  // namespace progmp::transport::crypto

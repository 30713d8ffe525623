// Long-term identities of the secure transport: X25519 key pairs, and their text form, which is what users paste on
// command lines and into key files. Secret keys come from a RandomSource (random.hpp), never from a generator of
// their own, so that a simulation that creates identities is reproducible from its seed.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "progmp/transport/random.hpp"

namespace progmp::transport::crypto {

inline constexpr std::size_t kKeyBytes = 32;

// An X25519 public key (a Montgomery u-coordinate). Public, so freely copyable and comparable.
struct PublicKey {
  std::array<std::byte, kKeyBytes> bytes{};
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

// An X25519 secret scalar (any 32 bytes; X25519 clamps it). Every copy wipes its bytes when destroyed, so a secret
// does not linger in freed memory. There is deliberately no operator==: comparing secrets is not something the
// transport needs, and a naive comparison would not be constant time.
class SecretKey {
 public:
  SecretKey() = default;  // all zero: a placeholder, not a usable key
  explicit SecretKey(std::span<const std::byte, kKeyBytes> bytes);
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();

  std::span<const std::byte, kKeyBytes> bytes() const { return bytes_; }

 private:
  std::array<std::byte, kKeyBytes> bytes_{};
};

struct KeyPair {
  SecretKey secret;
  PublicKey public_key;
};

// 32 bytes of `random` as the secret; public = crypto_scalarmult_base(secret). Deterministic in the source's output.
KeyPair generate_key_pair(RandomSource& random);
PublicKey public_key_of(const SecretKey& secret);

// Text form: standard base64 with padding (RFC 4648 §4), 44 characters. The decoder rejects non-canonical trailing
// bits, so each key has exactly one text form.
std::string to_text(const PublicKey& key);
std::string to_text(const SecretKey& key);

// Parse a text form; surrounding whitespace (a key file's newline) is ignored. On failure `error` says precisely
// what is wrong: "empty", "not base64", "decodes to 31 bytes, a key has 32", and for public keys "the all-zero key is
// not a valid public key" or "a low-order point, not a valid public key" (X25519 with such a point yields a shared
// secret an attacker knows; the handshake would reject it too, but a configuration error is better reported early).
std::optional<PublicKey> public_key_from_text(std::string_view text, std::string& error);
std::optional<SecretKey> secret_key_from_text(std::string_view text, std::string& error);

}  // namespace progmp::transport::crypto

// The one key-derivation function of the crypto component: every key the component derives from a secret outside
// the handshake (packet keys and IVs from the handshake's secrets) comes from derive(), with a label that says what
// the output is for, so two uses of one secret can never yield the same key. (The handshake itself uses Noise's HKDF
// construction, handshake.hpp, built on the same keyed BLAKE2b.)
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace progmp::transport::crypto {

inline constexpr std::size_t kDeriveMinBytes = 16;  // crypto_generichash_KEYBYTES_MIN / BYTES_MIN
inline constexpr std::size_t kDeriveMaxBytes = 64;  // crypto_generichash_KEYBYTES_MAX / BYTES_MAX

// out = BLAKE2b(key = `key`, message = `label`, output length = out.size()). BLAKE2b's output length is a parameter
// of the hash, so a 16-byte output is not a prefix of a 32-byte one. Preconditions: key.size() and out.size() in
// [16, 64]; violating them is a programming error and aborts (a key derived from a wrong-sized secret must never be
// used).
void derive(std::span<const std::byte> key, std::string_view label, std::span<std::byte> out);

}  // namespace progmp::transport::crypto

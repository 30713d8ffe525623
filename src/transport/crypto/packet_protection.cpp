#include "progmp/transport/crypto/packet_protection.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "detail.hpp"
#include "progmp/transport/crypto/kdf.hpp"

namespace progmp::transport::crypto {

using detail::uc;

static_assert(kTagBytes == crypto_aead_chacha20poly1305_ietf_ABYTES);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32 && crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

PacketKey::PacketKey(Aead aead, std::span<const std::byte, 32> secret) : aead_(aead) {
  detail::require(aead == Aead::Null || aead == Aead::ChaCha20Poly1305);
  derive(secret, "progmp packet key", key_);
  std::array<std::byte, 16> iv;
  derive(secret, "progmp packet iv", iv);
  std::copy_n(iv.begin(), iv_.size(), iv_.begin());
  sodium_memzero(iv.data(), iv.size());
}

PacketKey::~PacketKey() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(iv_.data(), iv_.size());
}

std::array<unsigned char, 12> PacketKey::nonce(std::uint32_t path, std::uint64_t packet_number) const {
  std::array<unsigned char, 12> n;
  for (int i = 0; i < 4; ++i) n[i] = static_cast<unsigned char>(path >> (8 * (3 - i)));
  for (int i = 0; i < 8; ++i) n[4 + i] = static_cast<unsigned char>(packet_number >> (8 * (7 - i)));
  for (std::size_t i = 0; i < n.size(); ++i) n[i] ^= static_cast<unsigned char>(iv_[i]);
  return n;
}

std::size_t PacketKey::seal(std::uint32_t path, std::uint64_t packet_number, std::span<std::byte> buffer,
                            std::size_t header_len, std::size_t payload_len) const {
  // Overflow-safe form of header_len + payload_len + kTagBytes <= buffer.size().
  if (buffer.size() < kTagBytes || header_len > buffer.size() - kTagBytes ||
      payload_len > buffer.size() - kTagBytes - header_len)
    return 0;
  std::byte* const payload = buffer.data() + header_len;
  std::byte* const tag = payload + payload_len;
  if (aead_ == Aead::Null) {
    std::memset(tag, 0, kTagBytes);
  } else {
    const auto n = nonce(path, packet_number);
    // libsodium permits ciphertext == plaintext (in place).
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(uc(payload), uc(tag), nullptr, uc(payload), payload_len,
                                                       uc(buffer.data()), header_len, nullptr, n.data(),
                                                       uc(key_.data()));
  }
  return header_len + payload_len + kTagBytes;
}

std::optional<std::size_t> PacketKey::open(std::uint32_t path, std::uint64_t packet_number,
                                           std::span<const std::byte> datagram, std::size_t header_len,
                                           std::span<std::byte> out) const {
  if (datagram.size() < kTagBytes || header_len > datagram.size() - kTagBytes) return std::nullopt;
  const std::size_t length = datagram.size() - header_len - kTagBytes;
  if (out.size() < length) return std::nullopt;
  const std::byte* const ciphertext = datagram.data() + header_len;
  const std::byte* const tag = ciphertext + length;
  if (aead_ == Aead::Null) {
    if (!sodium_is_zero(uc(tag), kTagBytes)) return std::nullopt;
    if (length > 0) std::memcpy(out.data(), ciphertext, length);
    return length;
  }
  const auto n = nonce(path, packet_number);
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(uc(out.data()), nullptr, uc(ciphertext), length, uc(tag),
                                                         uc(datagram.data()), header_len, n.data(),
                                                         uc(key_.data())) != 0)
    return std::nullopt;
  return length;
}

}  // namespace progmp::transport::crypto

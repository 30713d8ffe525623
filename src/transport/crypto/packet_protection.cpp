#include "progmp/transport/crypto/packet_protection.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "detail.hpp"
#include "progmp/transport/crypto/kdf.hpp"
#include "progmp/transport/crypto/sodium.hpp"

namespace progmp::transport::crypto {

using detail::uc;

static_assert(kTagBytes == crypto_aead_chacha20poly1305_ietf_ABYTES);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32 && crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

bool aes256gcm_available() { return sodium_ready() && crypto_aead_aes256gcm_is_available() == 1; }

std::string_view aead_name(Aead aead) {
  switch (aead) {
    case Aead::Null: return "null";
    case Aead::ChaCha20Poly1305: return "chacha20-poly1305";
    case Aead::Aes256Gcm: return "aes-256-gcm";
  }
  return "unknown";
}

std::vector<Aead> default_aeads() {
  if (aes256gcm_available()) return {Aead::Aes256Gcm, Aead::ChaCha20Poly1305};
  return {Aead::ChaCha20Poly1305};
}

static_assert(crypto_aead_aes256gcm_KEYBYTES == 32 && crypto_aead_aes256gcm_NPUBBYTES == 12 &&
              crypto_aead_aes256gcm_ABYTES == kTagBytes);

PacketKey::PacketKey(Aead aead, std::span<const std::byte, 32> secret) : aead_(aead) {
  detail::require(aead == Aead::Null || aead == Aead::ChaCha20Poly1305 ||
                  (aead == Aead::Aes256Gcm && aes256gcm_available()));
  derive(secret, "progmp packet key", key_);
  std::array<std::byte, 16> iv;
  derive(secret, "progmp packet iv", iv);
  std::copy_n(iv.begin(), iv_.size(), iv_.begin());
  sodium_memzero(iv.data(), iv.size());
}

PacketKey::~PacketKey() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(iv_.data(), iv_.size());
  sodium_memzero(aes_.data(), sizeof aes_);
}

const crypto_aead_aes256gcm_state& PacketKey::aes_state(std::uint64_t packet_number) const {
  const std::uint64_t epoch = packet_number >> kEpochBits;
  for (const AesEpoch& e : aes_)
    if (e.valid && e.epoch == epoch) return e.state;
  AesEpoch& slot = aes_[aes_next_];
  aes_next_ = static_cast<std::uint8_t>((aes_next_ + 1) % aes_.size());
  std::array<std::byte, 32> key;
  if (epoch == 0) {
    key = key_;
  } else {
    char label[48];
    const int n = std::snprintf(label, sizeof label, "progmp key epoch %llu", static_cast<unsigned long long>(epoch));
    derive(key_, std::string_view(label, static_cast<std::size_t>(n)), key);
  }
  crypto_aead_aes256gcm_beforenm(&slot.state, uc(key.data()));
  sodium_memzero(key.data(), key.size());
  slot.epoch = epoch;
  slot.valid = true;
  return slot.state;
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
  } else if (aead_ == Aead::Aes256Gcm) {
    const auto n = nonce(path, packet_number);
    crypto_aead_aes256gcm_encrypt_detached_afternm(uc(payload), uc(tag), nullptr, uc(payload), payload_len,
                                                   uc(buffer.data()), header_len, nullptr, n.data(),
                                                   &aes_state(packet_number));
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
  if (aead_ == Aead::Aes256Gcm) {
    if (crypto_aead_aes256gcm_decrypt_detached_afternm(uc(out.data()), nullptr, uc(ciphertext), length, uc(tag),
                                                       uc(datagram.data()), header_len, n.data(),
                                                       &aes_state(packet_number)) != 0)
      return std::nullopt;
    return length;
  }
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(uc(out.data()), nullptr, uc(ciphertext), length, uc(tag),
                                                         uc(datagram.data()), header_len, n.data(),
                                                         uc(key_.data())) != 0)
    return std::nullopt;
  return length;
}

}  // namespace progmp::transport::crypto

// Protection of the transport's datagrams once the handshake is done: one PacketKey per direction, made from the
// handshake's TransportSecrets (handshake.hpp). The header is authenticated but stays readable (the receiver needs
// the connection ID, path and packet number before it can decrypt); the payload is encrypted; a 16-byte tag follows.
//
// The nonce is unique per key as long as the sender never reuses a (path, packet number) pair, which the transport
// guarantees by numbering each path's packets monotonically: nonce = iv XOR (path (4 bytes BE) ‖ packet number
// (8 bytes BE)), as in QUIC (RFC 9001 §5.3) plus the path, as in multipath QUIC. The receiver reconstructs path and
// packet number from the header, so they are authenticated by the nonce as well as by the header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <sodium.h>

namespace progmp::transport::crypto {

enum class Aead : std::uint8_t {
  // !!! NO SECURITY AT ALL. !!! For simulations only, where the cost of encryption would be noise and the bytes must
  // stay readable in traces: seal copies the plaintext unchanged and appends a 16-byte all-zero tag; open checks that
  // the tag is all zero. It authenticates NOTHING: anyone can forge, read and modify such packets. Never on a real
  // network.
  Null = 0,
  ChaCha20Poly1305 = 1,  // ChaCha20-Poly1305 IETF (RFC 8439) from libsodium
  // AES-256-GCM from libsodium, only on CPUs with AES-NI and CLMUL (aes256gcm_available()); about twice as fast as
  // ChaCha20-Poly1305 there. Its confidentiality limit is 2^23 packets per key (RFC 9001 §6.6), so the key changes
  // every 2^18 packet numbers of a path (an epoch: key_e = BLAKE2b(key, "progmp key epoch e")); with at most 32
  // paths no key protects more than 2^23 packets, and no signalling is needed: the packet number names the epoch.
  Aes256Gcm = 2,
};

// True if this machine can use AES-256-GCM (libsodium's implementation needs AES-NI and CLMUL).
bool aes256gcm_available();
std::string_view aead_name(Aead aead);  // "null", "chacha20-poly1305", "aes-256-gcm"
// What a network endpoint offers, best first: AES-256-GCM where this machine has it, then ChaCha20-Poly1305.
std::vector<Aead> default_aeads();

inline constexpr std::size_t kTagBytes = 16;

// The key of ONE direction of a connection. No allocation in seal/open; the key and IV are wiped on destruction.
class PacketKey {
 public:
  // key = derive(secret, "progmp packet key", 32 bytes); iv = first 12 bytes of derive(secret, "progmp packet iv",
  // 16 bytes) (kdf.hpp: derive's shortest output is 16 bytes).
  PacketKey(Aead aead, std::span<const std::byte, 32> secret);
  PacketKey(const PacketKey&) = default;
  PacketKey& operator=(const PacketKey&) = default;
  ~PacketKey();

  // In place: buffer[0, header_len) is the header (authenticated, not encrypted), buffer[header_len,
  // header_len + payload_len) the plaintext; it becomes ciphertext and the tag is appended. Returns
  // header_len + payload_len + kTagBytes; 0 (and the buffer untouched) if buffer.size() is smaller than that.
  std::size_t seal(std::uint32_t path, std::uint64_t packet_number, std::span<std::byte> buffer,
                   std::size_t header_len, std::size_t payload_len) const;
  // datagram = header ‖ ciphertext ‖ tag (unchanged). The plaintext goes to `out`, which must NOT overlap datagram
  // and must hold datagram.size() - header_len - kTagBytes bytes. Returns the plaintext length, or nullopt if the
  // datagram is shorter than header_len + kTagBytes, `out` is too small, or authentication fails (then `out`'s
  // contents are unspecified: use nothing from it).
  std::optional<std::size_t> open(std::uint32_t path, std::uint64_t packet_number,
                                  std::span<const std::byte> datagram, std::size_t header_len,
                                  std::span<std::byte> out) const;
  Aead aead() const { return aead_; }

 private:
  std::array<unsigned char, 12> nonce(std::uint32_t path, std::uint64_t packet_number) const;
  // AES-256-GCM: the expanded key of the packet number's epoch (a small cache: paths may be in different epochs).
  const crypto_aead_aes256gcm_state& aes_state(std::uint64_t packet_number) const;

  static constexpr unsigned kEpochBits = 18;
  struct AesEpoch {
    crypto_aead_aes256gcm_state state;
    std::uint64_t epoch = 0;
    bool valid = false;
  };

  Aead aead_;
  std::array<std::byte, 32> key_{};
  std::array<std::byte, 12> iv_{};
  mutable std::array<AesEpoch, 2> aes_{};
  mutable std::uint8_t aes_next_ = 0;  // cache slot to replace next
};

}  // namespace progmp::transport::crypto

// The handshake of the secure transport: Noise IK (Noise Protocol Framework, revision 34), one round trip.
//
//   IK:  <- s
//        ...
//        -> e, es, s, ss
//        <- e, ee, se
//
// The initiator knows the responder's static key beforehand (a server's key from configuration); the responder learns
// the initiator's static key from message 1 (to authorise a client by key). Both messages carry a payload (transport
// parameters), encrypted and authenticated: message 1's under keys that only the holder of the responder's static
// secret can derive; message 2's additionally bound to both ephemeral keys (forward secrecy).
//
// Functions: DH = X25519 (a low-order peer key makes crypto_scalarmult fail, and the handshake with it), CIPHER =
// ChaCha20-Poly1305 IETF (nonce = 4 zero bytes ‖ 64-bit little-endian counter, AD = h), HASH = BLAKE2b-512. Noise's
// HKDF is kept, but with keyed BLAKE2b-512 as its PRF instead of HMAC-BLAKE2b (BLAKE2b is a PRF when keyed; no
// HMAC needed). Because of that change the protocol name is "progmp_IK_25519_ChaChaPoly_BLAKE2b": it is deliberately
// not interoperable with Noise_IK_25519_ChaChaPoly_BLAKE2b, and transcripts of the two can never be confused.
//
// The prologue (bytes both sides know before the handshake, e.g. the version and the connection IDs) is mixed into
// the transcript hash: if the two sides disagree on it, the handshake fails.
//
// No heap allocation: each side is a fixed-size object. Ephemeral secrets and chaining keys are wiped as soon as they
// are no longer needed, and everything is wiped on destruction. One object per handshake attempt; each call in the
// order shown, once (a repeated or out-of-order call returns nullopt).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "progmp/transport/crypto/keys.hpp"
#include "progmp/transport/random.hpp"

namespace progmp::transport::crypto {

inline constexpr std::size_t kInitiationOverhead = 32 + 32 + 16 + 16;  // e, encrypted s, tag of the payload
inline constexpr std::size_t kResponseOverhead = 32 + 16;             // e, tag of the payload

// Split()'s output: the two transport keys (to become PacketKeys, packet_protection.hpp) and the final transcript
// hash h, which both sides share and which identifies the handshake (channel binding). Wiped on destruction.
struct TransportSecrets {
  std::array<std::byte, 32> initiator_to_responder{};
  std::array<std::byte, 32> responder_to_initiator{};
  std::array<std::byte, 64> handshake_hash{};
  ~TransportSecrets();
};

namespace detail {
// Noise §5.1 and §5.2, as plain data; the operations live in handshake.cpp.
struct CipherState {
  std::array<std::byte, 32> k{};
  bool has_key = false;
  std::uint64_t n = 0;
};
struct SymmetricState {
  CipherState cipher;
  std::array<std::byte, 64> ck{};
  std::array<std::byte, 64> h{};
};
}  // namespace detail

class Initiator {
 public:
  // `local_static` is trusted to be a consistent pair (generate_key_pair, or a secret and public_key_of of it).
  Initiator(const KeyPair& local_static, const PublicKey& responder_static, std::span<const std::byte> prologue);
  Initiator(const Initiator&) = delete;
  Initiator& operator=(const Initiator&) = delete;
  ~Initiator();

  // Message 1 into `out` (payload.size() + kInitiationOverhead bytes); bytes written, nullopt if out is too small or
  // a DH fails (a low-order responder key). Call once. `payload` and `out` must not overlap.
  std::optional<std::size_t> write_initiation(RandomSource& random, std::span<const std::byte> payload,
                                              std::span<std::byte> out);
  // Message 2. On success writes the decrypted payload into payload_out and returns its length; afterwards secrets()
  // is valid. On failure (forged, truncated, wrong key, payload_out too small) returns nullopt and leaves the state
  // unchanged, so that the genuine response can still be processed after an attacker's forgery.
  std::optional<std::size_t> read_response(std::span<const std::byte> message, std::span<std::byte> payload_out);
  const TransportSecrets& secrets() const { return secrets_; }

 private:
  enum class Step : std::uint8_t { Start, AwaitResponse, Done };
  Step step_ = Step::Start;
  detail::SymmetricState state_;
  KeyPair s_;
  PublicKey rs_;
  SecretKey e_;  // from write_initiation until read_response succeeds
  TransportSecrets secrets_;
};

class Responder {
 public:
  Responder(const KeyPair& local_static, std::span<const std::byte> prologue);
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Message 1. On success the decrypted payload length (payload written to payload_out); nullopt on any failure
  // (then the state is unchanged and another initiation may be tried). Afterwards initiator_static() and
  // initiator_ephemeral() are valid.
  std::optional<std::size_t> read_initiation(std::span<const std::byte> message, std::span<std::byte> payload_out);
  const PublicKey& initiator_static() const { return rs_; }
  // Identifies a retransmitted or replayed initiation: the same message 1 always carries the same ephemeral key.
  const PublicKey& initiator_ephemeral() const { return re_; }
  // Message 2 into `out` (payload.size() + kResponseOverhead bytes); nullopt if out is too small, no initiation was
  // read, or a DH fails. `payload` and `out` must not overlap.
  std::optional<std::size_t> write_response(RandomSource& random, std::span<const std::byte> payload,
                                            std::span<std::byte> out);
  const TransportSecrets& secrets() const { return secrets_; }  // valid after write_response

 private:
  enum class Step : std::uint8_t { AwaitInitiation, Respond, Done };
  Step step_ = Step::AwaitInitiation;
  detail::SymmetricState state_;
  KeyPair s_;
  PublicKey rs_;
  PublicKey re_;
  TransportSecrets secrets_;
};

}  // namespace progmp::transport::crypto

// The payloads the handshake messages carry (private to src/transport), encrypted and authenticated by the
// handshake itself. Fixed layouts, big-endian:
//
//   client (message 1): 0 layout version (8) = 1 | 1 AEADs offered (8: bit n = Aead n) | 2 idle timeout ms (32)
//                       | 6 receive window (64)
//                       | 14 stateless-reset token for the client's connection ID (128)                 = 30 bytes
//   server (message 2): 0 layout version (8) = 1 | 1 status (8) | 2 AEAD (8) | 3 server connection ID (64)
//                       | 11 idle timeout ms (32) | 15 receive window (64) | 23 reset token (128)        = 39 bytes
//
// Status 0 accepts; any other value refuses the connection (the server keeps no state) and says why.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "progmp/transport/crypto/packet_protection.hpp"
#include "progmp/transport/ids.hpp"
#include "progmp/transport/packet.hpp"

namespace progmp::transport {

enum class HandshakeStatus : std::uint8_t { Accepted = 0, NotAllowed = 1, Busy = 2, AeadMismatch = 3 };

struct ClientParams {
  std::uint8_t aeads = 0;  // offered: bit n = crypto::Aead n
  std::uint32_t idle_timeout_ms = 0;
  std::uint64_t receive_window = 0;
  std::array<std::byte, packet::kResetTokenSize> reset_token{};
};

struct ServerParams {
  HandshakeStatus status = HandshakeStatus::Accepted;
  crypto::Aead aead = crypto::Aead::ChaCha20Poly1305;
  ConnectionId connection{};
  std::uint32_t idle_timeout_ms = 0;
  std::uint64_t receive_window = 0;
  std::array<std::byte, packet::kResetTokenSize> reset_token{};
};

inline constexpr std::size_t kClientParamsSize = 30;
inline constexpr std::size_t kServerParamsSize = 39;

inline std::uint8_t aead_bit(crypto::Aead a) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(a)); }

std::array<std::byte, kClientParamsSize> encode(const ClientParams& p);
std::array<std::byte, kServerParamsSize> encode(const ServerParams& p);
std::optional<ClientParams> decode_client_params(std::span<const std::byte> bytes);
std::optional<ServerParams> decode_server_params(std::span<const std::byte> bytes);

}  // namespace progmp::transport

// Tokens the server side hands out without keeping state.
//
// Address tokens (QUIC's Retry, RFC 9000 §8.1): before spending a handshake's asymmetric crypto on a client, a server
// may send it a token bound to the client's address and ask it to repeat its initiation with the token; only a client
// that receives packets at that address can. The token carries its own issue time and the connection ID the client
// first used, authenticated by a MAC under a key only the server knows, so the server keeps no table.
//
// Stateless reset tokens (RFC 9000 §10.3): a server that lost a connection's state can still recompute the
// connection's reset token from the connection ID and its key, and so end the connection for its peer.
//
// Time is an input (now_ns, nanoseconds on the driver's clock), like everywhere in the transport.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace progmp::transport::crypto {

inline constexpr std::size_t kAddressTokenBytes = 32;
inline constexpr std::int64_t kAddressTokenClockSkewNs = 1'000'000'000;  // tolerated "issued in the future"

class AddressTokens {
 public:
  // `key`: 32 secret bytes, shared by all servers that must accept each other's tokens. Wiped on destruction.
  explicit AddressTokens(std::span<const std::byte, 32> key);
  AddressTokens(const AddressTokens&) = default;
  AddressTokens& operator=(const AddressTokens&) = default;
  ~AddressTokens();

  // token = issued_at (8 bytes BE, two's complement) ‖ original_cid (8 bytes BE) ‖ MAC, where MAC = BLAKE2b with
  // 16-byte output keyed with `key` over issued_at ‖ original_cid ‖ address. `address` is any byte encoding of the
  // client's address (e.g. IP and port) that validate() will be given the same way.
  std::array<std::byte, kAddressTokenBytes> issue(std::span<const std::byte> address, std::uint64_t original_cid,
                                                  std::int64_t now_ns) const;
  // The original connection ID if `token` is exactly 32 bytes, its MAC is right for `address` (compared in constant
  // time), it was issued no more than 1 s in the future (clock skew between servers), and it is at most
  // `lifetime_ns` old; nullopt otherwise.
  std::optional<std::uint64_t> validate(std::span<const std::byte> token, std::span<const std::byte> address,
                                        std::int64_t now_ns, std::int64_t lifetime_ns) const;

 private:
  std::array<std::byte, 16> mac(std::span<const std::byte, 16> prefix, std::span<const std::byte> address) const;

  std::array<std::byte, 32> key_{};
};

// BLAKE2b with 16-byte output keyed with `key` over the connection ID as 8 bytes big-endian.
std::array<std::byte, 16> stateless_reset_token(std::span<const std::byte, 32> key, std::uint64_t connection_id);

// Constant-time comparison (a reset token arrives from the network; an early exit would leak its prefix by timing).
bool equal_tokens(std::span<const std::byte, 16> a, std::span<const std::byte, 16> b);

}  // namespace progmp::transport::crypto

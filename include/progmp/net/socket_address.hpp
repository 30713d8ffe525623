// A UDP endpoint (IPv4 or IPv6 address + port) as the kernel wants it: a sockaddr_storage and its length, so it goes
// to sendmmsg/bind without conversion. Only the fields that identify an endpoint are kept (family, address, port and,
// for IPv6, the scope); the flow label and padding are zeroed, so two SocketAddresses for the same endpoint are equal
// whichever call produced them. key_bytes() is the same identity as a short canonical byte string (stored inline, no
// allocation) for connection maps and for MACs over the peer's address (e.g. address-validation tokens).
// Parsing is strictly numeric; resolve() adds DNS for command lines and configuration, never for the data path.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace progmp::net {

class SocketAddress {
 public:
  // family ‖ port ‖ address ‖ scope: 1 + 2 + 16 + 4 bytes for IPv6, 1 + 2 + 4 for IPv4.
  static constexpr std::size_t kMaxKeyBytes = 24;

  // Unspecified (family AF_UNSPEC, size 0): a placeholder, e.g. in preallocated receive batches.
  SocketAddress();
  // Copies an AF_INET or AF_INET6 address; anything else (or a too short length) gives the unspecified address.
  SocketAddress(const sockaddr* address, socklen_t length);

  // Numeric "1.2.3.4:443", "[::1]:443", "[fe80::1%lo]:443" (scope by interface name or number). Port 0 is accepted
  // only with allow_port_zero (for binding to an ephemeral port). On failure: nullopt and a one-line `error`.
  static std::optional<SocketAddress> parse(std::string_view text, std::string& error, bool allow_port_zero = false);
  // parse() first; otherwise "HOST:PORT" through getaddrinfo (AF_UNSPEC, SOCK_DGRAM), taking the first result.
  // Blocking: for configuration only.
  static std::optional<SocketAddress> resolve(std::string_view host_port, std::string& error,
                                              bool allow_port_zero = false);
  // The wildcard address of `family` (AF_INET or AF_INET6) with `port`, for binding.
  static SocketAddress any(int family, std::uint16_t port);
  // The address whose key_bytes() these are (the transport hands peer addresses back in this form); unspecified
  // if the bytes are not such a key.
  static SocketAddress from_key_bytes(std::span<const std::byte> key);

  SocketAddress with_port(std::uint16_t port) const;

  // "127.0.0.1:443", "[::1]:443", "[fe80::1%lo]:443"; "(unspecified)" for the unspecified address.
  std::string to_string() const;

  int family() const { return storage_.ss_family; }
  bool is_ipv6() const { return storage_.ss_family == AF_INET6; }
  bool is_unspecified() const { return storage_.ss_family == AF_UNSPEC; }
  std::uint16_t port() const;
  const sockaddr* data() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return length_; }

  // Canonical identity: family (4 or 6) ‖ port (big-endian) ‖ address ‖ scope id (big-endian, IPv6 only).
  std::span<const std::byte> key_bytes() const { return {key_.data(), key_length_}; }
  std::size_t hash() const;

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) {
    return std::ranges::equal(a.key_bytes(), b.key_bytes());
  }

 private:
  void build_key();

  sockaddr_storage storage_;
  socklen_t length_ = 0;
  std::array<std::byte, kMaxKeyBytes> key_{};
  std::uint8_t key_length_ = 0;
};

}  // namespace progmp::net

template <>
struct std::hash<progmp::net::SocketAddress> {
  std::size_t operator()(const progmp::net::SocketAddress& a) const noexcept { return a.hash(); }
};

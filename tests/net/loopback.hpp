// Shared by the net tests: bind loopback sockets on ephemeral ports, build recognisable payloads, and collect what
// a socket receives within a deadline (GRO super-datagrams split into their datagrams).
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/net/socket_address.hpp"
#include "progmp/net/udp_socket.hpp"

namespace progmp::net::testing {

inline SocketAddress address(std::string_view text) {
  std::string error;
  auto a = SocketAddress::parse(text, error, /*allow_port_zero=*/true);
  EXPECT_TRUE(a.has_value()) << error;
  return a.value_or(SocketAddress());
}

inline UdpSocket bind_socket(std::string_view text, const UdpSocketOptions& options = {}) {
  std::string error;
  auto s = UdpSocket::bind(address(text), options, error);
  if (!s) {
    ADD_FAILURE() << "bind " << text << ": " << error;
    std::abort();
  }
  return std::move(*s);
}

inline UdpSocketOptions without_gro() {
  UdpSocketOptions o;
  o.gro = false;
  return o;
}
inline UdpSocketOptions without_offloads() {
  UdpSocketOptions o;
  o.gso = false;
  o.gro = false;
  return o;
}
inline UdpSocketOptions on_device(std::string device) {
  UdpSocketOptions o;
  o.device = std::move(device);
  return o;
}
inline UdpSocketOptions with_recv_buffer(int bytes) {
  UdpSocketOptions o;
  o.recv_buffer = bytes;
  return o;
}

// `size` bytes that differ between (tag, index) pairs and between positions.
inline std::vector<std::byte> payload(std::uint32_t tag, std::size_t size) {
  std::vector<std::byte> bytes(size);
  std::uint32_t x = tag * 2654435761u + 12345;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    bytes[i] = static_cast<std::byte>(x >> 16);
  }
  return bytes;
}

struct Received {
  SocketAddress from;
  std::vector<std::byte> bytes;
  std::uint16_t segment_size;  // of the message the datagram came in
};

inline bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

// Receives until `count` datagrams arrived or `timeout_ms` passed; `messages` counts the receive batch entries.
inline std::vector<Received> receive_datagrams(UdpSocket& socket, RecvBatch& batch, std::size_t count,
                                               int timeout_ms = 2000, std::size_t* messages = nullptr) {
  std::vector<Received> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < count) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(socket.fd(), static_cast<int>(left.count()))) break;
    const std::size_t n = socket.receive(batch);
    if (messages != nullptr) *messages += n;
    for (std::size_t i = 0; i < n; ++i) {
      const RecvBatch::Message m = batch[i];
      UdpSocket::for_each_datagram(m, [&](std::span<const std::byte> d) {
        out.push_back(Received{m.from, std::vector<std::byte>(d.begin(), d.end()), m.segment_size});
      });
    }
  }
  return out;
}

}  // namespace progmp::net::testing

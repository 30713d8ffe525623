// A peer's network address as the transport sees it: opaque bytes it compares, hashes into address-validation
// tokens and hands back to the driver with every datagram, without knowing what they mean. The UDP driver stores a
// canonical encoding of a socket address (net/socket_address.hpp); the simulator stores the path index. Fixed size,
// so copying one never allocates.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace progmp::transport {

class Address {
 public:
  static constexpr std::size_t kCapacity = 32;

  Address() = default;
  // Bytes beyond kCapacity are cut off (drivers never produce more).
  explicit Address(std::span<const std::byte> bytes) : size_(static_cast<std::uint8_t>(std::min(bytes.size(), kCapacity))) {
    std::copy_n(bytes.begin(), size_, bytes_.begin());
  }
  // A small integer as an address (the simulator's path index, tests).
  static Address from_index(std::uint32_t index) {
    std::byte b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<std::byte>(index >> (8 * (3 - i)));
    return Address(std::span<const std::byte>(b, 4));
  }

  std::span<const std::byte> bytes() const { return {bytes_.data(), size_}; }
  bool empty() const { return size_ == 0; }
  friend bool operator==(const Address& a, const Address& b) {
    return a.size_ == b.size_ && std::equal(a.bytes_.begin(), a.bytes_.begin() + a.size_, b.bytes_.begin());
  }

 private:
  std::array<std::byte, kCapacity> bytes_{};
  std::uint8_t size_ = 0;
};

// Where a datagram came from or goes to: the driver's local interface (socket, simulated path end) and the peer.
struct Route {
  std::uint32_t interface = 0;
  Address remote;
  friend bool operator==(const Route&, const Route&) = default;
};

}  // namespace progmp::transport

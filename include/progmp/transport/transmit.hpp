// What a sans-IO endpoint hands its driver: one datagram to send on one local interface (a simulated path or a UDP
// socket). The bytes are in the buffer the driver passed to poll_transmit().
#pragma once

#include <cstddef>
#include <cstdint>

namespace progmp::transport {

struct Transmit {
  std::uint32_t interface = 0;  // the driver's index of the path / local socket
  std::size_t size = 0;         // datagram bytes written at the start of the buffer
};

}  // namespace progmp::transport

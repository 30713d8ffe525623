// What a sans-IO endpoint hands its driver: one datagram to send from one local interface (a simulated path end or
// a UDP socket) to one peer address. The bytes are in the buffer the driver passed to poll_transmit().
#pragma once

#include <cstddef>
#include <cstdint>

#include "progmp/transport/address.hpp"

namespace progmp::transport {

struct Transmit {
  Route route;           // local interface and peer address
  std::size_t size = 0;  // datagram bytes written at the start of the buffer
};

}  // namespace progmp::transport

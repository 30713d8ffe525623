// What the simulator moves: an opaque datagram (bytes + path id) and the sink interface every element implements.
// The simulator never looks inside `payload`; `size` is what links serialise and queue limits count (it may exceed
// payload.size() when a benchmark or test sends header-only stand-ins).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "progmp/sim/simulator.hpp"

namespace progmp::sim {

struct Packet {
  std::uint32_t path = 0;
  Bytes size{0};
  std::uint64_t id = 0;  // caller's label (tests use it to check delivery order)
  std::vector<std::byte> payload;
};

class PacketSink {
 public:
  virtual void receive(Simulator& sim, Packet packet) = 0;

 protected:
  ~PacketSink() = default;
};

}  // namespace progmp::sim

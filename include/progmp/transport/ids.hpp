// Identifiers the transport puts on the wire and names things by: the connection ID, which lets a UDP driver
// demultiplex datagrams of many connections arriving on one socket (and survive NAT rebinding, as QUIC's does), and
// the path ID, which names one subflow of a connection. Both are enums over fixed-width integers so that they
// cannot be mixed up with each other, with sequence numbers or with the runtime's SubflowId.
#pragma once

#include <cstdint>

namespace progmp::transport {

enum class ConnectionId : std::uint64_t {};
enum class PathId : std::uint32_t {};

}  // namespace progmp::transport

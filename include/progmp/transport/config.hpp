// Settings of the transport, shared by both ends of a connection. The scenario's [transport] table and the CLI
// fill these; defaults follow Linux MPTCP where the paper depended on it and the RFCs elsewhere.
#pragma once

#include <cstdint>
#include <string>

#include "progmp/transport/units.hpp"

namespace progmp::transport {

struct TransportConfig {
  std::string cc = "lia";               // congestion controller of every subflow (cc/registry.hpp)
  std::uint32_t mss = 1400;             // data payload bytes per packet (the runtime's MSS)
  std::uint64_t rcv_buf_bytes = 4u << 20;  // data-level receive window (flow control, HAS_WINDOW_FOR)
  Duration initial_rto = Duration::seconds(1);   // RFC 6298 §2.1
  Duration min_rto = Duration::millis(200);      // Linux's floor (see rtt_estimator.hpp)
  Duration max_rto = Duration::seconds(60);      // RFC 6298 §2.5
  // Consecutive retransmission timeouts after which a subflow counts as failed (runtime.md §8). Linux MPTCP marks
  // a subflow "potentially failed" after one; three keep a single unlucky loss burst from failing a path.
  int max_consecutive_rtos = 3;
  // How often a failed subflow sends a JOIN probe to find out whether its path works again.
  Duration probe_interval = Duration::millis(500);
  // Receiver: acknowledge every `ack_every`-th in-order segment at once, others after at most `ack_delay`
  // (RFC 5681 §4.2 allows every second segment and 500 ms; 25 ms is QUIC's max_ack_delay). 1 disables delaying.
  std::uint32_t ack_every = 2;
  Duration ack_delay = Duration::millis(25);
  // Per-datagram overhead the network adds on top of the transport's bytes (IPv4 20 + UDP 8).
  std::uint32_t network_overhead = 28;
};

// Largest datagram the transport writes: header, TIMESTAMP and DATA frames around one MSS of payload.
constexpr std::size_t max_datagram_size(std::uint32_t mss) { return 14 + 9 + 20 + mss + 64; }

}  // namespace progmp::transport

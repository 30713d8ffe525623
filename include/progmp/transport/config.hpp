// Settings of the transport, shared by both ends of a connection. The scenario's [transport] table and the CLI
// fill these; defaults follow Linux MPTCP where the paper depended on it and the RFCs elsewhere.
#pragma once

#include <algorithm>
#include <cstddef>
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
  // Largest UDP payload the paths carry. A DATA packet always goes out (its size follows from the MSS); an ACK is
  // piggybacked on it only if both fit, else it travels alone. 1472 = a 1500-byte Ethernet MTU minus IPv4 and UDP.
  std::uint32_t max_udp_payload = 1472;
  // Silent-path detection (docs/net.md): a path that received nothing for max(path_timeout, SRTT + 4 RTTVAR +
  // ack_delay) fails (the second term is the time a live path needs to answer, RFC 9002's probe timeout); idle
  // paths send a PING every path_timeout / 3 so that silence means failure. Zero disables both, leaving failure to
  // `max_consecutive_rtos` as in Linux MPTCP (the simulator's default).
  Duration path_timeout = Duration::zero();
  // Pacing: a subflow sends at most pacing_gain × CWND / SRTT, in bursts of at most `pacing_burst` datagrams, so a
  // window is not sent as one burst into the path's queue. Off by default in the simulator (the paper's Linux
  // senders did not pace).
  bool pacing = false;
  double pacing_gain = 1.25;
  std::uint32_t pacing_burst = 16;
};

// Bytes of a protected datagram besides its frames: header (22) and AEAD tag (16).
inline constexpr std::size_t kPacketOverhead = 22 + 16;
// Largest datagram the transport writes: header, tag, TIMESTAMP, an ACK with every SACK block, and a DATA frame
// around one MSS of payload, plus room for control frames. Drivers size their transmit buffers with it.
// At least 1200: the client's INITIATION is padded to that size.
constexpr std::size_t max_datagram_size(std::uint32_t mss) {
  return std::max<std::size_t>(1200, kPacketOverhead + 9 + 294 + 20 + mss + 64);
}

}  // namespace progmp::transport

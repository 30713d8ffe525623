// Per-path statistics of a kernel TCP or MPTCP socket, for reports that put the kernel's transports beside progmp's
// (`progmp connect --transport kernel-mptcp|tcp`): addresses, bytes, retransmissions, RTT and window per subflow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace progmp::testbed {

struct KernelSubflowStats {
  std::string local, remote;        // "10.0.1.1:40312"
  std::uint64_t bytes_sent = 0;     // tcpi_bytes_sent (including retransmissions)
  std::uint64_t bytes_received = 0;  // tcpi_bytes_received
  std::uint64_t bytes_retransmitted = 0;
  double srtt_ms = 0;               // smoothed RTT when sampled
  std::uint32_t cwnd = 0;           // segments
};

// MPTCP (`mptcp` true): one entry per subflow, from getsockopt(SOL_MPTCP, MPTCP_SUBFLOW_ADDRS / MPTCP_TCPINFO);
// plain TCP: one entry from TCP_INFO. False with `error` (e.g. the MPTCP connection fell back to TCP).
bool kernel_socket_stats(int fd, bool mptcp, std::vector<KernelSubflowStats>& out, std::string& error);

}  // namespace progmp::testbed

// The Linux kernel's MPTCP (and plain TCP) as a bulk-transfer baseline on one machine.
//
// A benchmark compares progmp's user-space multipath transport with the kernel's MPTCP over the same two loopback
// paths (127.0.0.1 and 127.0.0.2 in a private network namespace, see netns.hpp). run_kernel_bulk measures the
// kernel side: a client process writes as fast as it can for a fixed time, a server process reads, and the result
// is the goodput the server saw and the CPU time both processes spent (the kernel's protocol work on loopback is
// charged to them as system time), so that CPU per Gbit/s can be compared as well as goodput.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace progmp::testbed {

struct BulkOptions {
  double seconds = 3.0;  // transfer duration (client sends as fast as it can); the run is killed after seconds + 10 s
  // 1 = MPTCP with one subflow (no endpoint announced); 2 = a second subflow to 127.0.0.2 (the server announces
  // it, the client joins it). The client waits up to 2 s for the subflows to be established before it starts
  // sending, so that the measurement covers the steady state. Ignored for plain TCP.
  int subflows = 2;
  bool mptcp = true;  // false: plain TCP (IPPROTO_TCP) baseline
  // TCP_CONGESTION per socket, on both ends (the machine's default is bbr, and a namespace cannot change the
  // default); for MPTCP it applies to every subflow. Empty: keep the default.
  std::string congestion_control = "cubic";
  std::size_t write_size = 128 * 1024;  // bytes per send() call; 1 B .. 64 MiB
};

struct BulkResult {
  bool ok = false;
  std::string error;  // one line, e.g. "MPTCP is not available: socket(IPPROTO_MPTCP) failed: Protocol not supported"
  std::uint64_t bytes = 0;  // received by the server
  double duration_s = 0;    // server's first byte to last byte
  double goodput_gbit = 0;  // bytes * 8 / duration_s / 1e9
  double client_cpu_s = 0, server_cpu_s = 0;  // user + system CPU seconds of each process (wait4's rusage)
  double cpu_s_per_gbit = 0;  // (client_cpu_s + server_cpu_s) / (bytes * 8 / 1e9)
  // Largest number of subflows (including the initial one) the client's socket had during the transfer, from
  // getsockopt(SOL_MPTCP, MPTCP_INFO) (mptcpi_subflows_total; on kernels before 6.8, mptcpi_subflows + 1: the
  // older field counts only the additional subflows). 0 for TCP. A connection that fell back to plain TCP is an
  // error.
  int subflows_seen = 0;
};

// Runs a bulk transfer between two processes (server and client forked inside ONE private network namespace
// created for this call). Requires root; returns ok=false with a reason otherwise.
//
// The server listens on the wildcard address (port chosen by the kernel), the client connects to 127.0.0.1.
// Nothing outside the namespace is changed; all processes are gone when it returns, also on errors and timeouts.
// Takes about `seconds` plus ~50 ms of setup.
BulkResult run_kernel_bulk(const BulkOptions& options);

}  // namespace progmp::testbed

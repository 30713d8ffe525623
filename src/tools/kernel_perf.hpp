// `progmp serve/connect --transport tcp|kernel-mptcp` (private to tools): the same protocol (perf_protocol.hpp),
// modes, report and JSON as over progmp's own transport, carried by the kernel's TCP or MPTCP sockets, so that the
// kernel baseline is measured by the same tool on the same paths. MPTCP subflows are the kernel path manager's
// (`ip mptcp endpoint`/`limits`; `progmp testbed --mptcp` sets them up); progmp's schedulers do not apply.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "perf_protocol.hpp"
#include "progmp/net/socket_address.hpp"

namespace progmp::tools {

enum class KernelTransport { Tcp, Mptcp };

// "progmp" → nullopt with ok; "tcp", "kernel-mptcp"; anything else: ok = false.
std::optional<KernelTransport> parse_transport_name(std::string_view name, bool& ok);
std::string_view transport_label(KernelTransport t);  // "tcp", "kernel-mptcp"

struct KernelConnectOptions {
  KernelTransport transport = KernelTransport::Tcp;
  net::SocketAddress server;
  std::optional<net::SocketAddress> local;  // bind the first subflow to this address (port 0: any)
  std::string cc = "cubic";                 // TCP_CONGESTION, per subflow
  PerfRequest request;
  double seconds = 0;       // upload for this long (Upload without a byte count)
  std::uint64_t bytes = 0;  // upload this many bytes
  std::string send_file;
  std::uint64_t requests = 0;
  bool json = false;
  double connect_timeout = 5;
};
// Runs one transfer and prints its report; returns the exit status (0 done, 1 failed midway, 2 bad input or no
// connection).
int run_kernel_connect(const KernelConnectOptions& o);

struct KernelServeOptions {
  KernelTransport transport = KernelTransport::Tcp;
  net::SocketAddress listen;  // MPTCP listens on the wildcard address with this port (a bound address stops joins)
  std::string cc = "cubic";
  bool once = false;
  bool json = false;
};
// Serves connections one at a time until SIGINT/SIGTERM (or after one with `once`); returns the exit status.
int run_kernel_serve(const KernelServeOptions& o);

}  // namespace progmp::tools

// What `progmp serve` and `progmp connect` share (private to tools): transport flags, path and address syntax,
// loading a scheduler into a node's runtime, waiting on a node and another file descriptor, and the per-interval
// path table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "perf_protocol.hpp"
#include "progmp/net/node.hpp"

namespace progmp::tools {

struct TransportFlags {
  std::string transport = "progmp";  // or the kernel's "tcp" / "kernel-mptcp" (kernel_perf.hpp), for comparisons
  std::string cc = "lia";
  std::uint32_t mss = 1350;  // 1350 + 67 bytes of headers and frames fit a 1452-byte IPv6 UDP payload with an ACK
  int path_timeout_ms = 500;
  int idle_timeout_s = 30;
  bool no_gso = false, no_gro = false;
  bool no_pacing = false;
};
void add_transport_flags(CLI::App* cmd, TransportFlags& f);
// The congestion control for a kernel transport: --cc as given, "lia" (the default) becomes "cubic" (the kernel's
// MPTCP has no coupled congestion control); "olia" is an error (empty result, `error` set).
std::string kernel_congestion_control(const TransportFlags& f, std::string& error);
net::NodeOptions node_options(const TransportFlags& f, const transport::crypto::KeyPair& identity, bool server);

// "ADDR:PORT" or "ADDR:PORT@DEVICE" (a listening address).
bool parse_listen(std::string_view spec, net::SocketAddress& address, std::string& device, std::string& error);
// A client path: "LOCAL=REMOTE", "LOCAL@DEVICE=REMOTE", "LOCAL" (REMOTE defaults to the server address), "=REMOTE".
// LOCAL may be empty (any address) and may carry a port; REMOTE is ADDR:PORT or a host name.
bool parse_path(std::string_view spec, const std::optional<net::SocketAddress>& default_remote, net::PathConfig& out,
                std::string& error);

// Loads a scheduler (a library name, builtin_minrtt or a .progmp file) into `rt`; `name` is what it is registered
// as. On failure: `error` (with diagnostics for a program with errors) and the exit status (1 or 2).
bool load_scheduler(runtime::Runtime& rt, const std::string& spec, std::string& name, std::string& error, int& status);
// The same for a command's --scheduler (empty: builtin_minrtt), made the runtime's default; on failure prints the
// message ("progmp COMMAND: …", or the program's diagnostics) and throws CLI::RuntimeError with the status.
std::string use_scheduler(runtime::Runtime& rt, const std::string& spec, const std::string& command);

// Waits until the node or `other_fd` (-1: none) is readable or timeout_ms passes, then processes the node.
// Returns true if other_fd became readable.
bool wait_node(net::Node& node, int other_fd, int timeout_ms);

// The client's summary, the same for every --transport: a report's "requests" object, the table of its "paths"
// (id, local, remote, bytes_sent or bytes_received, share, retransmitted_bytes, rtt_ms_avg) and the requests line.
nlohmann::json requests_json(const FctSummary& f);
void print_path_table(const nlohmann::json& paths, bool uploading, std::string_view rtt_label);
void print_requests_line(const nlohmann::json& requests);

// Human-readable bytes and rates: "1.23 GB", "456.7 Mbit/s".
std::string human_bytes(double bytes);
std::string human_rate(double bits_per_second);

}  // namespace progmp::tools

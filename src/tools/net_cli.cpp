#include "net_cli.hpp"

#include <poll.h>

#include <fmt/format.h>

#include <iostream>

#include "cli_support.hpp"
#include "progmp/lang/diagnostics.hpp"
#include "progmp/runtime/builtin.hpp"

namespace progmp::tools {

void add_transport_flags(CLI::App* cmd, TransportFlags& f) {
  cmd->add_option("--transport", f.transport,
                  "progmp (default: the encrypted multipath transport over UDP), or the kernel's tcp or kernel-mptcp "
                  "(the same modes and report, for comparisons; no ProgMP scheduler applies)")
      ->check(CLI::IsMember({"progmp", "tcp", "kernel-mptcp"}).description(""))
      ->type_name("NAME");
  cmd->add_option("--cc", f.cc, "Congestion control of every subflow: lia (default), olia, cubic, reno")
      ->check(CLI::IsMember({"lia", "olia", "cubic", "reno"}).description(""))
      ->type_name("NAME");
  cmd->add_option("--mss", f.mss, "Payload bytes per packet (default 1350; a datagram is 67 bytes more: keep it within the path MTU)")->check(CLI::Range(536, 8900))->type_name("B");
  cmd->add_option("--path-timeout-ms", f.path_timeout_ms,
                  "A path silent this long fails (keep-alives every third of it; 0 = off; default 500)")
      ->check(CLI::Range(0, 600000))
      ->type_name("MS");
  cmd->add_option("--idle-timeout", f.idle_timeout_s, "Close a connection after this many seconds without a datagram (default 30)")
      ->check(CLI::Range(1, 86400))
      ->type_name("S");
  cmd->add_flag("--no-gso", f.no_gso, "Send one datagram per system call entry (no UDP GSO)");
  cmd->add_flag("--no-gro", f.no_gro, "Receive datagrams one by one (no UDP GRO)");
  cmd->add_flag("--no-pacing", f.no_pacing, "Send windows as bursts (no pacing)");
}

std::string kernel_congestion_control(const TransportFlags& f, std::string& error) {
  if (f.cc == "lia") return "cubic";
  if (f.cc == "olia") {
    error = "--cc olia: the kernel's MPTCP has no coupled congestion control (use cubic or reno)";
    return "";
  }
  return f.cc;
}

net::NodeOptions node_options(const TransportFlags& f, const transport::crypto::KeyPair& identity, bool server) {
  net::NodeOptions o;
  o.endpoint.identity = identity;
  o.endpoint.accept_connections = server;
  o.endpoint.transport.cc = f.cc;
  o.endpoint.transport.mss = f.mss;
  o.endpoint.transport.path_timeout = transport::Duration::millis(f.path_timeout_ms);
  o.endpoint.transport.pacing = !f.no_pacing;
  o.endpoint.idle_timeout = transport::Duration::seconds(f.idle_timeout_s);
  o.socket.gso = !f.no_gso;
  o.socket.gro = !f.no_gro;
  return o;
}

bool parse_listen(std::string_view spec, net::SocketAddress& address, std::string& device, std::string& error) {
  std::string_view addr = spec;
  device.clear();
  if (const auto at = spec.rfind('@'); at != std::string_view::npos) {
    addr = spec.substr(0, at);
    device = std::string(spec.substr(at + 1));
  }
  auto parsed = net::SocketAddress::parse(addr, error, true);
  if (!parsed) return false;
  address = *parsed;
  return true;
}

bool parse_path(std::string_view spec, const std::optional<net::SocketAddress>& default_remote, net::PathConfig& out,
                std::string& error) {
  auto p = net::parse_path_config(spec, default_remote, error);
  if (!p) return false;
  out = *p;
  return true;
}

bool load_scheduler(runtime::Runtime& rt, const std::string& spec, std::string& name, std::string& error,
                    int& status) {
  std::string source;
  if (!resolve_scheduler(spec, false, std::filesystem::current_path(), name, source, error, status)) return false;
  if (source.empty()) return true;  // the built-in
  const runtime::LoadResult r = rt.load_scheduler(name, source);
  if (r.status != runtime::Status::Ok) {
    error = lang::format_diagnostics_text(r.diagnostics, name, source);
    status = kExitDiagnostics;
    return false;
  }
  name = r.name;
  return true;
}

std::string use_scheduler(runtime::Runtime& rt, const std::string& spec, const std::string& command) {
  std::string name(runtime::kBuiltinMinRttName);
  if (spec.empty()) return name;
  std::string error;
  int status = 2;
  if (!load_scheduler(rt, spec, name, error, status)) {
    if (status == kExitDiagnostics) std::cerr << error;
    else std::cerr << "progmp " << command << ": " << error << '\n';
    throw CLI::RuntimeError(status);
  }
  rt.set_default_scheduler(name);
  return name;
}

bool wait_node(net::Node& node, int other_fd, int timeout_ms) {
  if (node.endpoint().pending_events() > 0) timeout_ms = 0;
  pollfd fds[2] = {{node.fd(), POLLIN, 0}, {other_fd, POLLIN, 0}};
  ::poll(fds, other_fd >= 0 ? 2 : 1, timeout_ms);
  node.process();
  return other_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

std::string human_bytes(double b) {
  if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.2f} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{:.0f} B", b);
}

std::string human_rate(double bps) {
  if (bps >= 1e9) return fmt::format("{:.2f} Gbit/s", bps / 1e9);
  if (bps >= 1e6) return fmt::format("{:.1f} Mbit/s", bps / 1e6);
  return fmt::format("{:.1f} kbit/s", bps / 1e3);
}

nlohmann::json requests_json(const FctSummary& f) {
  return {{"count", f.count}, {"fct_ms_mean", f.mean_ms}, {"fct_ms_p50", f.p50_ms}, {"fct_ms_p95", f.p95_ms}};
}

void print_path_table(const nlohmann::json& paths, bool uploading, std::string_view rtt_label) {
  std::cout << fmt::format("{:<5} {:<22} {:<22} {:>12} {:>7} {:>12} {:>9}\n", "path", "local", "remote",
                           uploading ? "bytes sent" : "bytes recv", "share", "retransmit", rtt_label);
  for (const nlohmann::json& p : paths)
    std::cout << fmt::format("{:<5} {:<22} {:<22} {:>12} {:>6.1f}% {:>12} {:>6.2f} ms\n", p["id"].get<int>(),
                             p["local"].get<std::string>(), p["remote"].get<std::string>(),
                             human_bytes(static_cast<double>(p[uploading ? "bytes_sent" : "bytes_received"].get<std::uint64_t>())),
                             p["share"].get<double>() * 100,
                             human_bytes(static_cast<double>(p["retransmitted_bytes"].get<std::uint64_t>())),
                             p["rtt_ms_avg"].get<double>());
}

void print_requests_line(const nlohmann::json& requests) {
  std::cout << fmt::format("requests {}: flow completion mean {:.2f} ms, p50 {:.2f} ms, p95 {:.2f} ms\n",
                           requests["count"].get<std::size_t>(), requests["fct_ms_mean"].get<double>(),
                           requests["fct_ms_p50"].get<double>(), requests["fct_ms_p95"].get<double>());
}

}  // namespace progmp::tools

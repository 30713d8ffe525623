// progmp serve/connect over the kernel's TCP and MPTCP sockets (see kernel_perf.hpp).
#include "kernel_perf.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "net_cli.hpp"
#include "progmp/testbed/kernel_socket_stats.hpp"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

namespace progmp::tools {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string errno_text() { return std::strerror(errno); }

// A stream socket of the chosen transport with its congestion control; -1 with `error`.
int open_socket(KernelTransport t, int family, const std::string& cc, std::string& error) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, t == KernelTransport::Mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
  if (fd < 0) {
    error = t == KernelTransport::Mptcp ? "MPTCP is not available: socket(IPPROTO_MPTCP): " + errno_text()
                                        : "socket: " + errno_text();
    return -1;
  }
  if (!cc.empty() && ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), static_cast<socklen_t>(cc.size())) != 0) {
    error = "congestion control '" + cc + "' is not available in this kernel (" + errno_text() + ")";
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are answered at once, as over progmp
  return fd;
}

bool write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads one '\n'-terminated line (without it) a byte at a time: only the short protocol lines go through here.
bool read_line(int fd, std::string& line, std::size_t max) {
  line.clear();
  char c = 0;
  while (line.size() < max) {
    const ssize_t r = ::recv(fd, &c, 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    if (c == '\n') return true;
    line.push_back(c);
  }
  return false;
}

// Reads exactly n bytes (false on EOF or error before that).
bool read_exact(int fd, std::vector<char>& buf, std::size_t n) {
  if (buf.size() < n) buf.resize(n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, buf.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// Samples the per-path statistics now and then: an MPTCP connection's subflows are gone once it has closed.
struct PathSampler {
  PathSampler(int fd, bool mptcp) : fd(fd), mptcp(mptcp) {}
  int fd;
  bool mptcp;
  Clock::time_point last{};
  std::vector<testbed::KernelSubflowStats> latest;
  std::string error;
  void sample(bool force = false) {
    if (!force && since(last) < 0.2) return;
    last = Clock::now();
    std::vector<testbed::KernelSubflowStats> now;
    if (testbed::kernel_socket_stats(fd, mptcp, now, error) && !now.empty()) latest = std::move(now);
  }
};

}  // namespace

std::optional<KernelTransport> parse_transport_name(std::string_view name, bool& ok) {
  ok = true;
  if (name == "tcp") return KernelTransport::Tcp;
  if (name == "kernel-mptcp") return KernelTransport::Mptcp;
  ok = name == "progmp";
  return std::nullopt;
}

std::string_view transport_label(KernelTransport t) { return t == KernelTransport::Mptcp ? "kernel-mptcp" : "tcp"; }

int run_kernel_connect(const KernelConnectOptions& o) {
  auto fail = [](const std::string& m, int status) {
    std::cerr << "progmp connect: " << m << '\n';
    return status;
  };
  if (o.request.mode == PerfRequest::Mode::Stream)
    return fail("--transport " + std::string(transport_label(o.transport)) + " needs a mode (--time, --bytes, "
                "--send-file or --requests)", 2);
  int file = -1;
  if (!o.send_file.empty()) {
    file = ::open(o.send_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (file < 0) return fail("--send-file " + o.send_file + ": " + errno_text(), 2);
  }
  std::string error;
  const int fd = open_socket(o.transport, o.server.family(), o.cc, error);
  if (fd < 0) return fail(error, 2);
  if (o.local && ::bind(fd, o.local->data(), o.local->size()) != 0)
    return fail("cannot bind " + o.local->to_string() + ": " + errno_text(), 2);
  // Connect with a deadline.
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (::connect(fd, o.server.data(), o.server.size()) != 0 && errno != EINPROGRESS)
    return fail("cannot connect to " + o.server.to_string() + ": " + errno_text(), 2);
  pollfd p{fd, POLLOUT, 0};
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (::poll(&p, 1, static_cast<int>(o.connect_timeout * 1000)) != 1 ||
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0)
    return fail(fmt::format("no connection to {} within {} s{}", o.server.to_string(), o.connect_timeout,
                            soerr ? std::string(" (") + std::strerror(soerr) + ")" : ""),
                2);
  ::fcntl(fd, F_SETFL, flags);
  ::signal(SIGPIPE, SIG_IGN);

  const std::string line = encode_request(o.request);
  std::string answer;
  if (!write_all(fd, line.data(), line.size()) || !read_line(fd, answer, kMaxRequestLine))
    return fail("the server closed the connection before answering", 1);
  if (answer.find("\"ok\"") == std::string::npos) return fail("the server refused: " + answer, 1);

  PathSampler paths(fd, o.transport == KernelTransport::Mptcp);
  const Clock::time_point start = Clock::now();
  std::uint64_t bytes = 0;
  Sha256 hash;
  std::string server_sha, problem;
  std::vector<double> fct_ms;
  std::vector<char> buf(1 << 20);
  switch (o.request.mode) {
    case PerfRequest::Mode::Upload: {
      const auto block = bulk_block();
      for (;;) {
        if (g_stop) break;
        std::span<const std::byte> chunk;
        if (file >= 0) {
          const ssize_t r = ::read(file, buf.data(), buf.size());
          if (r <= 0) break;
          chunk = std::as_bytes(std::span<const char>(buf.data(), static_cast<std::size_t>(r)));
        } else {
          if (o.bytes > 0 && bytes >= o.bytes) break;
          if (o.bytes == 0 && since(start) >= o.seconds) break;
          std::size_t n = block.size();
          if (o.bytes > 0) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, o.bytes - bytes));
          chunk = block.first(std::min<std::size_t>(n, 256 * 1024));
        }
        if (o.request.hash) hash.update(chunk);
        if (!write_all(fd, chunk.data(), chunk.size())) {
          problem = "connection lost while sending";
          break;
        }
        bytes += chunk.size();
        paths.sample();
      }
      ::shutdown(fd, SHUT_WR);
      std::string report;
      if (problem.empty()) {
        if (!read_line(fd, report, kMaxRequestLine)) problem = "the server did not report what it received";
        if (auto r = parse_report(report)) server_sha = r->sha256;
      }
      break;
    }
    case PerfRequest::Mode::Download:
      for (;;) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (o.request.hash) hash.update(std::as_bytes(std::span<const char>(buf.data(), static_cast<std::size_t>(r))));
        bytes += static_cast<std::uint64_t>(r);
        paths.sample();
      }
      if (o.request.bytes > 0 && bytes != o.request.bytes) problem = "the download ended early";
      break;
    case PerfRequest::Mode::Requests: {
      std::vector<char> request(o.request.request_size, 'q');
      for (std::uint64_t i = 0; i < o.requests && !g_stop; ++i) {
        const Clock::time_point t = Clock::now();
        if (!write_all(fd, request.data(), request.size()) || !read_exact(fd, buf, o.request.response_size)) {
          problem = "connection lost during request " + std::to_string(i + 1);
          break;
        }
        fct_ms.push_back(since(t) * 1000);
        bytes += o.request.response_size;
        paths.sample();
      }
      paths.sample(true);
      ::shutdown(fd, SHUT_WR);
      while (::recv(fd, buf.data(), buf.size(), 0) > 0) {
      }
      break;
    }
    case PerfRequest::Mode::Stream:
      break;
  }
  paths.sample(true);
  const double duration = std::max(since(start), 1e-9);
  ::close(fd);
  if (file >= 0) ::close(file);

  const std::string sha = o.request.hash ? hash.hex() : "";
  const bool uploading = o.request.mode == PerfRequest::Mode::Upload;
  const bool sha_ok = !uploading || sha.empty() || sha == server_sha;
  if (!sha_ok && problem.empty()) problem = "SHA-256 mismatch: the server received other bytes than were sent";
  std::uint64_t total = 0;
  for (const auto& s : paths.latest) total += uploading ? s.bytes_sent : s.bytes_received;
  json jpaths = json::array();
  int id = 1;
  for (auto& s : paths.latest) {
    if (s.remote.empty() && !paths.mptcp) s.remote = o.server.to_string();  // sampled after the peer closed
    const std::uint64_t mine = uploading ? s.bytes_sent : s.bytes_received;
    jpaths.push_back({{"id", id++},
                      {"local", s.local},
                      {"remote", s.remote},
                      {"bytes_sent", s.bytes_sent},
                      {"bytes_received", s.bytes_received},
                      {"share", total ? static_cast<double>(mine) / static_cast<double>(total) : 0.0},
                      {"retransmitted_bytes", s.bytes_retransmitted},
                      {"rtt_ms_avg", s.srtt_ms},
                      {"cwnd", s.cwnd}});
  }
  const std::string scheduler = o.transport == KernelTransport::Mptcp ? "kernel default" : "tcp (one path)";
  json out{{"transport", transport_label(o.transport)},
           {"mode", mode_name(o.request.mode)},
           {"scheduler", scheduler},
           {"cc", o.cc},
           {"bytes", bytes},
           {"duration_s", duration},
           {"goodput_mbit", static_cast<double>(bytes) * 8 / duration / 1e6},
           {"paths", jpaths}};
  if (!sha.empty()) {
    out["sha256"] = uploading ? server_sha : sha;
    if (uploading) out["sha256_ok"] = sha_ok;
  }
  if (o.request.mode == PerfRequest::Mode::Requests) {
    out["requests"] = requests_json(summarize_fct(fct_ms));
  }
  if (!problem.empty()) out["error"] = problem;
  if (o.json) {
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << fmt::format("{} {} in {:.2f} s = {} ({}, {})\n", uploading ? "sent" : "received",
                             human_bytes(static_cast<double>(bytes)), duration,
                             human_rate(static_cast<double>(bytes) * 8 / duration), transport_label(o.transport), o.cc);
    print_path_table(jpaths, uploading, "srtt");
    if (!sha.empty()) std::cout << "sha256 " << out["sha256"].get<std::string>() << (sha_ok ? "" : " MISMATCH") << '\n';
    if (out.contains("requests")) print_requests_line(out["requests"]);
  }
  if (!problem.empty()) return fail(problem, 1);
  return 0;
}

int run_kernel_serve(const KernelServeOptions& o) {
  auto fail = [](const std::string& m) {
    std::cerr << "progmp serve: " << m << '\n';
    return 2;
  };
  std::string error;
  const int listener = open_socket(o.transport, o.listen.family(), o.cc, error);
  if (listener < 0) return fail(error);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const net::SocketAddress bind_to =
      o.transport == KernelTransport::Mptcp ? net::SocketAddress::any(o.listen.family(), o.listen.port()) : o.listen;
  if (::bind(listener, bind_to.data(), bind_to.size()) != 0 || ::listen(listener, 16) != 0)
    return fail("cannot listen on " + bind_to.to_string() + ": " + errno_text());
  ::signal(SIGINT, on_signal);
  ::signal(SIGTERM, on_signal);
  ::signal(SIGPIPE, SIG_IGN);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &bound_len);  // the port the kernel chose for :0
  std::cerr << fmt::format("listening on {} ({}, {})\n",
                           net::SocketAddress(reinterpret_cast<sockaddr*>(&bound), bound_len).to_string(),
                           transport_label(o.transport), o.cc);
  std::vector<char> buf(1 << 20);
  while (!g_stop) {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) continue;
    sockaddr_storage peer_addr{};
    socklen_t peer_len = sizeof peer_addr;
    const int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer_addr), &peer_len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const Clock::time_point start = Clock::now();
    std::string line, problem;
    std::uint64_t received = 0, sent = 0;
    std::optional<PerfRequest> request;
    if (!read_line(fd, line, kMaxRequestLine)) {
      problem = "no request";
    } else if (!(request = parse_request(line, error))) {
      problem = error;
    } else if (request->mode == PerfRequest::Mode::Stream) {
      problem = "the stream mode is not available over --transport " + std::string(transport_label(o.transport));
    } else if (!request->scheduler.empty() || !request->scheduler_source.empty()) {
      problem = "the kernel's transports run no ProgMP scheduler";
    }
    if (!problem.empty()) {
      const std::string answer = json{{"error", problem}}.dump() + "\n";
      write_all(fd, answer.data(), answer.size());
    } else {
      write_all(fd, "{\"ok\":true}\n", 12);
      switch (request->mode) {
        case PerfRequest::Mode::Upload: {
          Sha256 hash;
          for (;;) {
            const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            if (request->hash) hash.update(std::as_bytes(std::span<const char>(buf.data(), static_cast<std::size_t>(r))));
            received += static_cast<std::uint64_t>(r);
          }
          const std::string report =
              encode_report(PerfReport{received, request->hash ? hash.hex() : "", since(start)});
          write_all(fd, report.data(), report.size());
          break;
        }
        case PerfRequest::Mode::Download: {
          const auto block = bulk_block();
          while (!g_stop) {
            if (request->bytes > 0 && sent >= request->bytes) break;
            if (request->bytes == 0 && since(start) >= request->seconds) break;
            std::size_t n = std::min<std::size_t>(block.size(), 256 * 1024);
            if (request->bytes > 0) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, request->bytes - sent));
            if (!write_all(fd, block.data(), n)) break;
            sent += n;
          }
          break;
        }
        case PerfRequest::Mode::Requests: {
          std::vector<char> response(request->response_size, 'r');
          while (read_exact(fd, buf, request->request_size)) {
            received += request->request_size;
            if (!write_all(fd, response.data(), response.size())) break;
            sent += response.size();
          }
          break;
        }
        case PerfRequest::Mode::Stream:
          break;
      }
    }
    ::shutdown(fd, SHUT_WR);
    while (::recv(fd, buf.data(), buf.size(), 0) > 0) {
    }
    ::close(fd);
    const std::string peer = net::SocketAddress(reinterpret_cast<sockaddr*>(&peer_addr), peer_len).to_string();
    const char* mode = request ? mode_name(request->mode).data() : "none";
    if (o.json) {
      json j{{"peer", peer}, {"mode", mode}, {"bytes_received", received}, {"bytes_sent", sent},
             {"duration_s", since(start)}, {"transport", transport_label(o.transport)}};
      if (!problem.empty()) j["error"] = problem;
      std::cout << j.dump() << std::endl;
    } else {
      std::cerr << fmt::format("{}: {} — received {}, sent {} in {:.2f} s{}\n", peer, mode,
                               human_bytes(static_cast<double>(received)), human_bytes(static_cast<double>(sent)),
                               since(start), problem.empty() ? "" : "; " + problem);
    }
    if (o.once) break;
  }
  ::close(listener);
  return 0;
}

}  // namespace progmp::tools

#include "progmp/testbed/kernel_mptcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "progmp/testbed/netns.hpp"
#include "progmp/testbed/process.hpp"

namespace progmp::testbed {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kSolMptcp = 284;
constexpr int kMptcpInfo = 1;
constexpr std::uint32_t kMptcpInfoFlagFallback = 1u << 0;
constexpr std::size_t kMaxWriteSize = 64u << 20;
constexpr auto kSubflowWait = 2s;          // how long the client waits for the subflows before it starts sending
constexpr auto kSampleInterval = 50ms;     // MPTCP_INFO sampling during the transfer
constexpr auto kHardTimeoutMargin = 10s;   // server and client are killed after seconds + this
constexpr auto kAcceptTimeout = 10s;
constexpr auto kCloseTimeout = 10s;        // client: waiting for the server's close after its own shutdown

// struct mptcp_info of Linux 6.8+ (Debian 12's <linux/mptcp.h> has only the fields up to mptcpi_csum_enabled).
// The kernel copies min(optlen, its size) bytes and returns the length it copied, so older kernels just fill less.
struct MptcpInfo {
  std::uint8_t subflows;  // additional subflows: the initial one is not counted
  std::uint8_t add_addr_signal;
  std::uint8_t add_addr_accepted;
  std::uint8_t subflows_max;
  std::uint8_t add_addr_signal_max;
  std::uint8_t add_addr_accepted_max;
  std::uint32_t flags;
  std::uint32_t token;
  std::uint64_t write_seq;
  std::uint64_t snd_una;
  std::uint64_t rcv_nxt;
  std::uint8_t local_addr_used;
  std::uint8_t local_addr_max;
  std::uint8_t csum_enabled;
  std::uint32_t retransmits;
  std::uint64_t bytes_retrans;
  std::uint64_t bytes_sent;
  std::uint64_t bytes_received;
  std::uint64_t bytes_acked;
  std::uint8_t subflows_total;  // 6.8+: all subflows, including the initial one
  std::uint8_t reserved[3];
  std::uint32_t last_data_sent;
  std::uint32_t last_data_recv;
  std::uint32_t last_ack_recv;
};
static_assert(offsetof(MptcpInfo, flags) == 8 && offsetof(MptcpInfo, retransmits) == 44 &&
              offsetof(MptcpInfo, subflows_total) == 80 && sizeof(MptcpInfo) == 96);

struct SubflowSample {
  int total = 0;
  bool fallback = false;
  std::string error;
};

SubflowSample sample_subflows(int fd) {
  SubflowSample sample;
  MptcpInfo info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, kSolMptcp, kMptcpInfo, &info, &length) != 0) {
    if (errno == EOPNOTSUPP) {
      sample.fallback = true;  // MPTCP_INFO is refused on a connection that fell back to TCP
    } else {
      sample.error = std::string("getsockopt(SOL_MPTCP, MPTCP_INFO) failed: ") + std::strerror(errno);
    }
    return sample;
  }
  if (length < offsetof(MptcpInfo, token)) {
    sample.error = "getsockopt(SOL_MPTCP, MPTCP_INFO) returned only " + std::to_string(length) + " bytes";
    return sample;
  }
  sample.fallback = (info.flags & kMptcpInfoFlagFallback) != 0;
  sample.total = length > offsetof(MptcpInfo, subflows_total) ? info.subflows_total : info.subflows + 1;
  return sample;
}

double seconds_since_epoch(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

double cpu_seconds(const rusage& usage) {
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

template <std::size_t N>
void copy_text(char (&to)[N], const std::string& text) {
  std::snprintf(to, N, "%s", text.c_str());
}

// What the server and the client report to the benchmark process (fixed size, one atomic pipe write).
struct PeerReport {
  std::int32_t ok;
  char error[300];
  std::uint64_t bytes;      // server: received; client: sent
  double first_byte_s;      // server only: steady clock
  double last_byte_s;
  std::int32_t subflows_seen;  // client only
};

// What the benchmark process reports to run_kernel_bulk.
struct BulkReport {
  std::int32_t ok;
  char error[400];
  std::uint64_t bytes;
  double duration_s;
  double client_cpu_s;
  double server_cpu_s;
  std::int32_t subflows_seen;
};
static_assert(sizeof(PeerReport) <= PIPE_BUF && sizeof(BulkReport) <= PIPE_BUF);

template <typename Report>
void write_report(int fd, const Report& report) {
  ssize_t n;
  do n = ::write(fd, &report, sizeof report);
  while (n < 0 && errno == EINTR);
}

// Reads one report without blocking (its writer has exited); false if there is none.
template <typename Report>
bool read_report(int fd, Report& report) {
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return ::read(fd, &report, sizeof report) == static_cast<ssize_t>(sizeof report);
}

std::string set_congestion_control(int fd, const std::string& name) {
  if (name.empty()) return {};
  if (::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name.data(), static_cast<socklen_t>(name.size())) != 0) {
    return "setsockopt(TCP_CONGESTION, \"" + name + "\") failed: " + std::strerror(errno);
  }
  char actual[32] = {};
  socklen_t length = sizeof actual - 1;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, actual, &length) == 0 && std::string(actual) != name) {
    return "TCP_CONGESTION is \"" + std::string(actual) + "\" after setting \"" + name + "\"";
  }
  return {};
}

const char* protocol_name(bool mptcp) { return mptcp ? "IPPROTO_MPTCP" : "IPPROTO_TCP"; }

// Child processes of the benchmark process die with it.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(111);
}

[[noreturn]] void report_and_exit(int report_fd, PeerReport& report, const std::string& error) {
  report.ok = error.empty();
  copy_text(report.error, error);
  write_report(report_fd, report);
  ::_exit(0);
}

[[noreturn]] void run_server(int listener, const BulkOptions& options, int report_fd) {
  PeerReport report{};
  auto finish = [&](const std::string& error) { report_and_exit(report_fd, report, error); };
  pollfd waiting{listener, POLLIN, 0};
  int ready;
  do ready = ::poll(&waiting, 1, static_cast<int>(std::chrono::milliseconds(kAcceptTimeout).count()));
  while (ready < 0 && errno == EINTR);
  if (ready <= 0) finish("no connection within " + std::to_string(kAcceptTimeout.count()) + " s");
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) finish(std::string("accept failed: ") + std::strerror(errno));
  ::close(listener);
  if (auto error = set_congestion_control(fd, options.congestion_control); !error.empty()) finish(error);

  std::vector<char> buffer(std::clamp<std::size_t>(options.write_size, 256 << 10, 4 << 20));
  for (;;) {
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      const double now = seconds_since_epoch(Clock::now());
      if (report.bytes == 0) report.first_byte_s = now;
      report.last_byte_s = now;
      report.bytes += static_cast<std::uint64_t>(n);
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      finish(std::string("recv failed: ") + std::strerror(errno));
    }
  }
  ::close(fd);  // the client waits for this: all data has been consumed
  report_and_exit(report_fd, report, {});
}

[[noreturn]] void run_client(std::uint16_t port, const BulkOptions& options, int report_fd) {
  PeerReport report{};
  auto finish = [&](const std::string& error) { report_and_exit(report_fd, report, error); };
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, options.mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
  if (fd < 0) finish(std::string("socket(") + protocol_name(options.mptcp) + ") failed: " + std::strerror(errno));
  if (auto error = set_congestion_control(fd, options.congestion_control); !error.empty()) finish(error);
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
    finish(std::string("connect to 127.0.0.1 failed: ") + std::strerror(errno));
  }

  auto sample = [&] {
    SubflowSample s = sample_subflows(fd);
    if (!s.error.empty()) finish(s.error);
    if (s.fallback) finish("the MPTCP connection fell back to plain TCP");
    report.subflows_seen = std::max(report.subflows_seen, s.total);
    return s.total;
  };
  if (options.mptcp) {
    // The server announces 127.0.0.2 once the connection is established and the client joins it: wait for that.
    const auto give_up = Clock::now() + kSubflowWait;
    while (sample() < options.subflows && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  }

  std::vector<char> buffer(options.write_size);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 131 + 7);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  auto next_sample = start + kSampleInterval;
  for (auto now = start; now < end; now = Clock::now()) {
    ssize_t n = ::send(fd, buffer.data(), buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      report.bytes += static_cast<std::uint64_t>(n);
    } else if (n < 0 && errno != EINTR) {
      finish(std::string("send failed: ") + std::strerror(errno));
    }
    if (options.mptcp && now >= next_sample) {
      sample();
      next_sample = now + kSampleInterval;
    }
  }
  if (options.mptcp) sample();

  // Half-close, then wait until the server has read everything and closed its end.
  if (::shutdown(fd, SHUT_WR) != 0) finish(std::string("shutdown failed: ") + std::strerror(errno));
  const auto give_up = Clock::now() + kCloseTimeout;
  char sink[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now()).count();
    if (left <= 0) finish("the server did not close the connection");
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left)) <= 0) continue;
    ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
  }
  ::close(fd);
  report_and_exit(report_fd, report, {});
}

// The benchmark process: runs in the private namespace, forks the server and the client and collects their reports.
int run_bulk_in_namespace(const BulkOptions& options, int report_fd) {
  BulkReport report{};
  auto finish = [&](const std::string& error) {
    report.ok = error.empty();
    copy_text(report.error, error);
    write_report(report_fd, report);
    return 0;
  };

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, options.mptcp ? IPPROTO_MPTCP : IPPROTO_TCP);
  if (listener < 0) {
    return finish(std::string(options.mptcp ? "MPTCP is not available: " : "") + "socket(" +
                  protocol_name(options.mptcp) + ") failed: " + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);  // wildcard: a listener bound to one address makes the MPTCP join fail
  socklen_t length = sizeof any;
  if (::bind(listener, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0 || ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&any), &length) != 0) {
    std::string error = std::string("bind/listen failed: ") + std::strerror(errno);
    ::close(listener);
    return finish(error);
  }
  const std::uint16_t port = ntohs(any.sin_port);

  int server_pipe[2], client_pipe[2];
  if (::pipe2(server_pipe, O_CLOEXEC) != 0) return finish(std::string("pipe2 failed: ") + std::strerror(errno));
  if (::pipe2(client_pipe, O_CLOEXEC) != 0) return finish(std::string("pipe2 failed: ") + std::strerror(errno));

  const pid_t self = ::getpid();
  std::fflush(nullptr);
  const pid_t server = ::fork();
  if (server == 0) {
    die_with_parent(self);
    ::close(report_fd);
    ::close(server_pipe[0]);
    ::close(client_pipe[0]);
    ::close(client_pipe[1]);
    run_server(listener, options, server_pipe[1]);
  }
  ::close(listener);
  ::close(server_pipe[1]);
  const pid_t client = server < 0 ? -1 : ::fork();
  if (client == 0) {
    die_with_parent(self);
    ::close(report_fd);
    ::close(server_pipe[0]);
    ::close(client_pipe[0]);
    run_client(port, options, client_pipe[1]);
  }
  ::close(client_pipe[1]);
  if (server < 0 || client < 0) {
    const int error = errno;
    kill_and_reap(server);
    ::close(server_pipe[0]);
    ::close(client_pipe[0]);
    return finish(std::string("fork failed: ") + std::strerror(error));
  }

  // Both processes end on their own; the deadline only guards against a hang.
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options.seconds) + kHardTimeoutMargin);
  auto left = [&] {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()), 0ms);
  };
  rusage client_usage{}, server_usage{};
  int client_status = 0, server_status = 0;
  if (!wait_for_child(client, left(), client_status, &client_usage)) {
    kill_and_reap(client);
    kill_and_reap(server);
    ::close(server_pipe[0]);
    ::close(client_pipe[0]);
    return finish("the transfer did not finish within " + std::to_string(options.seconds) + " s + " +
                  std::to_string(kHardTimeoutMargin.count()) + " s (killed)");
  }
  PeerReport server_report{}, client_report{};
  const bool have_client = read_report(client_pipe[0], client_report);
  ::close(client_pipe[0]);
  client_report.error[sizeof client_report.error - 1] = '\0';
  const bool client_ok = have_client && client_report.ok;
  // A failed client leaves the server waiting (e.g. for a connection): give it a moment to end on its own, in case
  // it failed first (its error is then the cause), and kill it otherwise.
  const bool server_done = wait_for_child(server, client_ok ? left() : 200ms, server_status, &server_usage);
  if (!server_done) kill_and_reap(server);
  const bool have_server = server_done && read_report(server_pipe[0], server_report);
  ::close(server_pipe[0]);
  server_report.error[sizeof server_report.error - 1] = '\0';
  const bool server_failed = have_server && !server_report.ok;

  if (!client_ok) {
    std::string error = have_client ? std::string("client: ") + client_report.error
                                    : "client process " + describe_wait_status(client_status) + " without a report";
    return finish(server_failed ? std::string("server: ") + server_report.error + "; " + error : error);
  }
  if (!server_done) {
    return finish("the server did not finish within " + std::to_string(options.seconds) + " s + " +
                  std::to_string(kHardTimeoutMargin.count()) + " s (killed)");
  }
  if (!have_server) return finish("server process " + describe_wait_status(server_status) + " without a report");
  if (server_failed) return finish(std::string("server: ") + server_report.error);
  if (server_report.bytes != client_report.bytes) {
    return finish("the server received " + std::to_string(server_report.bytes) + " bytes of the " +
                  std::to_string(client_report.bytes) + " sent");
  }
  if (server_report.bytes == 0) return finish("no data was transferred");

  report.bytes = server_report.bytes;
  report.duration_s = server_report.last_byte_s - server_report.first_byte_s;
  report.client_cpu_s = cpu_seconds(client_usage);
  report.server_cpu_s = cpu_seconds(server_usage);
  report.subflows_seen = client_report.subflows_seen;
  return finish({});
}

std::string validate(const BulkOptions& options) {
  if (!std::isfinite(options.seconds) || options.seconds <= 0 || options.seconds > 3600) {
    return "seconds must be in (0, 3600], not " + std::to_string(options.seconds);
  }
  if (options.mptcp && options.subflows != 1 && options.subflows != 2) {
    return "subflows must be 1 or 2, not " + std::to_string(options.subflows);
  }
  if (options.write_size == 0 || options.write_size > kMaxWriteSize) {
    return "write_size must be in [1, 64 MiB], not " + std::to_string(options.write_size);
  }
  if (options.congestion_control.size() >= 16) {  // TCP_CA_NAME_MAX
    return "congestion control name too long: \"" + options.congestion_control + "\"";
  }
  return {};
}

}  // namespace

BulkResult run_kernel_bulk(const BulkOptions& options) {
  BulkResult result;
  if (result.error = validate(options); !result.error.empty()) return result;

  int report_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe2 failed: ") + std::strerror(errno);
    return result;
  }
  std::string error;
  const bool announce_second_path = options.mptcp && options.subflows >= 2;
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(options.seconds) + kHardTimeoutMargin + 5s);
  const int rc = run_in_private_netns(
      [&] {
        ::close(report_pipe[0]);
        return run_bulk_in_namespace(options, report_pipe[1]);
      },
      announce_second_path, error, timeout);
  ::close(report_pipe[1]);
  BulkReport report{};
  const bool have_report = read_report(report_pipe[0], report);
  ::close(report_pipe[0]);
  report.error[sizeof report.error - 1] = '\0';

  if (rc < 0) {
    result.error = error;
    return result;
  }
  if (rc != 0 || !have_report) {
    result.error = "benchmark process: " + (error.empty() ? "exited with status " + std::to_string(rc) : error) +
                   (have_report ? "" : " (no report)");
    return result;
  }
  if (!report.ok) {
    result.error = report.error;
    return result;
  }
  result.bytes = report.bytes;
  result.duration_s = report.duration_s;
  result.client_cpu_s = report.client_cpu_s;
  result.server_cpu_s = report.server_cpu_s;
  result.subflows_seen = options.mptcp ? report.subflows_seen : 0;
  const double gbit = static_cast<double>(report.bytes) * 8 / 1e9;
  result.goodput_gbit = report.duration_s > 0 ? gbit / report.duration_s : 0;
  result.cpu_s_per_gbit = gbit > 0 ? (result.client_cpu_s + result.server_cpu_s) / gbit : 0;
  result.ok = true;
  return result;
}

}  // namespace progmp::testbed

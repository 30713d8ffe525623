// progmp on real UDP sockets against the Linux kernel's MPTCP, side by side in one run, over the same two loopback
// paths (127.0.0.1 and 127.0.0.2) of a private network namespace: bulk goodput of one connection and CPU seconds
// per transferred Gbit, progmp encrypted (ChaCha20-Poly1305) with and without UDP GSO/GRO, the kernel's MPTCP with
// two subflows and plain TCP (both cubic, unencrypted), and progmp with ChaCha20-Poly1305 for comparison. Two processes per transfer (a sender and a receiver), as
// the machine's two cores allow. Prints a table of medians over --runs and the progmp/kernel ratios;
// docs/performance.md explains the numbers.
//
//   net_bench [--seconds S] [--runs N] [--mss B] [--json]
//
// Needs root (network namespaces); without it, it says so and exits 0 without measuring.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "progmp/net/node.hpp"
#include "progmp/net/system_random.hpp"
#include "progmp/testbed/kernel_mptcp.hpp"
#include "progmp/testbed/netns.hpp"
#include "progmp/testbed/privileges.hpp"
#include "progmp/testbed/process.hpp"

namespace {

using namespace progmp;
using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 3;
  int runs = 3;
  std::uint32_t mss = 1350;
  bool json = false;
};

struct Sample {
  bool ok = false;
  std::string error;
  double goodput_gbit = 0;
  double cpu_s_per_gbit = 0;
  double client_cpu_s = 0, server_cpu_s = 0;
};

// What the progmp receiver reports through a pipe.
struct ServerReport {
  std::int32_t ok = 0;
  std::uint64_t bytes = 0;
  double first_s = 0, last_s = 0;
  char error[200] = {};
};

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

double cpu_seconds(const rusage& u) {
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

net::NodeOptions node_options(const Options& o, bool gso_gro, const transport::crypto::KeyPair& keys, bool server,
                              transport::crypto::Aead aead) {
  net::NodeOptions n;
  n.endpoint.aeads = {aead};
  n.endpoint.identity = keys;
  n.endpoint.accept_connections = server;
  n.endpoint.transport.mss = o.mss;
  n.endpoint.transport.pacing = true;
  n.endpoint.transport.path_timeout = transport::Duration::millis(500);
  n.endpoint.runtime.snd_buf_bytes = 8 << 20;
  n.endpoint.transport.rcv_buf_bytes = 8 << 20;
  n.socket.gso = gso_gro;
  n.socket.gro = gso_gro;
  return n;
}

[[noreturn]] void run_server(const Options& o, bool gso_gro, transport::crypto::Aead aead,
                             const transport::crypto::KeyPair& keys, int ready_fd, int report_fd) {
  ServerReport r;
  std::string error;
  auto node = net::Node::create(node_options(o, gso_gro, keys, true, aead), error);
  bool listening = node != nullptr;
  for (const char* a : {"127.0.0.1:4433", "127.0.0.2:4433"})
    listening = listening && node->listen(*net::SocketAddress::parse(a, error), "", error).has_value();
  if (!listening) {
    std::snprintf(r.error, sizeof r.error, "server: %s", error.c_str());
    (void)!::write(report_fd, &r, sizeof r);
    ::_exit(1);
  }
  (void)!::write(ready_fd, "x", 1);
  node->endpoint().runtime().set_log([](std::string_view) {});
  std::vector<std::byte> buf(1 << 20);
  transport::ConnHandle conn = 0;
  const double give_up = now_s() + o.seconds + 20;
  bool closed = false;
  while (!closed && now_s() < give_up) {
    node->wait(50);
    while (auto e = node->poll_event()) {
      if (e->kind == transport::EventKind::Accepted) conn = e->conn;
      if (e->kind == transport::EventKind::Closed) closed = true;
    }
    while (conn != 0) {
      const transport::RecvResult got = node->recv(conn, buf);
      if (got.bytes > 0) {
        const double t = now_s();
        if (r.bytes == 0) r.first_s = t;
        r.last_s = t;
        r.bytes += got.bytes;
      }
      if (got.fin) node->close(conn);
      if (got.bytes == 0) break;
    }
  }
  r.ok = closed;
  if (!closed) std::snprintf(r.error, sizeof r.error, "server: the connection did not end");
  (void)!::write(report_fd, &r, sizeof r);
  ::_exit(0);
}

[[noreturn]] void run_client(const Options& o, bool gso_gro, transport::crypto::Aead aead,
                             const transport::crypto::PublicKey& server_key) {
  std::string error;
  net::SystemRandom random;
  auto node =
      net::Node::create(node_options(o, gso_gro, transport::crypto::generate_key_pair(random), false, aead), error);
  if (!node) ::_exit(2);
  node->endpoint().runtime().set_log([](std::string_view) {});
  const std::vector<net::PathConfig> paths{{"127.0.0.1", "", *net::SocketAddress::parse("127.0.0.1:4433", error)},
                                           {"127.0.0.2", "", *net::SocketAddress::parse("127.0.0.2:4433", error)}};
  const transport::ConnHandle conn = node->connect(paths, server_key, error);
  if (conn == 0) ::_exit(3);
  std::vector<std::byte> block(1 << 20);
  random.fill(block);
  std::size_t at = 0;
  double stop_at = 0;
  bool connected = false, closing = false, closed = false;
  const double give_up = now_s() + o.seconds + 20;
  while (!closed && now_s() < give_up) {
    node->wait(connected && !closing ? 0 : 50);
    while (auto e = node->poll_event()) {
      if (e->kind == transport::EventKind::Connected) {
        connected = true;
        stop_at = now_s() + o.seconds;
      }
      if (e->kind == transport::EventKind::Closed) closed = true;
    }
    if (!connected || closing) continue;
    if (now_s() >= stop_at) {
      node->close(conn);
      closing = true;
      continue;
    }
    while (true) {
      const std::size_t n = node->send(conn, std::span<const std::byte>(block).subspan(at, block.size() - at)).accepted;
      at = (at + n) % block.size();
      if (n == 0) break;
    }
  }
  ::_exit(closed ? 0 : 4);
}

// One progmp transfer inside the current (private) namespace: a receiver and a sender process.
int progmp_transfer(const Options& o, bool gso_gro, transport::crypto::Aead aead, int result_fd) {
  net::SystemRandom random;
  const transport::crypto::KeyPair keys = transport::crypto::generate_key_pair(random);
  int ready[2], report[2];
  if (::pipe(ready) != 0 || ::pipe(report) != 0) return 1;
  const pid_t server = ::fork();
  if (server == 0) run_server(o, gso_gro, aead, keys, ready[1], report[1]);
  char x;
  if (::read(ready[0], &x, 1) != 1) return 1;
  const pid_t client = ::fork();
  if (client == 0) run_client(o, gso_gro, aead, keys.public_key);
  rusage cu{}, su{};
  int cs = 0, ss = 0;
  const auto limit = std::chrono::milliseconds(static_cast<int>((o.seconds + 25) * 1000));
  const bool client_done = testbed::wait_for_child(client, limit, cs, &cu);
  const bool server_done = testbed::wait_for_child(server, limit, ss, &su);
  if (!client_done) testbed::kill_and_reap(client);
  if (!server_done) testbed::kill_and_reap(server);
  ServerReport r;
  const bool have = ::read(report[0], &r, sizeof r) == sizeof r;
  Sample s;
  if (!have || !r.ok || !client_done || cs != 0) {
    s.error = have && r.error[0] ? r.error : "the transfer failed (client " + testbed::describe_wait_status(cs) + ")";
  } else {
    const double gbit = static_cast<double>(r.bytes) * 8 / 1e9;
    s.ok = true;
    s.goodput_gbit = gbit / std::max(1e-9, r.last_s - r.first_s);
    s.client_cpu_s = cpu_seconds(cu);
    s.server_cpu_s = cpu_seconds(su);
    s.cpu_s_per_gbit = (s.client_cpu_s + s.server_cpu_s) / gbit;
  }
  const std::string line = nlohmann::json{{"ok", s.ok},           {"error", s.error},
                                          {"goodput", s.goodput_gbit}, {"cpu", s.cpu_s_per_gbit}}
                               .dump();
  (void)!::write(result_fd, line.data(), line.size());
  return 0;
}

Sample progmp_sample(const Options& o, bool gso_gro, transport::crypto::Aead aead) {
  int pipe_fds[2];
  Sample s;
  if (::pipe(pipe_fds) != 0) return s;
  std::string error;
  const int rc =
      testbed::run_in_private_netns([&] { return progmp_transfer(o, gso_gro, aead, pipe_fds[1]); }, false, error);
  ::close(pipe_fds[1]);
  std::string text(4096, '\0');
  const ssize_t n = ::read(pipe_fds[0], text.data(), text.size());
  ::close(pipe_fds[0]);
  if (rc != 0 || n <= 0) {
    s.error = error.empty() ? "progmp transfer failed" : error;
    return s;
  }
  const auto j = nlohmann::json::parse(text.substr(0, static_cast<std::size_t>(n)));
  s.ok = j["ok"];
  s.error = j["error"];
  s.goodput_gbit = j["goodput"];
  s.cpu_s_per_gbit = j["cpu"];
  return s;
}

Sample kernel_sample(const Options& o, bool mptcp) {
  testbed::BulkOptions b;
  b.seconds = o.seconds;
  b.mptcp = mptcp;
  b.subflows = 2;
  const testbed::BulkResult r = testbed::run_kernel_bulk(b);
  Sample s;
  s.ok = r.ok;
  s.error = r.error;
  s.goodput_gbit = r.goodput_gbit;
  s.cpu_s_per_gbit = r.cpu_s_per_gbit;
  if (r.ok && mptcp && r.subflows_seen != 2) {
    s.ok = false;
    s.error = "kernel MPTCP used " + std::to_string(r.subflows_seen) + " subflows, not 2";
  }
  return s;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "net_bench: " << a << " needs " << what << '\n';
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--seconds") o.seconds = std::stod(value("seconds"));
      else if (a == "--runs") o.runs = std::stoi(value("a count"));
      else if (a == "--mss") o.mss = static_cast<std::uint32_t>(std::stoul(value("bytes")));
      else if (a == "--json") o.json = true;
      else if (a == "--help" || a == "-h") {
        std::cout << "usage: net_bench [--seconds S (3)] [--runs N (3)] [--mss B (1350)] [--json]\n"
                     "progmp (encrypted, with and without GSO/GRO) against kernel MPTCP and TCP on two loopback paths\n";
        return 0;
      } else {
        std::cerr << "net_bench: unknown argument '" << a << "' (see --help)\n";
        return 2;
      }
    } catch (const std::exception&) {
      std::cerr << "net_bench: " << a << ": not a number\n";
      return 2;
    }
  }
  if (o.seconds <= 0 || o.seconds > 600 || o.runs < 1 || o.runs > 100 || o.mss < 536 || o.mss > 8900) {
    std::cerr << "net_bench: --seconds in (0, 600], --runs in 1..100, --mss in 536..8900\n";
    return 2;
  }
  if (!testbed::running_as_root()) {
    std::cout << "net_bench: needs root for its private network namespaces; nothing measured\n";
    return 0;
  }
  struct Row {
    std::string name;
    std::vector<Sample> samples;
  };
  using transport::crypto::Aead;
  const Aead best = transport::crypto::default_aeads().front();
  std::vector<Row> rows{{"progmp " + std::string(transport::crypto::aead_name(best)) + ", GSO+GRO", {}},
                        {"progmp " + std::string(transport::crypto::aead_name(best)) + ", no GSO/GRO", {}},
                        {"progmp chacha20-poly1305, GSO+GRO", {}},
                        {"kernel MPTCP, 2 subflows", {}},
                        {"kernel TCP", {}}};
  // Interleaved, so that a noisy moment of the machine spreads over every row.
  for (int run = 0; run < o.runs; ++run) {
    rows[0].samples.push_back(progmp_sample(o, true, best));
    rows[1].samples.push_back(progmp_sample(o, false, best));
    rows[2].samples.push_back(progmp_sample(o, true, Aead::ChaCha20Poly1305));
    rows[3].samples.push_back(kernel_sample(o, true));
    rows[4].samples.push_back(kernel_sample(o, false));
    std::cerr << "run " << run + 1 << "/" << o.runs << " done\n";
  }
  nlohmann::json out = nlohmann::json::array();
  double kernel_goodput = 0, kernel_cpu = 0;
  std::vector<std::pair<double, double>> medians;
  for (const Row& r : rows) {
    std::vector<double> g, c;
    std::string error;
    for (const Sample& s : r.samples) {
      if (s.ok) {
        g.push_back(s.goodput_gbit);
        c.push_back(s.cpu_s_per_gbit);
      } else {
        error = s.error;
      }
    }
    medians.emplace_back(median(g), median(c));
    if (r.name.starts_with("kernel MPTCP")) std::tie(kernel_goodput, kernel_cpu) = medians.back();
    if (!error.empty()) std::cerr << r.name << ": " << error << '\n';
  }
  if (!o.json) {
    std::cout << fmt::format("{} s bulk, one connection, two loopback paths, median of {} runs, mss {}\n", o.seconds,
                             o.runs, o.mss);
    std::cout << fmt::format("{:<36} {:>8} {:>12} {:>15} {:>11}\n", "", "Gbit/s", "CPU s/Gbit", "goodput/kernel",
                             "CPU/kernel");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto [g, c] = medians[i];
    const double gr = kernel_goodput > 0 ? g / kernel_goodput : 0, cr = kernel_cpu > 0 ? c / kernel_cpu : 0;
    if (o.json) {
      out.push_back({{"name", rows[i].name}, {"goodput_gbit", g}, {"cpu_s_per_gbit", c}, {"goodput_vs_kernel", gr},
                     {"cpu_vs_kernel", cr}, {"runs", rows[i].samples.size()}});
    } else {
      std::cout << fmt::format("{:<36} {:>8.2f} {:>12.3f} {:>14.2f}× {:>10.1f}×\n", rows[i].name, g, c, gr, cr);
    }
  }
  if (o.json) std::cout << out.dump(2) << '\n';
  return 0;
}

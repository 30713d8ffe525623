// The testbed on this machine's kernel (root): namespaces and veths come and go, and the emulated links hold the
// configured delay (ping, within 0.5 ms) and rate (a UDP flood measured at the receiver, within 2 %), go down and
// up on schedule, and leave nothing behind.
#include "progmp/testbed/testbed.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "progmp/testbed/process.hpp"
#include "support/sanitized.hpp"

namespace progmp::testbed {
namespace {

using namespace std::chrono_literals;

// The precision asked of the emulator (0.5 ms of delay, 2 % of rate) holds for the release build; a sanitized
// emulator is several times slower per packet, so there the same checks only catch gross errors.
constexpr double kDelayTolerance_ms = progmp::testing::kSanitized ? 2.0 : 0.5;
constexpr double kRateTolerance = progmp::testing::kSanitized ? 0.1 : 0.02;

sim::Scenario two_paths(double delay1_ms, double delay2_ms, double rate_mbit = 20, int queue_pkts = 100) {
  std::string error;
  sim::Scenario s;
  const std::string toml = "name = \"testbed\"\nduration_s = 10\n[[path]]\nname = \"wifi\"\nrate_mbit = " + std::to_string(rate_mbit) +
                           "\ndelay_ms = " + std::to_string(delay1_ms) + "\nqueue_pkts = " + std::to_string(queue_pkts) + "\n" +
                           "[[path]]\nname = \"lte\"\nrate_mbit = " + std::to_string(rate_mbit) + "\ndelay_ms = " +
                           std::to_string(delay2_ms) + "\nqueue_pkts = 100\n[[workload]]\ntype = \"bulk\"\n";
  EXPECT_TRUE(sim::parse_scenario(toml, "test.toml", s, error)) << error;
  return s;
}

std::unique_ptr<Testbed> create_or_skip(const sim::Scenario& s, std::string& skip) {
  if (!testbed_available(skip)) return nullptr;
  TestbedOptions o;
  o.scenario = s;
  std::string error;
  auto t = Testbed::create(o, error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}

std::string namespaces() { return run_command({"ip", "netns", "list"}).out; }

// A UDP socket bound to addr:port inside namespace `ns` (the calling thread returns to its own namespace after:
// a socket stays in the namespace it was made in).
int udp_socket_in(const std::string& ns, const std::string& addr, std::uint16_t port) {
  const int original = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  std::string error;
  int fd = -1;
  if (enter_netns(ns, error)) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  EXPECT_EQ(::setns(original, CLONE_NEWNET), 0);
  ::close(original);
  EXPECT_GE(fd, 0) << error;
  return fd;
}

void send_to(int fd, const std::string& addr, std::uint16_t port, const char* data, std::size_t n) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
  [[maybe_unused]] const ssize_t w = ::sendto(fd, data, n, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

double seconds_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The median round trip of 20 pings (the link's delay, not the scheduling hiccups of a busy machine).
double ping_median_ms(const Testbed& t, const std::string& to) {
  // The first ping (ARP resolution) is not counted. -U: user-to-user times; by default ping takes the reply's
  // kernel receive timestamp, set before the packet reaches the emulator at the client's ingress, which would hide
  // the reverse link's delay.
  run_command({"ip", "netns", "exec", t.client_ns(), "ping", "-c", "1", "-W", "2", to}, 10s);
  const CommandResult r =
      run_command({"ip", "netns", "exec", t.client_ns(), "ping", "-U", "-c", "20", "-i", "0.02", to}, 20s);
  EXPECT_TRUE(r.succeeded()) << r.out << r.err << r.error;
  std::vector<double> times;
  static const std::regex time(R"(time=([0-9.]+) ms)");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), time); it != std::sregex_iterator(); ++it)
    times.push_back(std::stod((*it)[1].str()));
  if (times.size() < 15) {
    ADD_FAILURE() << "too few replies: " << r.out;
    return 0;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

TEST(Testbed, BringsUpTheScenariosPathsAndRemovesEverything) {
  std::string skip;
  auto t = create_or_skip(two_paths(10, 25), skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->paths().size(), 2u);
  EXPECT_EQ(t->paths()[1].name, "lte");
  EXPECT_EQ(t->paths()[1].server_address, "10.0.2.2");
  const std::string listed = namespaces();
  EXPECT_NE(listed.find(t->client_ns()), std::string::npos);
  EXPECT_NE(listed.find(t->server_ns()), std::string::npos);
  const CommandResult addrs = run_command({"ip", "-n", t->client_ns(), "-4", "-o", "addr"});
  EXPECT_NE(addrs.out.find("10.0.1.1/24"), std::string::npos) << addrs.out;
  EXPECT_NE(addrs.out.find("10.0.2.1/24"), std::string::npos) << addrs.out;
  // Each path's one-way delay within 0.5 ms of its setting: half the round trip (less the 34 us it takes to
  // serialise 84 bytes at 20 Mbit/s).
  t->start_clock();
  EXPECT_NEAR(ping_median_ms(*t, "10.0.1.2") / 2 - 0.034, 10.0, kDelayTolerance_ms);
  EXPECT_NEAR(ping_median_ms(*t, "10.0.2.2") / 2 - 0.034, 25.0, kDelayTolerance_ms);
  const std::string client = t->client_ns(), server = t->server_ns();
  const auto stats = t->stop();
  ASSERT_EQ(stats.size(), 4u);  // two paths, two directions
  for (const TestbedLinkStats& s : stats) {
    EXPECT_GE(s.counters.delivered_packets, 10u) << s.path << (s.forward ? " forward" : " reverse");
    EXPECT_EQ(s.counters.dropped_queue + s.counters.dropped_loss + s.counters.dropped_down, 0u);
  }
  const std::string after = namespaces();
  EXPECT_EQ(after.find(client), std::string::npos) << after;
  EXPECT_EQ(after.find(server), std::string::npos) << after;
  EXPECT_TRUE(t->stop().empty());  // idempotent
}

TEST(Testbed, HoldsTheRateOfABottleneckWithinTwoPercent) {
  std::string skip;
  // A deep queue (400 packets, 200 ms at 20 Mbit/s): the link never idles while this test's sender waits for a
  // busy machine to schedule it, so what arrives is the link's rate.
  auto t = create_or_skip(two_paths(5, 5, 20, 400), skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_NE(t, nullptr);
  t->start_clock();
  const int rx = udp_socket_in(t->server_ns(), "10.0.1.2", 5001);
  const int tx = udp_socket_in(t->client_ns(), "10.0.1.1", 0);
  ASSERT_GE(rx, 0);
  ASSERT_GE(tx, 0);
  timeval tv{0, 200'000};
  ::setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const int rcvbuf = 16 << 20;  // what the link delivers must not overflow the test's own socket
  ::setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  // Offer 30 Mbit/s for 2 s (1200-byte payloads, 1228 bytes of IP): the link's queue stays full, so what arrives
  // is the link's rate.
  constexpr std::size_t kPayload = 1200, kIp = kPayload + 28;
  std::atomic<bool> done{false};
  std::thread sender([&] {
    char data[kPayload] = {};
    const double start = seconds_now();
    std::uint64_t sent = 0;
    while (seconds_now() - start < 2.0) {
      const double due = start + static_cast<double>(sent) * kIp * 8 / 30e6;
      if (seconds_now() < due) {
        std::this_thread::sleep_for(200us);
        continue;
      }
      send_to(tx, "10.0.1.2", 5001, data, sizeof data);
      ++sent;
    }
    done = true;
  });
  // The rate is the slope of bytes received over arrival time (least squares): a late wake-up of this thread
  // delays a few arrival times but does not tilt the line.
  char buf[2048];
  std::vector<double> arrivals;
  arrivals.reserve(8000);
  const double deadline = seconds_now() + 10;
  while (seconds_now() < deadline) {
    if (::recv(rx, buf, sizeof buf, 0) < 0) {
      if (done) break;  // 200 ms without a packet after the sender stopped: the queue has drained
      continue;
    }
    arrivals.push_back(seconds_now());
  }
  sender.join();
  ::close(rx);
  ::close(tx);
  ASSERT_GT(arrivals.size(), 1000u);
  double mean_t = 0, mean_b = 0;
  const double n = static_cast<double>(arrivals.size());
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    mean_t += arrivals[i] / n;
    mean_b += static_cast<double>(i * kIp) / n;
  }
  double cov = 0, var = 0;
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    cov += (arrivals[i] - mean_t) * (static_cast<double>(i * kIp) - mean_b);
    var += (arrivals[i] - mean_t) * (arrivals[i] - mean_t);
  }
  const double mbit = cov / var * 8 / 1e6;
  EXPECT_NEAR(mbit, 20.0, 20.0 * kRateTolerance);
  const auto stats = t->stop();
  ASSERT_FALSE(stats.empty());
  EXPECT_GT(stats[0].counters.dropped_queue, 0u);  // the offered load overflowed the queue
  EXPECT_EQ(stats[0].counters.bytes_in, stats[0].counters.packets_in * kIp);
}

TEST(Testbed, APathGoesDownAndUpOnSchedule) {
  sim::Scenario s = two_paths(5, 5);
  sim::PathChange down, up;
  down.at_s = 0.4;
  down.up = false;
  up.at_s = 0.9;
  up.up = true;
  s.paths[0].changes = {down, up};
  std::string skip;
  auto t = create_or_skip(s, skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  ASSERT_NE(t, nullptr);
  const int rx = udp_socket_in(t->server_ns(), "10.0.1.2", 5002);
  const int tx = udp_socket_in(t->client_ns(), "10.0.1.1", 0);
  ASSERT_GE(rx, 0);
  ASSERT_GE(tx, 0);
  ::fcntl(rx, F_SETFL, O_NONBLOCK);
  t->start_clock();
  const double start = seconds_now();
  // One small datagram every 10 ms for 1.3 s, stamped with its send time; the receiver notes which arrived.
  int received_before = 0, received_while_down = 0, received_after = 0;
  for (int i = 0; i < 130; ++i) {
    const double sent_at = seconds_now() - start;
    send_to(tx, "10.0.1.2", 5002, reinterpret_cast<const char*>(&sent_at), sizeof sent_at);
    std::this_thread::sleep_for(10ms);
    double stamp = 0;
    while (::recv(rx, &stamp, sizeof stamp, 0) == static_cast<ssize_t>(sizeof stamp)) {
      if (stamp < 0.38) ++received_before;
      else if (stamp > 0.41 && stamp < 0.88) ++received_while_down;
      else if (stamp > 0.91) ++received_after;
    }
  }
  ::close(rx);
  ::close(tx);
  EXPECT_GT(received_before, 25);
  EXPECT_EQ(received_while_down, 0);
  EXPECT_GT(received_after, 25);
  const auto stats = t->stop();
  ASSERT_FALSE(stats.empty());
  EXPECT_GT(stats[0].counters.dropped_down, 30u);
}

TEST(Testbed, RemovesNamespacesLeftByAKilledRun) {
  std::string reason;
  if (!testbed_available(reason)) GTEST_SKIP() << reason;
  // A pid that is certainly gone: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_TRUE(wait_for_child(child, 5s, status));
  const std::string stale = "pmtb-" + std::to_string(child) + "-0-c";
  ASSERT_TRUE(run_command({"ip", "netns", "add", stale}).succeeded());
  EXPECT_GE(Testbed::remove_stale(), 1);
  EXPECT_EQ(namespaces().find(stale), std::string::npos);
  run_command({"ip", "netns", "del", stale});  // in case it failed
}

TEST(Testbed, ExplainsWhatIsWrongWithAnEmptyPathSet) {
  TestbedOptions o;
  std::string error;
  EXPECT_EQ(Testbed::create(o, error), nullptr);
  EXPECT_EQ(error, "the scenario has no [[path]]");
}

}  // namespace
}  // namespace progmp::testbed

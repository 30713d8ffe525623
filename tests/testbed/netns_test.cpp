#include "progmp/testbed/netns.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "progmp/testbed/privileges.hpp"
#include "progmp/testbed/process.hpp"

namespace progmp::testbed {
namespace {

using namespace std::chrono_literals;

std::string network_namespace() {
  char target[256] = {};
  ssize_t n = ::readlink("/proc/self/ns/net", target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

std::string host_ip(const std::vector<std::string>& argv) {
  CommandResult result = run_command(argv);
  EXPECT_TRUE(result.succeeded()) << result.failure(argv);
  return result.out;
}

#define SKIP_UNLESS_ROOT() \
  if (!running_as_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET), ip mptcp)"

TEST(ProcessTest, RunCommandCapturesOutputAndStatus) {
  CommandResult ok = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_TRUE(ok.error.empty()) << ok.error;
  EXPECT_EQ(ok.exit_code, 3);
  EXPECT_EQ(ok.out, "out\n");
  EXPECT_EQ(ok.err, "err\n");
  EXPECT_FALSE(ok.succeeded());
  EXPECT_EQ(ok.failure({"sh", "x"}), "`sh x` failed (exit status 3): err");

  CommandResult missing = run_command({"no-such-command-progmp"});
  EXPECT_NE(missing.error.find("not found"), std::string::npos) << missing.error;

  auto start = std::chrono::steady_clock::now();
  CommandResult slow = run_command({"sleep", "5"}, 200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_NE(slow.error.find("timed out"), std::string::npos) << slow.error;
}

TEST(NetnsTest, BodyRunsInAPrivateNamespaceWithLoopbackUp) {
  SKIP_UNLESS_ROOT();
  const std::string host_ns = network_namespace();
  const std::string host_endpoints = host_ip({"ip", "mptcp", "endpoint", "show"});
  const std::string host_limits = host_ip({"ip", "mptcp", "limits", "show"});
  ASSERT_FALSE(host_ns.empty());

  // Exit codes name the check that failed.
  std::string error;
  int rc = run_in_private_netns(
      [&]() -> int {
        if (network_namespace() == host_ns || network_namespace().empty()) return 10;
        struct if_nameindex* names = ::if_nameindex();
        if (names == nullptr) return 11;
        int count = 0;
        bool only_lo = true;
        for (auto* it = names; it->if_index != 0; ++it, ++count) only_lo = only_lo && std::string(it->if_name) == "lo";
        ::if_freenameindex(names);
        if (count != 1 || !only_lo) return 12;
        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        ifreq request{};
        std::snprintf(request.ifr_name, IFNAMSIZ, "lo");
        if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0 || !(request.ifr_flags & IFF_UP)) return 13;
        ::close(fd);
        // 127.0.0.2 is local: a listener can bind it and a client reach it.
        int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        ::inet_pton(AF_INET, kSecondPathAddress, &address.sin_addr);
        socklen_t length = sizeof address;
        if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 14;
        if (::listen(listener, 1) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
          return 15;
        int client = ::socket(AF_INET, SOCK_STREAM, 0);
        if (::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 16;
        ::close(client);
        ::close(listener);
        // The MPTCP endpoint exists here only.
        CommandResult endpoints = run_command({"ip", "mptcp", "endpoint", "show"});
        if (!endpoints.succeeded() || endpoints.out.find("127.0.0.2") == std::string::npos ||
            endpoints.out.find("signal") == std::string::npos)
          return 17;
        CommandResult limits = run_command({"ip", "mptcp", "limits", "show"});
        if (!limits.succeeded() || limits.out.find("add_addr_accepted 2") == std::string::npos) return 18;
        return 0;
      },
      true, error);
  EXPECT_EQ(rc, 0) << error << " (exit codes: 10 same namespace, 12 interfaces other than lo, 13 lo down, 14-16 "
                               "127.0.0.2 not usable, 17-18 MPTCP endpoint/limits missing)";
  EXPECT_TRUE(error.empty()) << error;

  EXPECT_EQ(network_namespace(), host_ns);
  EXPECT_EQ(host_ip({"ip", "mptcp", "endpoint", "show"}), host_endpoints);
  EXPECT_EQ(host_ip({"ip", "mptcp", "limits", "show"}), host_limits);
}

TEST(NetnsTest, WithoutEndpointsTheNamespaceHasNone) {
  SKIP_UNLESS_ROOT();
  std::string error;
  int rc = run_in_private_netns(
      [] {
        CommandResult endpoints = run_command({"ip", "mptcp", "endpoint", "show"});
        return endpoints.succeeded() && endpoints.out.empty() ? 0 : 1;
      },
      false, error);
  EXPECT_EQ(rc, 0) << error;
}

TEST(NetnsTest, ExitStatusAndExceptionsAreReported) {
  SKIP_UNLESS_ROOT();
  std::string error;
  EXPECT_EQ(run_in_private_netns([] { return 42; }, false, error), 42);
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_EQ(run_in_private_netns([]() -> int { throw std::runtime_error("boom"); }, false, error), 125);
  EXPECT_EQ(error, "body threw: boom");
}

// Reads a pid written by the body (its pipe's write end is closed when everything is gone).
pid_t read_pid(int fd) {
  pid_t pid = -1;
  return ::read(fd, &pid, sizeof pid) == sizeof pid ? pid : -1;
}

TEST(NetnsTest, CrashingBodyIsReportedAndLeavesNoProcess) {
  SKIP_UNLESS_ROOT();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string error;
  int rc = run_in_private_netns(
      [&]() -> int {
        ::close(fds[0]);
        rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        pid_t body = ::getpid();
        pid_t sleeper = ::fork();
        if (sleeper == 0) {
          for (;;) ::pause();
        }
        pid_t escaped = ::fork();  // leaves the body's process group: reaped through the subreaper
        if (escaped == 0) {
          ::setpgid(0, 0);
          for (;;) ::pause();
        }
        pid_t pids[3] = {body, sleeper, escaped};
        [[maybe_unused]] auto n = ::write(fds[1], pids, sizeof pids);
        std::abort();
      },
      false, error);
  ::close(fds[1]);
  EXPECT_EQ(rc, 128 + SIGABRT);
  EXPECT_NE(error.find("signal 6"), std::string::npos) << error;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = read_pid(fds[0]);
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), -1) << "process " << pid << " is still there";
    EXPECT_EQ(errno, ESRCH);
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);  // not our child either
  }
  ::close(fds[0]);
}

TEST(NetnsTest, TimeoutKillsTheBody) {
  SKIP_UNLESS_ROOT();
  std::string error;
  auto start = std::chrono::steady_clock::now();
  int rc = run_in_private_netns(
      [] {
        for (;;) ::pause();
        return 0;
      },
      false, error, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(rc, -1);
  EXPECT_NE(error.find("timed out after 300 ms"), std::string::npos) << error;
}

TEST(NetnsTest, KernelMptcpAvailability) {
  SKIP_UNLESS_ROOT();
  std::string reason;
  bool available = kernel_mptcp_available(reason);
  if (!available) {
    EXPECT_NE(reason.find("MPTCP is not available"), std::string::npos) << reason;
    GTEST_SKIP() << reason;
  }
  EXPECT_TRUE(reason.empty());
}

}  // namespace
}  // namespace progmp::testbed

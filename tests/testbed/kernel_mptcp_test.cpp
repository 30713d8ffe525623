#include "progmp/testbed/kernel_mptcp.hpp"

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "progmp/testbed/netns.hpp"
#include "progmp/testbed/privileges.hpp"

namespace progmp::testbed {
namespace {

// Skips unless root and the kernel has MPTCP (both needed by every test here).
#define SKIP_UNLESS_KERNEL_MPTCP()                                                   \
  do {                                                                               \
    if (!running_as_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))";    \
    std::string reason;                                                              \
    if (!kernel_mptcp_available(reason)) GTEST_SKIP() << reason;                     \
  } while (0)

std::string describe(const BulkResult& r) {
  return "ok=" + std::to_string(r.ok) + " error='" + r.error + "' bytes=" + std::to_string(r.bytes) +
         " duration=" + std::to_string(r.duration_s) + " s goodput=" + std::to_string(r.goodput_gbit) +
         " Gbit/s cpu=" + std::to_string(r.client_cpu_s) + "+" + std::to_string(r.server_cpu_s) +
         " s subflows=" + std::to_string(r.subflows_seen);
}

void expect_sane(const BulkResult& r, double seconds) {
  EXPECT_TRUE(r.ok) << describe(r);
  EXPECT_TRUE(r.error.empty()) << describe(r);
  EXPECT_GT(r.bytes, 0u) << describe(r);
  EXPECT_GT(r.duration_s, 0.5 * seconds) << describe(r);
  EXPECT_LT(r.duration_s, seconds + 2) << describe(r);
  EXPECT_GT(r.goodput_gbit, 0.1) << describe(r);
  EXPECT_GT(r.client_cpu_s + r.server_cpu_s, 0) << describe(r);
  EXPECT_NEAR(r.cpu_s_per_gbit, (r.client_cpu_s + r.server_cpu_s) / (r.bytes * 8 / 1e9), 1e-9);
}

TEST(KernelMptcpTest, TwoSubflows) {
  SKIP_UNLESS_KERNEL_MPTCP();
  BulkOptions options;
  options.seconds = 1.0;
  options.subflows = 2;
  BulkResult r = run_kernel_bulk(options);
  expect_sane(r, options.seconds);
  EXPECT_EQ(r.subflows_seen, 2) << describe(r);
  RecordProperty("goodput_gbit", std::to_string(r.goodput_gbit));
}

TEST(KernelMptcpTest, OneSubflow) {
  SKIP_UNLESS_KERNEL_MPTCP();
  BulkOptions options;
  options.seconds = 0.5;
  options.subflows = 1;
  BulkResult r = run_kernel_bulk(options);
  expect_sane(r, options.seconds);
  EXPECT_EQ(r.subflows_seen, 1) << describe(r);
}

TEST(KernelMptcpTest, PlainTcp) {
  if (!running_as_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))";
  BulkOptions options;
  options.seconds = 0.5;
  options.mptcp = false;
  BulkResult r = run_kernel_bulk(options);
  expect_sane(r, options.seconds);
  EXPECT_EQ(r.subflows_seen, 0) << describe(r);
}

TEST(KernelMptcpTest, UnknownCongestionControlIsAnError) {
  if (!running_as_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))";
  BulkOptions options;
  options.seconds = 0.2;
  options.mptcp = false;
  options.congestion_control = "no-such-cc";
  BulkResult r = run_kernel_bulk(options);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("TCP_CONGESTION"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos) << r.error;
}

// Without root the call fails cleanly with the reason (checked in a child that dropped its privileges).
TEST(KernelMptcpTest, WithoutRootItFailsWithAReason) {
  if (!running_as_root()) GTEST_SKIP() << "needs root to drop privileges in a child";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::fflush(nullptr);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    BulkOptions options;
    options.seconds = 0.1;
    BulkResult r = run_kernel_bulk(options);
    std::string message = (r.ok ? "ok " : "failed ") + r.error;
    [[maybe_unused]] auto n = ::write(fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(message, "failed unshare(CLONE_NEWNET) failed: Operation not permitted (needs root or CAP_SYS_ADMIN)");
}

TEST(KernelMptcpTest, InvalidOptionsAreRejected) {
  BulkOptions options;
  options.seconds = 0;
  EXPECT_FALSE(run_kernel_bulk(options).ok);
  options = {};
  options.subflows = 3;
  BulkResult r = run_kernel_bulk(options);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "subflows must be 1 or 2, not 3");
  options = {};
  options.write_size = 0;
  EXPECT_FALSE(run_kernel_bulk(options).ok);
}

}  // namespace
}  // namespace progmp::testbed

#include "progmp/testbed/netns.hpp"

#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <vector>

#include "progmp/testbed/process.hpp"

namespace progmp::testbed {

namespace {

// The supervisor and the body report to the caller through a pipe in fixed-size records; each fits in PIPE_BUF, so
// a write is atomic, and all of them together fit in the pipe's buffer, so no writer ever blocks.
enum class RecordKind : std::uint32_t { setup_error = 1, ready, body_exception, body_status, timeout };

struct Record {
  RecordKind kind;
  std::int32_t value;
  char text[496];
};
static_assert(sizeof(Record) <= PIPE_BUF);

void send_record(int fd, RecordKind kind, int value, const std::string& text = {}) {
  Record record{};
  record.kind = kind;
  record.value = value;
  std::snprintf(record.text, sizeof record.text, "%s", text.c_str());
  ssize_t n;
  do n = ::write(fd, &record, sizeof record);
  while (n < 0 && errno == EINTR);
}

std::string errno_text(int error) { return std::strerror(error); }

std::string bring_loopback_up() {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket(AF_INET, SOCK_DGRAM) failed: " + errno_text(errno);
  ifreq request{};
  std::snprintf(request.ifr_name, IFNAMSIZ, "lo");
  std::string error;
  if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
    error = "ioctl(SIOCGIFFLAGS, lo) failed: " + errno_text(errno);
  } else {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) error = "ioctl(SIOCSIFFLAGS, lo up) failed: " + errno_text(errno);
  }
  ::close(fd);
  return error;
}

std::string configure_mptcp_endpoints() {
  int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
  if (probe < 0) return "MPTCP is not available: socket(IPPROTO_MPTCP) failed: " + errno_text(errno);
  ::close(probe);
  const std::vector<std::vector<std::string>> commands = {
      {"ip", "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "2"},
      {"ip", "mptcp", "endpoint", "add", kSecondPathAddress, "signal"},
  };
  for (const auto& argv : commands) {
    CommandResult result = run_command(argv);
    if (!result.succeeded()) return result.failure(argv);
  }
  return {};
}

// Kills and reaps every child of this (subreaper) process, including orphans of the body reparented to it.
void reap_all_children(pid_t body_group) {
  const std::string children_file = "/proc/self/task/" + std::to_string(::getpid()) + "/children";
  for (;;) {
    ::kill(-body_group, SIGKILL);
    std::ifstream children(children_file);
    for (long pid = 0; children >> pid;) {
      if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    int status = 0;
    pid_t reaped = ::waitpid(-1, &status, 0);
    if (reaped < 0 && errno != EINTR) return;  // ECHILD: nothing left
  }
}

// The namespace's first process. It owns the namespace, runs the body in a child and cleans up after it.
[[noreturn]] void supervise(const std::function<int()>& body, bool mptcp_endpoints, int report_fd,
                            std::chrono::milliseconds timeout, pid_t caller) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != caller) ::_exit(111);  // the caller died before prctl
  ::signal(SIGCHLD, SIG_DFL);  // a caller ignoring SIGCHLD would make its children unwaitable here

  if (::unshare(CLONE_NEWNET) != 0) {
    int error = errno;
    send_record(report_fd, RecordKind::setup_error, 0,
                "unshare(CLONE_NEWNET) failed: " + errno_text(error) +
                    (error == EPERM ? " (needs root or CAP_SYS_ADMIN)" : ""));
    ::_exit(1);
  }
  std::string error = bring_loopback_up();
  if (error.empty() && mptcp_endpoints) error = configure_mptcp_endpoints();
  if (!error.empty()) {
    send_record(report_fd, RecordKind::setup_error, 0, error);
    ::_exit(1);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  send_record(report_fd, RecordKind::ready, 0);

  const pid_t supervisor = ::getpid();
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    send_record(report_fd, RecordKind::setup_error, 0, "fork failed: " + errno_text(errno));
    ::_exit(1);
  }
  if (child == 0) {
    ::setpgid(0, 0);  // its own process group: everything it forks can be killed at once
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != supervisor) ::_exit(111);
    int rc = 0;
    try {
      rc = body();
    } catch (const std::exception& ex) {
      send_record(report_fd, RecordKind::body_exception, 0, std::string("body threw: ") + ex.what());
      rc = 125;
    } catch (...) {
      send_record(report_fd, RecordKind::body_exception, 0, "body threw an unknown exception");
      rc = 125;
    }
    std::fflush(nullptr);
    ::_exit(rc & 0xff);
  }
  ::setpgid(child, child);  // also here, so that the group exists before the kill below whatever runs first

  int status = 0;
  if (wait_for_child(child, timeout.count() > 0 ? timeout : std::chrono::milliseconds(-1), status)) {
    send_record(report_fd, RecordKind::body_status, status);
  } else {
    ::kill(-child, SIGKILL);
    kill_and_reap(child);
    send_record(report_fd, RecordKind::timeout, 0,
                "timed out after " + std::to_string(timeout.count()) + " ms (body killed)");
  }
  reap_all_children(child);
  ::_exit(0);
}

}  // namespace

int run_in_private_netns(const std::function<int()>& body, bool mptcp_endpoints, std::string& error) {
  return run_in_private_netns(body, mptcp_endpoints, error, std::chrono::milliseconds(0));
}

int run_in_private_netns(const std::function<int()>& body, bool mptcp_endpoints, std::string& error,
                         std::chrono::milliseconds timeout) {
  error.clear();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    error = "pipe2 failed: " + errno_text(errno);
    return -1;
  }
  const pid_t caller = ::getpid();
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    error = "fork failed: " + errno_text(errno);
    ::close(report[0]);
    ::close(report[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(report[0]);
    supervise(body, mptcp_endpoints, report[1], timeout, caller);
  }
  ::close(report[1]);

  // The supervisor enforces `timeout` itself; this outer limit only guards against the supervisor hanging.
  int status = 0;
  const auto outer = timeout.count() > 0 ? timeout + std::chrono::seconds(20) : std::chrono::milliseconds(-1);
  const bool exited = wait_for_child(pid, outer, status);
  if (!exited) kill_and_reap(pid);

  // Everything was written before the supervisor exited; read without blocking on a writer that may linger.
  ::fcntl(report[0], F_SETFL, O_NONBLOCK);
  bool ready = false, have_status = false;
  int body_status = 0;
  std::string setup_error, exception, timeout_error;
  Record record{};
  while (::read(report[0], &record, sizeof record) == static_cast<ssize_t>(sizeof record)) {
    record.text[sizeof record.text - 1] = '\0';
    switch (record.kind) {
      case RecordKind::setup_error: setup_error = record.text; break;
      case RecordKind::ready: ready = true; break;
      case RecordKind::body_exception: exception = record.text; break;
      case RecordKind::body_status:
        have_status = true;
        body_status = record.value;
        break;
      case RecordKind::timeout: timeout_error = record.text; break;
    }
  }
  ::close(report[0]);

  if (!setup_error.empty()) {
    error = setup_error;
    return -1;
  }
  if (!timeout_error.empty()) {
    error = timeout_error;
    return -1;
  }
  if (!exited) {
    error = "the namespace supervisor did not finish in time (killed)";
    return -1;
  }
  if (!ready || !have_status) {
    error = std::string(ready ? "the namespace supervisor " : "setting up the namespace: process ") +
            describe_wait_status(status);
    return -1;
  }
  if (WIFEXITED(body_status)) {
    error = exception;
    return WEXITSTATUS(body_status);
  }
  error = "body " + describe_wait_status(body_status);
  return WIFSIGNALED(body_status) ? 128 + WTERMSIG(body_status) : 255;
}

bool kernel_mptcp_available(std::string& reason) {
  reason.clear();
  std::string error;
  int rc = run_in_private_netns(
      [] {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
        if (fd < 0) return errno;
        ::close(fd);
        return 0;
      },
      false, error, std::chrono::seconds(10));
  if (rc < 0) {
    reason = error;
    return false;
  }
  if (rc > 0) {
    reason = "MPTCP is not available: socket(IPPROTO_MPTCP) failed: " + errno_text(rc);
    return false;
  }
  return true;
}

}  // namespace progmp::testbed

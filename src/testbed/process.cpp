#include "progmp/testbed/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace progmp::testbed {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string join(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    std::size_t start = 0;
    while (start <= all.size()) {
      std::size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) dirs.emplace_back(dir);
  for (const auto& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace

bool wait_for_child(pid_t pid, std::chrono::milliseconds timeout, int& status, struct rusage* usage) {
  status = -1;
  if (pid <= 0) return false;
  int raw = 0;
  if (timeout.count() < 0) {
    for (;;) {
      pid_t r = ::wait4(pid, &raw, 0, usage);
      if (r == pid) {
        status = raw;
        return true;
      }
      if (r < 0 && errno != EINTR) return false;
    }
  }
  const auto deadline = Clock::now() + timeout;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  for (;;) {
    pid_t r = ::wait4(pid, &raw, WNOHANG, usage);
    if (r == pid) {
      close_fd(pidfd);
      status = raw;
      return true;
    }
    if (r < 0 && errno != EINTR) break;
    int left = remaining_ms(deadline);
    if (left <= 0) break;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, left);  // readable when the child has exited; EINTR just loops
    } else {
      timespec pause{0, 1'000'000};  // kernels without pidfd_open: poll every millisecond
      ::nanosleep(&pause, nullptr);
    }
  }
  close_fd(pidfd);
  return false;
}

void kill_and_reap(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  wait_for_child(pid, std::chrono::milliseconds(-1), status);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = ::sigdescr_np(sig);
    return "killed by signal " + std::to_string(sig) + " (" + (name ? name : "unknown") + ")";
  }
  return "wait status " + std::to_string(status);
}

std::string CommandResult::failure(const std::vector<std::string>& argv) const {
  std::string text = "`" + join(argv) + "` failed";
  if (!error.empty()) return text + ": " + error;
  text += " (exit status " + std::to_string(exit_code) + ")";
  std::string detail = err.empty() ? out : err;
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::replace(detail.begin(), detail.end(), '\n', ' ');
  if (!detail.empty()) text += ": " + detail;
  return text;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  if (argv.empty()) {
    result.error = "empty command";
    return result;
  }
  const std::string path = find_executable(argv[0]);
  if (path.empty()) {
    result.error = "`" + argv[0] + "` not found in PATH, /usr/sbin, /sbin, /usr/bin or /bin";
    return result;
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    result.error = std::string("pipe2 failed: ") + std::strerror(errno);
    for (int* fd : {&out[0], &out[1], &err[0], &err[1]}) close_fd(*fd);
    return result;
  }
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("fork failed: ") + std::strerror(errno);
    for (int* fd : {&out[0], &out[1], &err[0], &err[1]}) close_fd(*fd);
    return result;
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only until exec.
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execv(path.c_str(), args.data());
    static const char message[] = "exec failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  close_fd(out[1]);
  close_fd(err[1]);

  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  char buffer[4096];
  while (out[0] >= 0 || err[0] >= 0) {
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int left = remaining_ms(deadline);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, left);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      int& fd = i == 0 ? out[0] : err[0];
      ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close_fd(fd);
      }
    }
  }
  close_fd(out[0]);
  close_fd(err[0]);

  int status = 0;
  // After EOF on both pipes the command is exiting: allow it a moment even at the deadline.
  if (timed_out || !wait_for_child(pid, std::chrono::milliseconds(std::max(remaining_ms(deadline), 1000)), status)) {
    kill_and_reap(pid);
    result.error = "timed out after " + std::to_string(timeout.count()) + " ms (killed)";
    return result;
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else {
    result.error = describe_wait_status(status);
  }
  return result;
}

}  // namespace progmp::testbed

// A child process that runs while the test does something else (a `progmp serve`): its stderr can be read until
// a line appears (the listening addresses), and it is killed and reaped when the object goes, whatever happens.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace progmp::test {

class BackgroundProcess {
 public:
  BackgroundProcess(const std::string& program, const std::vector<std::string>& args) {
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out_pipe[1], STDOUT_FILENO);
      dup2(err_pipe[1], STDERR_FILENO);
      for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
      // stdin is /dev/null, as for a daemon: an empty stream, and fd 0 not free for the first file it opens.
      const int null_fd = open("/dev/null", O_RDONLY);
      dup2(null_fd, STDIN_FILENO);
      if (null_fd != STDIN_FILENO) close(null_fd);
      std::vector<char*> argv{const_cast<char*>(program.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_ = out_pipe[0];
    err_ = err_pipe[0];
  }
  ~BackgroundProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Reads stderr until it contains `count` occurrences of `needle` (true) or the time is up (false).
  bool wait_for_stderr(const std::string& needle, int count, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (occurrences(err_text, needle) < count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{err_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(err_, buf, sizeof buf);
      if (n <= 0) return false;
      err_text.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Waits for the process to exit (true with its status) within `limit`; drains its output.
  bool wait_exit(std::chrono::milliseconds limit, int& status) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      drain();
      int w = 0;
      const pid_t r = waitpid(pid_, &w, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        drain();
        status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
        return true;
      }
      usleep(10'000);
    }
    return false;
  }

  std::string out_text, err_text;

 private:
  static int occurrences(const std::string& s, const std::string& needle) {
    int n = 0;
    for (std::size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
    return n;
  }
  void drain() {
    for (auto [fd, text] : {std::pair{out_, &out_text}, std::pair{err_, &err_text}}) {
      pollfd p{fd, POLLIN, 0};
      while (poll(&p, 1, 0) > 0) {
        char buf[4096];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        text->append(buf, static_cast<std::size_t>(n));
      }
    }
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool reaped_ = false;
};

}  // namespace progmp::test

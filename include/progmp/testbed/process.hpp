// Child-process helpers for the testbed: waiting for a child with a deadline and running a command (such as `ip`)
// with its output captured. Everything that touches the network runs in forked children (see netns.hpp), and a
// benchmark must never hang or leave a process behind, so every wait here has a bound and every child is reaped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

struct rusage;

namespace progmp::testbed {

// Waits until the child `pid` exits, at most `timeout` (a negative timeout waits forever). On exit the child is reaped,
// `status` holds its wait status and `usage` (if given) its resource usage (CPU times), and the result is true. On
// timeout the child is left running and unreaped and the result is false; the caller kills it and waits again.
// Also false if `pid` is not a child of this process (status then is -1).
bool wait_for_child(pid_t pid, std::chrono::milliseconds timeout, int& status, struct rusage* usage = nullptr);

// Kills the child `pid` with SIGKILL and reaps it (no-op for pid <= 0).
void kill_and_reap(pid_t pid);

// "exited with status 3", "killed by signal 6 (Aborted)".
std::string describe_wait_status(int status);

struct CommandResult {
  int exit_code = -1;  // the command's exit status; -1 if it did not run to completion (then `error` says why)
  std::string out;     // what it wrote to stdout
  std::string err;     // what it wrote to stderr
  std::string error;   // empty when it ran to completion (whatever its exit code)

  bool succeeded() const { return error.empty() && exit_code == 0; }
  // One line for an error message: "`ip mptcp endpoint add 127.0.0.2 signal` failed (exit status 2): Error: ...".
  std::string failure(const std::vector<std::string>& argv) const;
};

// Runs argv[0] (looked up in PATH, then /usr/sbin, /sbin, /usr/bin, /bin: root's tools such as `ip` live in sbin,
// which a test's PATH may lack) with stdin from /dev/null, capturing stdout and stderr. A command still running
// after `timeout` is killed (result: exit_code -1, error "timed out ..."). Safe to call in a forked child.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace progmp::testbed

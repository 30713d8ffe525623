// A private network namespace for real-network tests and benchmarks on one machine.
//
// Benchmarks must never change the machine's own network configuration (its MPTCP endpoints and limits, sysctls,
// routes), and must leave nothing behind even when they crash. So everything runs in a forked child that calls
// unshare(CLONE_NEWNET): the namespace belongs to that child and its descendants only and vanishes with the last of
// them, whatever happens. The caller's process and namespace are never touched.
//
// Inside, only `lo` exists; it is brought up, so 127.0.0.1 and every other 127.0.0.0/8 address are local. Two
// "paths" on one machine are the two local addresses 127.0.0.1 and 127.0.0.2: with `mptcp_endpoints`, the kernel's
// MPTCP path manager is set up (in the namespace only) as
//   ip mptcp limits set subflow 2 add_addr_accepted 2
//   ip mptcp endpoint add 127.0.0.2 signal
// so that a server listening on the wildcard address announces 127.0.0.2 and a client that connected to 127.0.0.1
// joins a second subflow to it: exactly two subflows. (Binding the server to one address makes the join fail; a
// client-side endpoint as well would give a third subflow.)
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace progmp::testbed {

// The second local address: the other end of the second path (the server's announced MPTCP endpoint).
inline constexpr const char* kSecondPathAddress = "127.0.0.2";

// Forks a child, puts it into a new private network namespace with lo up (and, if `mptcp_endpoints` is true, the
// MPTCP limits/endpoint above), runs `body()` in it and returns its int exit status (or -1 with `error` set). The
// parent's namespace is untouched.
//
// Details:
// - body() runs in its own process (a child of the namespace's supervisor process), so it may crash, call exit or
//   fork freely. Its return value is the exit status (only the low 8 bits survive, as for exit()). Output on
//   stdout/stderr is flushed when it returns. An exception escaping body() gives status 125 with `error` set to the
//   exception's message.
// - If body() is killed by a signal (abort, segfault), the result is 128 + the signal number and `error` says
//   which signal ("body killed by signal 6 (Aborted)"); the result is then never 0.
// - When body() ends, every process it left behind is killed and reaped (its process group, and anything else that
//   was reparented to the supervisor, which is a child subreaper). When the call returns, no process of it is left.
// - -1 with `error` set: the namespace could not be set up (no root / CAP_SYS_ADMIN, `ip mptcp` failed with its
//   stderr, "MPTCP is not available: ..."), fork failed, or the timeout below expired.
// - `error` is cleared on a clean run (body returned normally).
// - It forks: call it from a single-threaded process, or make sure body() uses only what survives fork() (no locks
//   held by other threads). The processes are killed if the calling thread exits (PR_SET_PDEATHSIG). The caller
//   must not ignore SIGCHLD (SIG_IGN would make its child unwaitable).
int run_in_private_netns(const std::function<int()>& body, bool mptcp_endpoints, std::string& error);

// As above, with a hard limit on the body's run time: after `timeout` (if positive) the body and all its processes
// are killed, and the result is -1 with error "timed out after N ms".
int run_in_private_netns(const std::function<int()>& body, bool mptcp_endpoints, std::string& error,
                         std::chrono::milliseconds timeout);

// Whether the kernel supports MPTCP sockets (probed inside a private namespace, where net.mptcp.enabled has its
// default value 1, whatever the host namespace's setting). False with a reason, e.g. "MPTCP is not available:
// socket(IPPROTO_MPTCP) failed: Protocol not supported" or the namespace error when not root.
bool kernel_mptcp_available(std::string& reason);

}  // namespace progmp::testbed

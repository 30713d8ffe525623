// An emulated multipath testbed on one machine: a client and a server network namespace joined by one veth pair per
// path of a scenario file, each direction of each path running through the link emulator (link_emulator.hpp) with
// the path's rate, drop-tail queue, delay, jitter, loss and [[path.change]] schedule — the same keys, and the same
// Link code, as the simulator.
//
//   client namespace  c1 10.0.1.1/24 ──(forward link: emulated at s1's ingress)──▶ s1 10.0.1.2/24  server namespace
//                     c1 ◀──(reverse link: emulated at c1's ingress)────────────── s1
//                     c2 10.0.2.1/24 ... s2 10.0.2.2/24, and so on for every path
//
// Names are unique per run ("pmtb-<pid>-<n>-c" / "-s"), so parallel runs never collide; users and tests reach the
// namespaces with `ip netns exec NAME ...` or enter_netns(). Everything (namespaces, veths, iptables rules,
// emulator processes) is removed by stop() or the destructor; the emulators also die with the process that created
// them, and namespaces left by a process that was killed are removed by the next create() (remove_stale()).
// Needs root.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "progmp/sim/link.hpp"
#include "progmp/sim/scenario.hpp"

namespace progmp::testbed {

struct TestbedPath {
  std::string name;            // the scenario's path name
  std::string client_if, server_if;  // "c1", "s1"
  std::string client_address, server_address;  // "10.0.1.1", "10.0.1.2"
};

struct TestbedOptions {
  sim::Scenario scenario;    // its paths and seed are used
  std::string scenario_dir;  // where the scenario's trace files are
  bool emulate = true;       // false: bare veths (no emulator, no rules): as fast as the machine goes
  // Sets up the kernel's MPTCP path manager for one subflow per path: in both namespaces
  // `ip mptcp limits set subflow N-1 add_addr_accepted N-1`, and the server announces its addresses of paths 2..N
  // (`ip mptcp endpoint add 10.0.i.2 dev si signal`); a server listening on the wildcard address then gets a join
  // over every path from a client that connected over path 1.
  bool mptcp_endpoints = false;
};

// Counters of one emulated link at the end of a run.
struct TestbedLinkStats {
  std::string path;
  bool forward = true;  // client → server
  sim::LinkCounters counters;
};

class Testbed {
 public:
  // Brings the testbed up, or returns nullptr with a one-line `error` (and nothing left behind).
  static std::unique_ptr<Testbed> create(const TestbedOptions& options, std::string& error);
  ~Testbed();
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  // Path changes ([[path.change]] at_s) count from this call.
  void start_clock();

  const std::string& client_ns() const { return client_ns_; }
  const std::string& server_ns() const { return server_ns_; }
  const std::vector<TestbedPath>& paths() const { return paths_; }

  // Stops the emulators, collects their counters and removes everything. Later calls return nothing.
  std::vector<TestbedLinkStats> stop();

  // Removes namespaces of earlier testbeds whose creating process is gone; returns how many.
  static int remove_stale();

 private:
  Testbed() = default;
  struct Emulator {
    pid_t pid = -1;
    int control_fd = -1;  // we write the epoch, then close it to stop the emulator
    int status_fd = -1;   // it writes "ready", then its counters
    bool forward = true;
  };
  bool bring_up(const TestbedOptions& options, std::string& error);
  bool start_emulator(const TestbedOptions& options, bool forward, std::string& error);

  std::string client_ns_, server_ns_;
  std::vector<TestbedPath> paths_;
  std::vector<Emulator> emulators_;
  bool up_ = false;
};

// Moves the calling process (thread) into the network namespace `name` (under /run/netns). For forked children.
bool enter_netns(const std::string& name, std::string& error);

// Whether this machine can run the testbed: root, `ip` and `iptables`, and an emulator in this build. False with the
// reason, for tests to skip with.
bool testbed_available(std::string& reason);

}  // namespace progmp::testbed

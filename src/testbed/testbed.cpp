// Testbed: namespaces, veth paths, emulator processes and NFQUEUE rules (see testbed.hpp).
#include "progmp/testbed/testbed.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>

#include "progmp/sim/mahimahi_trace.hpp"
#include "progmp/sim/rng.hpp"
#include "progmp/testbed/nfqueue_emulator.hpp"
#include "progmp/testbed/privileges.hpp"
#include "progmp/testbed/process.hpp"

namespace progmp::testbed {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPrefix = "pmtb-";

bool run(const std::vector<std::string>& argv, std::string& error) {
  const CommandResult r = run_command(argv);
  if (r.succeeded()) return true;
  error = r.failure(argv);
  return false;
}

// Reads what the emulator wrote until `done(text)` or EOF or the deadline.
std::string read_status(int fd, std::chrono::milliseconds timeout, bool until_eof) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!until_eof && text.find('\n') != std::string::npos) return text;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return text;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    char buf[4096];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return text;
    text.append(buf, static_cast<std::size_t>(got));
  }
}

std::vector<EmulatedLink> links_of(const TestbedOptions& o, bool forward,
                                   std::vector<std::shared_ptr<sim::MahimahiTrace>>& traces, std::string& error) {
  std::vector<EmulatedLink> links;
  for (const sim::PathSpec& p : o.scenario.paths) {
    const sim::LinkSpec& spec = forward ? p.forward : p.reverse;
    EmulatedLink l;
    l.config = spec.to_config();
    if (!spec.trace.empty()) {
      auto t = std::make_shared<sim::MahimahiTrace>();
      const std::filesystem::path file = std::filesystem::path(o.scenario_dir) / spec.trace;
      if (!sim::MahimahiTrace::load(file.string(), *t, error)) return {};
      l.config.trace = t.get();
      traces.push_back(std::move(t));
    }
    for (const sim::PathChange& c : p.changes) l.changes.push_back(c.to_link_change());
    // The same loss stream as the simulator's link of this path and direction.
    l.rng_stream = sim::element_id((p.name + (forward ? ".fwd" : ".rev")).c_str());
    links.push_back(std::move(l));
  }
  return links;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

bool enter_netns(const std::string& name, std::string& error) {
  const std::string path = "/run/netns/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    error = "setns(" + name + "): " + std::strerror(saved);
    return false;
  }
  return true;
}

bool testbed_available(std::string& reason) {
  if (!running_as_root()) {
    reason = "the testbed needs root (network namespaces, iptables)";
    return false;
  }
  if (!nfqueue_emulator_available(reason)) return false;
  for (const char* tool : {"ip", "iptables"}) {
    const CommandResult r = run_command({tool, "-V"});
    if (!r.error.empty() || r.exit_code == 127) {
      reason = std::string("`") + tool + "` is not available (" + (r.error.empty() ? "exit 127" : r.error) +
               "); scripts/install-deps.sh installs it";
      return false;
    }
  }
  reason.clear();
  return true;
}

int Testbed::remove_stale() {
  int removed = 0;
  const CommandResult r = run_command({"ip", "netns", "list"});
  if (!r.succeeded()) return 0;
  static const std::regex name(R"(^(pmtb-([0-9]+)-[0-9]+-[cs])\b)");
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, name)) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(m[2].str()));
    if (::kill(owner, 0) == 0 || errno != ESRCH) continue;  // its creator still runs
    if (run_command({"ip", "netns", "del", m[1].str()}).succeeded()) ++removed;
  }
  return removed;
}

std::unique_ptr<Testbed> Testbed::create(const TestbedOptions& options, std::string& error) {
  if (options.scenario.paths.empty()) {
    error = "the scenario has no [[path]]";
    return nullptr;
  }
  if (options.scenario.paths.size() > 250) {
    error = "at most 250 paths";
    return nullptr;
  }
  if (options.emulate && !testbed_available(error)) return nullptr;
  if (!options.emulate && !running_as_root()) {
    error = "the testbed needs root (network namespaces)";
    return nullptr;
  }
  remove_stale();
  std::unique_ptr<Testbed> t(new Testbed());
  if (!t->bring_up(options, error)) return nullptr;  // the destructor removed what was made
  return t;
}

bool Testbed::bring_up(const TestbedOptions& o, std::string& error) {
  static std::atomic<int> counter{0};
  const std::string base = kPrefix + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  client_ns_ = base + "-c";
  server_ns_ = base + "-s";
  up_ = true;
  if (!run({"ip", "netns", "add", client_ns_}, error)) {
    client_ns_.clear();
    server_ns_.clear();
    return false;
  }
  if (!run({"ip", "netns", "add", server_ns_}, error)) {
    server_ns_.clear();
    return false;
  }
  for (const std::string& ns : {client_ns_, server_ns_})
    if (!run({"ip", "-n", ns, "link", "set", "lo", "up"}, error)) return false;
  for (std::size_t i = 0; i < o.scenario.paths.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    TestbedPath p{o.scenario.paths[i].name, "c" + n, "s" + n, "10.0." + n + ".1", "10.0." + n + ".2"};
    if (!run({"ip", "link", "add", p.client_if, "netns", client_ns_, "type", "veth", "peer", "name", p.server_if,
              "netns", server_ns_},
             error) ||
        !run({"ip", "-n", client_ns_, "addr", "add", p.client_address + "/24", "dev", p.client_if}, error) ||
        !run({"ip", "-n", server_ns_, "addr", "add", p.server_address + "/24", "dev", p.server_if}, error) ||
        !run({"ip", "-n", client_ns_, "link", "set", p.client_if, "up"}, error) ||
        !run({"ip", "-n", server_ns_, "link", "set", p.server_if, "up"}, error))
      return false;
    paths_.push_back(std::move(p));
  }
  if (o.mptcp_endpoints) {
    const std::string extra = std::to_string(paths_.size() - 1);
    for (const std::string& ns : {client_ns_, server_ns_})
      if (!run({"ip", "-n", ns, "mptcp", "endpoint", "flush"}, error) ||
          !run({"ip", "-n", ns, "mptcp", "limits", "set", "subflow", extra, "add_addr_accepted", extra}, error))
        return false;
    for (std::size_t i = 1; i < paths_.size(); ++i)
      if (!run({"ip", "-n", server_ns_, "mptcp", "endpoint", "add", paths_[i].server_address, "dev",
                paths_[i].server_if, "signal"},
               error))
        return false;
  }
  if (!o.emulate) return true;
  if (!start_emulator(o, true, error) || !start_emulator(o, false, error)) return false;
  // Only now that every queue has its reader: an NFQUEUE rule without one drops everything.
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const std::string queue = std::to_string(i + 1);
    if (!run({"ip", "netns", "exec", server_ns_, "iptables", "-t", "mangle", "-A", "PREROUTING", "-i",
              paths_[i].server_if, "-j", "NFQUEUE", "--queue-num", queue},
             error) ||
        !run({"ip", "netns", "exec", client_ns_, "iptables", "-t", "mangle", "-A", "PREROUTING", "-i",
              paths_[i].client_if, "-j", "NFQUEUE", "--queue-num", queue},
             error))
      return false;
  }
  return true;
}

bool Testbed::start_emulator(const TestbedOptions& o, bool forward, std::string& error) {
  std::vector<std::shared_ptr<sim::MahimahiTrace>> traces;
  NfqueueEmulatorOptions eo;
  eo.links = links_of(o, forward, traces, error);
  if (eo.links.empty()) return false;
  eo.seed = o.scenario.seed;
  eo.first_queue = 1;
  int control[2], status[2];
  if (::pipe2(control, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(status, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    ::close(control[0]);
    ::close(control[1]);
    return false;
  }
  const std::string ns = forward ? server_ns_ : client_ns_;  // each link is emulated at its receiver's ingress
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::close(control[1]);
    ::close(status[0]);
    for (const Emulator& other : emulators_) {  // or the other emulator would never see its control pipe's EOF
      ::close(other.control_fd);
      ::close(other.status_fd);
    }
    eo.control_fd = control[0];
    eo.status_fd = status[1];
    std::string why;
    if (!enter_netns(ns, why)) {
      const std::string line = "error: " + why + "\n";
      [[maybe_unused]] const ssize_t w = ::write(eo.status_fd, line.data(), line.size());
      ::_exit(1);
    }
    // A link's timing is only as good as the emulator's wake-ups: run it ahead of ordinary processes. (Not at
    // real-time priority: that starves the kernel's softirq threads that bring it the packets, and the links stall.)
    [[maybe_unused]] const int niceness = ::nice(-10);
    ::_exit(run_nfqueue_emulator(eo));
  }
  ::close(control[0]);
  ::close(status[1]);
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    ::close(control[1]);
    ::close(status[0]);
    return false;
  }
  emulators_.push_back(Emulator{pid, control[1], status[0], forward});
  const std::string first = read_status(status[0], 10s, false);
  if (first.rfind("ready\n", 0) == 0) return true;
  error = "link emulator in " + ns + ": " +
          (first.rfind("error: ", 0) == 0 ? first.substr(7, first.find('\n') - 7) : "did not start");
  return false;
}

void Testbed::start_clock() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const std::int64_t epoch = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  for (const Emulator& e : emulators_)
    [[maybe_unused]] const ssize_t w = ::write(e.control_fd, &epoch, sizeof epoch);
}

std::vector<TestbedLinkStats> Testbed::stop() {
  std::vector<TestbedLinkStats> stats;
  if (!up_) return stats;
  up_ = false;
  for (Emulator& e : emulators_) {
    close_fd(e.control_fd);  // EOF: the emulator reports and exits
    const std::string text = read_status(e.status_fd, 5s, true);
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream in(line);
      std::string word;
      std::size_t index = 0;
      TestbedLinkStats s;
      sim::LinkCounters& c = s.counters;
      if (!(in >> word) || word != "link" || !(in >> index)) continue;
      in >> word >> c.packets_in >> c.bytes_in >> word >> c.dropped_queue >> word >> c.dropped_loss >> word >>
          c.dropped_down >> word >> c.delivered_packets >> c.delivered_bytes;
      if (!in || index >= paths_.size()) continue;
      s.path = paths_[index].name;
      s.forward = e.forward;
      stats.push_back(std::move(s));
    }
    close_fd(e.status_fd);
    int status = 0;
    if (!wait_for_child(e.pid, 2s, status)) kill_and_reap(e.pid);
  }
  emulators_.clear();
  // Deleting a namespace removes its veths (and so their peers) and its iptables rules.
  for (const std::string& ns : {client_ns_, server_ns_})
    if (!ns.empty()) run_command({"ip", "netns", "del", ns});
  return stats;
}

Testbed::~Testbed() { stop(); }

}  // namespace progmp::testbed

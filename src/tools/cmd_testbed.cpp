// `progmp testbed SCENARIO.toml [--set K=V]... [--no-emulation] [--mptcp] [--server CMD] [--json] [-- CMD [ARGS...]]`:
// brings up the scenario's paths as an emulated two-namespace testbed (testbed/testbed.hpp), runs CMD in the client
// namespace (and --server's command in the server namespace), then removes everything and prints what each
// emulated link did. Without CMD it holds the testbed until Ctrl-C, for interactive use (`ip netns exec`).
//
// Children get PROGMP_TESTBED_CLIENT_NS, PROGMP_TESTBED_SERVER_NS, PROGMP_TESTBED_PATHS and, per path i (1-based),
// PROGMP_TESTBED_CLIENT_ADDR_i and PROGMP_TESTBED_SERVER_ADDR_i.
//
// Exit status: CMD's (128 + signal if it was killed); 2 for a bad scenario, flag or a testbed that cannot be set up
// (not root, a package missing: the message says which).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "progmp/sim/scenario.hpp"
#include "progmp/testbed/process.hpp"
#include "progmp/testbed/testbed.hpp"

namespace progmp::tools {
namespace {

struct Options {
  std::string scenario;
  std::vector<std::string> overrides;
  bool no_emulation = false;
  bool mptcp = false;
  std::string server;
  int server_wait_ms = 500;
  bool json = false;
  std::vector<std::string> command;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "progmp testbed: " << message << '\n';
  throw CLI::RuntimeError(kExitInput);
}

// Starts argv inside namespace `ns` (through `ip netns exec`, which also gives it the namespace's /sys) in its own
// process group, with SIGINT/SIGTERM unblocked.
pid_t spawn_in(const std::string& ns, const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (std::string& a : full) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp("ip", args.data());
    std::perror("progmp testbed: cannot run `ip`");
    ::_exit(127);
  }
  if (pid > 0) ::setpgid(pid, pid);
  return pid;
}

void stop_group(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGTERM);
  int status = 0;
  if (testbed::wait_for_child(pid, std::chrono::seconds(2), status)) return;  // 2 s to exit cleanly
  ::kill(-pid, SIGKILL);
  testbed::kill_and_reap(pid);
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

void export_environment(const testbed::Testbed& t) {
  ::setenv("PROGMP_TESTBED_CLIENT_NS", t.client_ns().c_str(), 1);
  ::setenv("PROGMP_TESTBED_SERVER_NS", t.server_ns().c_str(), 1);
  ::setenv("PROGMP_TESTBED_PATHS", std::to_string(t.paths().size()).c_str(), 1);
  for (std::size_t i = 0; i < t.paths().size(); ++i) {
    const std::string n = std::to_string(i + 1);
    ::setenv(("PROGMP_TESTBED_CLIENT_ADDR_" + n).c_str(), t.paths()[i].client_address.c_str(), 1);
    ::setenv(("PROGMP_TESTBED_SERVER_ADDR_" + n).c_str(), t.paths()[i].server_address.c_str(), 1);
  }
}

void print_links(const sim::Scenario& s, const std::vector<testbed::TestbedLinkStats>& stats, bool json) {
  if (json) {
    nlohmann::json links = nlohmann::json::array();
    for (const auto& l : stats)
      links.push_back({{"path", l.path},
                       {"direction", l.forward ? "forward" : "reverse"},
                       {"packets_in", l.counters.packets_in},
                       {"bytes_in", l.counters.bytes_in},
                       {"dropped_queue", l.counters.dropped_queue},
                       {"dropped_loss", l.counters.dropped_loss},
                       {"dropped_down", l.counters.dropped_down},
                       {"delivered_packets", l.counters.delivered_packets},
                       {"delivered_bytes", l.counters.delivered_bytes}});
    std::cout << nlohmann::json{{"scenario", s.name}, {"links", links}}.dump(2) << '\n';
    return;
  }
  if (stats.empty()) return;
  std::cerr << fmt::format("{:<12} {:<8} {:>10} {:>12} {:>10} {:>10} {:>10} {:>10}\n", "path", "dir", "packets",
                           "bytes", "queue drop", "loss drop", "down drop", "delivered");
  for (const auto& l : stats)
    std::cerr << fmt::format("{:<12} {:<8} {:>10} {:>12} {:>10} {:>10} {:>10} {:>10}\n", l.path,
                             l.forward ? "forward" : "reverse", l.counters.packets_in, l.counters.bytes_in,
                             l.counters.dropped_queue, l.counters.dropped_loss, l.counters.dropped_down,
                             l.counters.delivered_packets);
}

void run(const Options& opt) {
  sim::Scenario scenario;
  std::string error;
  if (!sim::load_scenario(opt.scenario, scenario, error)) {
    std::cerr << error << '\n';
    throw CLI::RuntimeError(kExitInput);
  }
  for (const std::string& o : opt.overrides)
    if (!sim::apply_override(scenario, o, error)) fail(error);

  // Signals are taken synchronously below: a Ctrl-C tears the testbed down instead of leaving it behind.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGCHLD);
  sigaddset(&signals, SIGHUP);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);

  testbed::TestbedOptions to;
  to.scenario = scenario;
  to.scenario_dir = std::filesystem::path(opt.scenario).parent_path().string();
  to.emulate = !opt.no_emulation;
  to.mptcp_endpoints = opt.mptcp;
  std::unique_ptr<testbed::Testbed> t = testbed::Testbed::create(to, error);
  if (!t) fail(error);
  std::cerr << fmt::format("testbed up: client namespace {}, server namespace {}\n", t->client_ns(), t->server_ns());
  for (std::size_t i = 0; i < t->paths().size(); ++i) {
    const auto& p = t->paths()[i];
    const auto& f = scenario.paths[i].forward;
    std::cerr << fmt::format("  path {}: client {} ({}) <-> server {} ({}){}\n", p.name, p.client_address,
                             p.client_if, p.server_address, p.server_if,
                             opt.no_emulation ? ", not emulated"
                                              : fmt::format(", {} Mbit/s, {} ms, queue {} packets, loss {}",
                                                            f.rate_mbit, f.delay_ms, f.queue_pkts, f.loss));
  }
  export_environment(*t);
  t->start_clock();

  pid_t server = -1, client = -1;
  if (!opt.server.empty()) {
    server = spawn_in(t->server_ns(), {"/bin/sh", "-c", opt.server});
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.server_wait_ms));
  }
  if (!opt.command.empty()) {
    client = spawn_in(t->client_ns(), opt.command);
  } else {
    std::cerr << "no command given: the testbed stays up until Ctrl-C (try: ip netns exec " << t->client_ns()
              << " ping " << t->paths()[0].server_address << ")\n";
  }

  int status = 0;
  for (;;) {
    siginfo_t info{};
    const int sig = ::sigwaitinfo(&signals, &info);
    if (sig == SIGCHLD) {
      if (client > 0 && ::waitpid(client, &status, WNOHANG) == client) {
        client = -1;
        break;
      }
      if (server > 0 && ::waitpid(server, nullptr, WNOHANG) == server) server = -1;
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
      std::cerr << "progmp testbed: interrupted; tearing down\n";
      status = (128 + sig) << 8;  // reported as exit 128 + signal
      break;
    }
  }
  stop_group(client);
  stop_group(server);
  print_links(scenario, t->stop(), opt.json);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : exit_code(status);
  if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace

void add_testbed_command(CLI::App& app) {
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "testbed",
      "Run a command over a scenario's paths, emulated between two network namespaces (root).\n"
      "Path i connects client 10.0.i.1 to server 10.0.i.2; each direction has the scenario's rate, queue, delay,\n"
      "loss and [[path.change]] schedule. CMD runs in the client namespace; --server's command in the server's.");
  cmd->add_option("scenario", opt->scenario, "Scenario file whose [[path]] tables describe the paths")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", opt->overrides, "Override a scenario key, e.g. --set path.wifi.delay_ms=20 (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_flag("--no-emulation", opt->no_emulation, "Bare veth paths: no rate, delay or loss (as fast as it goes)");
  cmd->add_flag("--mptcp", opt->mptcp,
                "Set up the kernel's MPTCP path manager: one subflow per path (the server announces its other "
                "addresses), for --transport kernel-mptcp");
  cmd->add_option("--server", opt->server, "Shell command to run in the server namespace, started before CMD")
      ->type_name("CMD");
  cmd->add_option("--server-wait-ms", opt->server_wait_ms, "Time the server command gets to start (default 500)")
      ->check(CLI::Range(0, 60'000));
  cmd->add_flag("--json", opt->json, "Print the emulated links' counters as JSON on stdout (after CMD's own output)");
  cmd->add_option("command", opt->command, "Command (after --) to run in the client namespace")->type_name("CMD");
  cmd->callback([opt] {
    if (!opt->command.empty() && opt->command.front() == "--") opt->command.erase(opt->command.begin());
    run(*opt);
  });
}

}  // namespace progmp::tools

// One simulation run of a scenario: the network of paths, a sending host (application workloads → scheduler
// runtime → transport Sender) and a receiving host (transport Receiver → application), all on one Simulator.
// Each Session owns a fresh runtime instance (runtime.md §7.4), so runs never influence each other, and everything
// random derives from the scenario seed: the same scenario, scheduler and seed give byte-identical results.
//
//   workloads ──send──► Runtime ⇄ Sender ══ path.forward (link) ══► Receiver ──► delivery check, workloads
//                                   ▲                                   │
//                                   └════════ path.reverse (link) ◄═════┘ ACKs
//
// The application's bytes follow a fixed pattern of their stream offset, and the receiving side checks every
// delivered byte against it, so "delivered exactly once, in order, unchanged" is verified on every run.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "progmp/runtime/profile.hpp"
#include "progmp/runtime/stats.hpp"
#include "progmp/runtime/trace.hpp"
#include "progmp/sim/scenario.hpp"

namespace progmp::sim {

struct SessionOptions {
  std::string scheduler_name;    // registry name of the program ("builtin_minrtt": the built-in, no source)
  std::string scheduler_source;  // its source text (empty for the built-in)
  // If set, a shared object compiled ahead of time from scheduler_source (`progmp compile`): loaded with
  // Runtime::load_scheduler_so, so connections run the AOT engine (engine choice auto).
  std::string scheduler_so;
  // Engine of the connection (runtime::parse_engine names). An explicit jit or ebpf that cannot run the scheduler
  // makes create() fail with the reason; auto never does.
  std::string engine = "auto";
  std::string scenario_dir = ".";  // relative trace files are resolved against it
  runtime::TraceSink* trace = nullptr;
  int trace_level = 1;
  // Called every ~1 % of the simulated duration with the fraction done (progress bars).
  std::function<void(double)> progress;
  // Profile the scheduler (Runtime::set_profiling, docs/profiling.md): every execution runs on the counting
  // interpreter; the result is the same, only slower.
  bool profile = false;
};

class Session {
 public:
  // Builds the network and hosts; false with a message if a trace file or the scheduler does not load.
  static std::unique_ptr<Session> create(const Scenario& scenario, const SessionOptions& options,
                                         std::string& error);
  virtual ~Session() = default;

  // Runs until duration_s, or earlier once every workload has finished.
  virtual void run() = 0;
  // The result object of `progmp sim --json` (docs/simulator.md lists its fields).
  virtual nlohmann::json result() const = 0;
  // Simulated events processed so far.
  virtual std::uint64_t events() const = 0;
  // With SessionOptions::profile: the profiles of the programs that ran, the session's scheduler first (then, e.g.,
  // builtin_minrtt after a fallback). Empty without the option.
  virtual std::vector<runtime::ProgramProfile> profiles() const = 0;
  // The runtime's statistics of the simulated connection (runtime.md §13): executions, rounds, steps, executions an
  // engine could not run and handed to the interpreter (`executions_rerouted`), ... Not part of result(): the
  // rerouted count depends on the engine, the result does not.
  virtual runtime::ConnectionStats connection_stats() const = 0;
};

}  // namespace progmp::sim

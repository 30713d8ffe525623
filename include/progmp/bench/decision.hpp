// The decision benchmark (the ProgMP paper's Fig. 9, docs/performance.md): ns per execution of library schedulers
// on every engine of this build, side by side with hand-written C++ versions over the same view. Used by
// `progmp bench` and by the Google Benchmark program bench/scheduler_bench.
//
// The view: n subflows with distinct RTTs and window space, `queue` unsent packets in Q and as many in QU, RQ
// empty. Before anything is measured, every engine's effect log, registers and steps are checked against the
// interpreter's and the native version's effects.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "progmp/exec/engine.hpp"

namespace progmp::bench {

enum class Engine : std::uint8_t { Native, Interp, Aot, Jit, Ebpf };
const char* engine_name(Engine e);
// Engines of this build, native first.
std::vector<Engine> all_engines();

using Native = void (*)(const SchedulerView&, ExecState&, EffectLog&);
// The hand-written version of a library scheduler (minrtt, round_robin, redundant, opportunistic_redundant, tap);
// null for others.
Native native_scheduler(std::string_view name);

// The benchmark view and its records.
struct DecisionView {
  DecisionView(int subflows, int queue);
  std::vector<SubflowSnapshot> subflows;
  std::deque<PacketMeta> packets;
  std::vector<const PacketMeta*> q, qu;
  SchedulerView view;
};

// How the engines' code is built (to measure what the optimiser and the specialisation give).
struct BuildOptions {
  bool optimise = true;                  // false: the lowered IR, without the optimiser passes
  std::uint32_t specialise_subflows = 0;  // AOT variants per number of subflows (aot::CodegenOptions)
};

struct Program {
  std::string name;    // library name
  std::string source;  // its text
};

class DecisionBench;

// Repeated executions of one scheduler on one engine over one view; the arena, log and state are prepared once,
// each execution starts from the same registers. No allocation per execution.
class DecisionRunner {
 public:
  DecisionRunner(const DecisionBench& bench, std::string_view scheduler, Engine engine, const DecisionView& view);
  ~DecisionRunner();
  // False if the engine does not run this scheduler (not built, or unsupported for this view).
  bool ok() const { return ok_; }
  void once();
  std::size_t effects() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
  bool ok_ = false;
};

class DecisionBench {
 public:
  // Compiles every program for every engine in `engines` (AOT: one shared object built with the system compiler;
  // eBPF: loaded through the verifier). An engine that cannot compile some program is left out for it and the
  // reason is in notes(). Null with a message if a program does not compile at all.
  static std::unique_ptr<DecisionBench> create(const std::vector<Program>& programs, const std::vector<Engine>& engines,
                                               std::string& error, const BuildOptions& options = {});
  ~DecisionBench();

  bool has(std::string_view scheduler, Engine e) const;
  // Runs every engine of `scheduler` once over `view` and compares with the interpreter (and native): false with
  // a description on any difference.
  bool check(std::string_view scheduler, const DecisionView& view, std::string& error) const;
  // ns per execution: `rounds` alternating rounds of `batch` executions, the median round.
  double measure(std::string_view scheduler, Engine e, const DecisionView& view, int rounds, long batch) const;
  // Runs `iterations` executions (for callgrind instruction counts); returns the effects of the last one.
  std::size_t run_many(std::string_view scheduler, Engine e, const DecisionView& view, long iterations) const;
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  friend class DecisionRunner;
  struct Entry;
  DecisionBench() = default;
  const Entry* find(std::string_view scheduler) const;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::string> notes_;
};

}  // namespace progmp::bench

// Tiered execution (runtime.md §11.1, engine `auto`): a connection runs on a first engine (the interpreter) while a
// faster one is compiled on a background thread, and switches as soon as it is ready. The switch happens between
// executions (run() reads the current tier once at its start); since every engine computes the same effects and
// the same reference step counts, it is unobservable except in time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "progmp/exec/engine.hpp"

namespace progmp {

// Builds the faster executable; null with a message on failure (the first tier then stays for good).
using TierCompiler = std::function<std::unique_ptr<Executable>(std::string& error)>;

class TieredExecutable : public Executable {
 public:
  // Starts `compile` on a background thread at once.
  TieredExecutable(std::shared_ptr<const Executable> first, TierCompiler compile);
  ~TieredExecutable() override;  // waits for a compilation still running

  // The name of the tier that runs now ("interp" until the switch, then the second tier's name).
  std::string_view engine_name() const override;
  void prepare(const SchedulerView& view, ExecScratch& scratch) const override;
  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override;

  // Blocks until the background compilation has finished; true if the second tier is in use.
  bool wait() const;
  bool switched() const;
  std::string error() const;   // why the second tier is not available (after wait())
  double compile_ms() const;   // wall time of the background compilation (after wait())

 private:
  struct State;
  std::shared_ptr<const Executable> first_;
  std::unique_ptr<State> state_;
};

}  // namespace progmp

// The engines of one compiled program, built on first use and shared by every connection running it
// (runtime.md §11.1 set_engine). Thread-safe: programs are shared across threads by the experiment runner.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "progmp/exec/engine.hpp"
#include "progmp/ir/module.hpp"
#include "progmp/runtime/program.hpp"

namespace progmp::runtime {

class EngineSet {
 public:
  EngineSet(std::shared_ptr<const ir::Module> module, std::shared_ptr<const Executable> interp,
            std::shared_ptr<const Executable> aot);

  const Executable& get(EngineChoice e);
  std::string error(EngineChoice e) const;

 private:
  struct Slot {
    bool tried = false;
    std::shared_ptr<const Executable> exe;  // null: the interpreter runs
    std::string error;
  };
  Slot& slot(EngineChoice e) { return slots_[static_cast<std::size_t>(e)]; }
  void build(EngineChoice e, Slot& s);

  std::shared_ptr<const ir::Module> module_;
  std::shared_ptr<const Executable> interp_;
  std::shared_ptr<const Executable> aot_;
  mutable std::mutex mutex_;
  std::array<Slot, 5> slots_;
};

}  // namespace progmp::runtime

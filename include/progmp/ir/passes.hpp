// The IR optimiser: a pipeline of passes over a lowered module (constant folding and propagation, dead-code
// elimination with jump threading, block merging). Every pass preserves the observable behaviour of every
// execution exactly: end cause, reference step count (runtime.md §7.2; removed statements and fetches are
// compensated by `Steps` instructions), effects, PRINT values, registers and the number and order of RANDOM draws
// (§7.4). See docs/ir.md, "Optimisation passes".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "progmp/ir/module.hpp"

namespace progmp::ir {

struct PassSnapshot {
  std::string pass;     // pass name, or "lowered" for the input
  std::string listing;  // ir::format of the module after the pass
};

// Runs the pipeline on a copy of `module`. When `trace` is non-null, appends the listing of the input (first entry
// "lowered") and then the listing after each pass.
std::shared_ptr<const Module> optimise(const Module& module, std::vector<PassSnapshot>* trace = nullptr);

// What every engine executes: the program lowered (ir::lower) and then optimised.
std::shared_ptr<const Module> lower_optimised(const lang::Program& program);

// The pass names in pipeline order.
std::vector<std::string> pass_names();

}  // namespace progmp::ir

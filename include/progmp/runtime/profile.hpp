// The profile of one scheduler program version, collected while a runtime profiles (Runtime::set_profiling,
// docs/profiling.md): how often each IR instruction ran, mapped back to the lines of the program text, and the
// time, steps and end causes of its executions. All connections running the version add to the same profile,
// including connections that fell back to builtin_minrtt (then builtin_minrtt's profile counts).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "progmp/runtime/round.hpp"

namespace progmp::runtime {

struct ProgramProfile {
  std::string name;
  std::uint32_t version = 0;
  std::string label;   // "name@version"
  std::string source;  // the program text (builtin_minrtt: its §2.4 text)

  std::uint64_t executions = 0;  // including aborted ones
  // Wall time of the executions (steady clock around the engine call). While profiling, every execution runs on
  // the counting interpreter, so this is the interpreter's time, not that of the engine chosen otherwise.
  std::uint64_t time_ns = 0;
  std::uint64_t steps = 0;  // reference steps (runtime.md §7.2)
  std::array<std::uint64_t, kExecEndCount> ends{};  // executions per ExecEnd

  // Per IR instruction (pc) of the program's optimised module: its source line (ir::Module::lines; 0 for none)
  // and how many times it was executed. Empty for a program without IR (a substitute compiler's).
  std::vector<std::uint32_t> instr_lines;
  std::vector<std::uint64_t> instr_counts;

  // Per line of `source` (index 0 is line 1): how many times the line's statement was entered, which is the count
  // of its first instruction in program order; nullopt for a line without code (blank, comment, closing brace,
  // ELSE, or a statement the optimiser removed or merged into a neighbour).
  std::vector<std::optional<std::uint64_t>> line_counts() const;
};

}  // namespace progmp::runtime

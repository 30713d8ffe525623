// The one engine ABI (runtime.md §7.1): every execution engine turns a checked program into an Executable whose
// run() performs one execution over a read-only view, mutating only the execution state and the effect log.
//
// Call protocol, per execution: the runtime calls prepare() between executions (it may grow the scratch arena),
// then run(). run() allocates nothing. On an abort (steps, actions) the engine stops at once; the runtime discards
// the log and restores registers and generator from its own copy (runtime.md §7.3). On Unsupported the engine has
// had no visible effect worth keeping; the runtime discards everything and re-runs on the interpreter (§7.6).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "progmp/exec/effect_log.hpp"
#include "progmp/exec/view.hpp"

namespace progmp {

enum class EndCause : std::uint8_t {
  End,          // ran off the end of the program
  Return,       // executed RETURN
  StepLimit,    // reference step count exceeded the allowance; steps = allowance + 1
  ActionLimit,  // more than kMaxActionsPerExecution actions
  Unsupported,  // engine declined (runtime.md §7.6)
};
const char* end_cause_name(EndCause c);  // "end", "return", "step_limit", "action_limit", "unsupported"

// Scratch memory of executions: variable slots, list snapshots, pop marks. Owned by the runtime (per connection or
// per worker), sized by Executable::prepare between executions, laid out by the engine.
class Executable;
struct ExecScratch {
  std::vector<std::uint64_t> words;
  const Executable* tier = nullptr;  // the tier a TieredExecutable prepared this arena for (exec/tiered.hpp)
};

struct ExecState {
  std::array<std::int64_t, 6> registers{};  // R1..R6; SET writes here immediately
  std::uint64_t rng = 0;                    // splitmix64 state (runtime.md §7.4)
  std::uint64_t allowance = 1'000'000;      // reference steps this execution may take
  ExecScratch* scratch = nullptr;           // prepared by Executable::prepare
  // Profiling (docs/profiling.md): one counter per IR instruction of the program; the interpreter adds one to
  // instr_counts[pc] each time it executes instruction pc. Empty (the normal case): nothing is counted. Only the
  // interpreter counts; other engines ignore it, so a profiling caller runs the interpreter.
  std::span<std::uint64_t> instr_counts;
};

struct ExecResult {
  EndCause end = EndCause::End;
  std::uint64_t steps = 0;                  // reference step count (runtime.md §7.2)
  std::uint32_t prints_suppressed = 0;      // PRINTs evaluated beyond the per-execution cap
};

class Executable {
 public:
  virtual ~Executable() = default;
  virtual std::string_view engine_name() const = 0;
  // Makes sure state.scratch can hold one execution over `view` (called between executions only).
  virtual void prepare(const SchedulerView& view, ExecScratch& scratch) const = 0;
  virtual ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const = 0;
};

// One RANDOM draw (runtime.md §7.4): splitmix64, the upper 32 bits.
inline std::int64_t random_draw(std::uint64_t& x) {
  x += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z = z ^ (z >> 31);
  return static_cast<std::int64_t>(z >> 32);
}

}  // namespace progmp

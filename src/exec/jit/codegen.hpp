// The call context between the JIT engine's host side and its generated functions, and the code generator's entry.
// A generated function is `uint32_t f(JitContext*)`; it returns the end cause (0 end, 1 return, 2 step_limit,
// 3 action_limit) and writes the registers, the generator state, `steps` and `prints_suppressed` back.
#pragma once

#include <cstdint>
#include <string>

#include "progmp/exec/effect_log.hpp"
#include "progmp/exec/engine.hpp"
#include "progmp/exec/view.hpp"
#include "progmp/ir/nodes.hpp"

namespace llvm {
class Module;
}

namespace progmp::jit {

// The PRINT argument the generated code fills before calling the host (PrintValue without the C++ types).
struct JitPrintArg {
  std::uint32_t kind;     // PrintValue::Kind
  std::uint32_t n_elems;  // lists: elements stored (≤ 17)
  std::int64_t value;
  std::int64_t elems[kPrintListElems];
};
static_assert(sizeof(JitPrintArg) == 16 + 8 * kPrintListElems);

// Effects (POP, PUSH, DROP, SET_USER) are written by the generated code into a small buffer in the context, as
// EffectLog entries, and handed to the log in blocks: when the buffer is full, before a PRINT (to keep the order) and
// at the end of the execution (aborts included).
inline constexpr std::uint32_t kEffectBuffer = 32;

struct JitContext {
  const SubflowSnapshot* subflows;
  std::uint64_t n_subflows;
  const PacketMeta* const* queue[3];  // Q, QU, RQ
  std::uint64_t queue_len[3];
  std::int64_t now_us;
  std::int64_t window_end;
  std::int64_t mss;
  std::int64_t* registers;  // R1..R6
  std::uint64_t* rng;
  std::uint64_t allowance;
  std::uint64_t* scratch;   // n_regions × (1 + cap) words of snapshot regions, then the Q, QU, RQ pop bitmaps
  void* log;                // EffectLog*
  std::uint64_t actions_left;         // actions the log still accepts (the action limit is checked natively)
  std::uint64_t steps;                // out
  std::uint32_t prints_suppressed;    // out
  alignas(Effect) unsigned char effects[kEffectBuffer * sizeof(Effect)];  // not initialised: written before read
};

// Hands the first n buffered effects of the context to its log.
void flush_effects(JitContext* c, std::uint32_t n);

using EntryFn = std::uint32_t (*)(JitContext*);

// Words of scratch one execution over a view needs.
inline std::size_t scratch_words(std::uint32_t n_regions, const SchedulerView& v) {
  std::size_t cap = v.subflows.size();
  if (v.q.size() > cap) cap = v.q.size();
  if (v.qu.size() > cap) cap = v.qu.size();
  if (v.rq.size() > cap) cap = v.rq.size();
  return static_cast<std::size_t>(n_regions) * (1 + cap) + (v.q.size() + 63) / 64 + (v.qu.size() + 63) / 64 +
         (v.rq.size() + 63) / 64;
}

// Appends the function `symbol` (signature EntryFn) executing `m` to `module`.
void generate_function(const ir::Module& m, llvm::Module& module, const std::string& symbol);

}  // namespace progmp::jit

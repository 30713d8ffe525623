// The eBPF engine (engine name "ebpf"): the IR is translated to eBPF bytecode, checked by the Linux verifier
// (termination and memory safety) and executed in the kernel through BPF_PROG_TEST_RUN.
//
// ## Pipeline
//
//   ir::Module ──translate──▶ virtual code (two-address eBPF over unlimited virtual registers, labels)
//              ──linear scan──▶ physical registers R0..R7 + stack slots ──emit──▶ struct bpf_insn[]
//              ──bpf_prog_load(BPF_PROG_TYPE_SYSCALL, sleepable)──▶ verifier ──▶ program fd
//
// The translation mirrors the C++ code generator of the AOT engine: one straight-line block per statement,
// temporaries with NULL flags, gotos, and one loop per list walk (FILTER lambdas, MIN/MAX/SUM keys inlined at the
// walk). Variable slots, registers, loop positions, snapshots and the effect log live in memory (the arena below),
// so only expression temporaries compete for machine registers and nothing is live across statements.
//
// ## Machine registers and register allocation
//
//   R9  arena base (PTR_TO_MAP_VALUE, from one ld_imm64 BPF_PSEUDO_MAP_VALUE; no helper call)
//   R8  steps left (allowance − reference steps so far); a step is `if R8 == 0 goto abort; R8 -= 1`
//   R10 frame pointer; fp−8 holds the context pointer, fp−16 .. fp−8·(1+kMaxSpillSlots) the spill slots
//   R0..R7 allocatable (the program calls no helper, so no register is clobbered behind the allocator's back)
//
// Second-chance binpacking (Traub, Holloway & Smith 1998), as in the ProgMP paper: one pass over the code in order;
// a temporary occupies a register from its definition until it dies or is evicted. With no free register, the
// value whose next reference is furthest is evicted (stored to its stack slot first only if the register copy is
// newer). A later reference gives an evicted value its second chance: it is reloaded into whichever register is
// free at that point, not necessarily the one it had. Where control flow meets, the allocation state of the first
// edge in code order becomes the label's state; every other edge is reconciled to it (stores of values the label
// keeps in memory, then loads of values it expects in registers), inline on fall-through and unconditional jumps,
// in a stub at the end of the program for conditional jumps and may_goto. Lifetimes are single intervals in code
// order, extended over the loops they are live into; stack slots are assigned afterwards by a linear scan over the
// intervals of the values that were ever evicted (linear_scan() below, with no registers), so slots are shared by
// values whose lifetimes do not overlap. The disassembly shows `vN=rM` per instruction and `spill`/`reload` lines.
//
// ## Context (ctx_in, copied in and written back in place by BPF_PROG_TEST_RUN) — struct Context, 72 bytes
//
//   0 registers[6] (in/out) · 48 rng (in/out) · 56 allowance (in) · 64 steps_left (out)
//   The program's return value (test run retval) is the EndCause. The prologue copies registers and rng into the
//   arena, the epilogue copies them back (also on a step abort: the interpreter's registers at the abort point).
//
// The context is accessed only at constant offsets (the verifier forbids variable offsets into a context), so
// the view is not carried in it: it lives in the arena.
//
// ## Arena (the value of a one-element BPF_F_MMAPABLE array map, written and read by the host through mmap)
//
//   offset  content
//   0       registers[6], rng, launder word                         (64 B)
//   64      globals: now_ms, window_end, mss, n_sf, n_q, n_qu, n_rq, pops[3], n_effects, n_prints,
//           prints_suppressed                                       (128 B)
//   192     slot values[n_slots] then slot NULL flags[n_slots] (8 B each), loop positions[n_loops]
//   subflows: kMaxSubflows records of 256 B: the SubflowSnapshot bytes (the IR's field offsets apply unchanged)
//             + rtt_ms at +128
//   packets:  kPacketTable records of 64 B: the PacketMeta bytes + age_ms at +48, has_window byte at +56,
//             sent_on_all byte at +57. A packet value is its index in this table; a packet in several queues has
//             one record (identity = index equality, as pointer equality in the interpreter)
//   queues:   Q, QU, RQ index lists, kMaxQueuePackets × 8 B each, then the pop flags (1 B per position)
//   regions:  n_regions snapshots of (1 + kMaxSnapshot) words: [length, elements...]
//   effects:  kMaxEffects entries of 16 B: {kind | queue<<8 | subflow<<16 | print<<32, value or packet index}
//   prints:   kMaxPrints + 1 PrintValue records of 20 words (the extra record absorbs suppressed PRINTs)
//
// Every variable index into the arena goes through the launder word (store then load: the verifier sees an
// unknown scalar, so loop counters stay imprecise and loops converge) and is masked to its power-of-two capacity.
// Every loop head carries a may_goto (BPF_JMP|BPF_JCOND): the verifier accepts loops whose bound it cannot see,
// and the kernel's loop budget (8M iterations per run) ends runaway executions as Unsupported.
//
// ## Capacities (an execution beyond them answers EndCause::Unsupported, with no effect at all)
//
//   * subflows: kMaxSubflows (32, as the runtime)
//   * packets per queue: kMaxQueuePackets (256) for each of Q, QU, RQ
//   * snapshot elements per list variable or FOREACH: kMaxSnapshot (256, never exceeded by a view that fits)
//   * effect log entries (POP + PUSH + DROP + SET_USER + stored PRINT): kMaxEffects (16 384)
//   * PRINTs stored: kMaxPrintsPerExecution (64) like every engine; further PRINTs are counted as suppressed
//   * loop iterations: the kernel's may_goto budget per run (8M); beyond it the execution is Unsupported
//   * translator limits: kMaxSlots variable slots, kMaxRegions snapshot regions, kMaxSpillSlots spill slots,
//     kMaxInsns instructions, conditional jumps within ±32767 instructions (translate() fails beyond them)
//
// Since kMaxEffects < kMaxActionsPerExecution, this engine never reports ActionLimit: an execution that would
// reach the action limit answers Unsupported first and the interpreter reports the abort.
//
// Runs of one Executable are serialised by a mutex (one arena per program); run() allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "progmp/exec/engine.hpp"
#include "progmp/ir/nodes.hpp"

namespace progmp::ebpf {

struct Capacities {
  static constexpr std::uint32_t kMaxSubflows = 32;        // subflow records
  static constexpr std::uint32_t kMaxQueuePackets = 256;   // packets in each of Q, QU, RQ
  static constexpr std::uint32_t kPacketTable = 1024;      // packet records (power of two ≥ 3 × kMaxQueuePackets)
  static constexpr std::uint32_t kMaxSnapshot = 256;       // elements of one snapshot region
  static constexpr std::uint32_t kMaxEffects = 16384;      // effect log entries of one execution (power of two)
  static constexpr std::uint32_t kMaxPrints = 64;          // stored PRINTs (= kMaxPrintsPerExecution)
  static constexpr std::uint32_t kMaxSlots = 1024;         // variable slots of a program
  static constexpr std::uint32_t kMaxRegions = 64;         // snapshot regions of a program
  static constexpr std::uint32_t kMaxLoops = 256;          // FOREACH statements of a program
  static constexpr std::uint32_t kMaxSpillSlots = 62;      // 8-byte stack slots for spilled temporaries (fp-16 .. fp-504)
  static constexpr std::uint32_t kMaxInsns = 1'000'000;    // instructions of a program (the kernel's limit)
};

// One eBPF instruction (the kernel's struct bpf_insn, bit for bit).
struct Insn {
  std::uint8_t code = 0;
  std::uint8_t dst : 4 = 0;
  std::uint8_t src : 4 = 0;
  std::int16_t off = 0;
  std::int32_t imm = 0;
};
static_assert(sizeof(Insn) == 8);

struct Bytecode {
  std::vector<Insn> insns;
  std::vector<std::uint32_t> map_value_loads;  // indices of the ld_imm64 that load the arena address
  std::uint32_t arena_bytes = 0;               // size of the arena (map value) this program addresses
  std::vector<std::string> labels;             // per instruction: label names starting there (for disassembly)
  std::vector<std::string> notes;              // per instruction: comment (IR pc, register allocation)
  std::uint32_t virtual_registers = 0;         // allocator statistics
  std::uint32_t spilled = 0;                   // virtual registers that were ever evicted to a stack slot
  std::uint32_t spill_slots = 0;               // distinct stack slots they use
  std::uint32_t evictions = 0;                 // evictions (each followed by a second-chance reload)
};

// IR -> eBPF, no kernel needed. False with a message when the program exceeds a translator limit.
bool translate(const ir::Module& module, Bytecode& out, std::string& error);

// Readable assembly (one instruction per line, labels, register allocation visible).
std::string disassemble(const Bytecode& code);

// Whether this process can load and run BPF_PROG_TYPE_SYSCALL programs; the reason when not.
bool available(std::string& why);

// Translates and loads; the kernel verifier checks the program. Null with a message (and the verifier log in
// *verifier_log) on failure.
std::unique_ptr<Executable> load(std::shared_ptr<const ir::Module> module, std::string& error,
                                 std::string* verifier_log = nullptr);

// Verifier statistics of the last successful load() in this thread ("processed N insns ...").
std::string last_verifier_stats();

// ---- linear scan over intervals (exposed for tests) --------------------------------------------------------------
// Poletto & Sarkar linear scan over live intervals [start, end] (instruction indices, inclusive), in order of
// increasing start. With no free register the interval (current or active) whose end is furthest is spilled; spilled
// intervals then get stack slots from a second scan (slots reused when intervals do not overlap). The translator
// uses it with zero registers to assign the spill slots of the second-chance allocator.
struct Interval {
  std::uint32_t vreg = 0;
  std::uint32_t start = 0;
  std::uint32_t end = 0;
};
struct Assignment {
  std::int32_t reg = -1;    // index into the register pool, or -1 if spilled
  std::int32_t slot = -1;   // stack slot when spilled
};
// Returns one Assignment per interval (same order as given); `slots_used` receives the number of stack slots.
std::vector<Assignment> linear_scan(const std::vector<Interval>& intervals, std::uint32_t n_regs,
                                    std::uint32_t& slots_used);

}  // namespace progmp::ebpf

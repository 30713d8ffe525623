// Internals of the eBPF engine: instruction encodings, the virtual code the translator produces for the register
// allocator, and the arena layout shared by the translator and the host codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "progmp/exec/ebpf.hpp"

namespace progmp::ebpf {

// ---- instruction encodings (defined here: the system's uapi headers may predate cpu v4 and may_goto) ----------
namespace op {
inline constexpr std::uint8_t LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06,
                              ALU64 = 0x07;
inline constexpr std::uint8_t W = 0x00, H = 0x08, B = 0x10, DW = 0x18;
inline constexpr std::uint8_t IMM = 0x00, MEM = 0x60;
inline constexpr std::uint8_t K = 0x00, X = 0x08;
// ALU operations
inline constexpr std::uint8_t ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60,
                              RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0;
// JMP operations
inline constexpr std::uint8_t JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60,
                              JSGE = 0x70, CALL = 0x80, EXIT = 0x90, JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0,
                              JSLE = 0xd0, JCOND = 0xe0;
inline constexpr std::uint8_t kPseudoMapValue = 2;  // ld_imm64 src: address of a map value
}  // namespace op

// Registers of the machine convention (see ebpf.hpp).
inline constexpr int kR0 = 0, kR1 = 1, kSteps = 8, kArena = 9, kFp = 10;
inline constexpr int kFirstVirtual = 16;  // operand ids below this are machine registers
inline constexpr int kCtxSlot = -8;         // fp offset of the saved context pointer
inline constexpr int kFirstSpillSlot = -16;  // fp offset of spill slot 0; slot k at -16 - 8k

// ---- virtual code ---------------------------------------------------------------------------------------------
// One instruction in eBPF's own two-address form over operand ids (machine registers < 16, virtual registers ≥ 16).
// Kind Label marks a jump target; LdImm64 loads a 64-bit constant (or, with `map`, the arena address).
struct VInsn {
  enum class Kind : std::uint8_t { Op, Label, LdImm64 } kind = Kind::Op;
  std::uint8_t code = 0;
  bool map = false;
  int dst = -1;
  int src = -1;
  std::int16_t off = 0;
  std::int64_t imm = 0;
  int label = -1;            // jump target (label id) of jumps and may_goto; label id of Kind::Label
  std::uint32_t ir_pc = 0;   // IR statement this instruction belongs to
};

struct VCode {
  std::vector<VInsn> insns;
  std::vector<std::string> label_names;
  std::uint32_t n_vregs = 0;  // virtual registers are kFirstVirtual .. kFirstVirtual + n_vregs - 1
  std::uint32_t arena_bytes = 0;
};

// Allocates registers and encodes (regalloc.cpp). False with a message when a limit is exceeded.
bool allocate_and_emit(const VCode& code, Bytecode& out, std::string& error);

// ---- context and arena layout ---------------------------------------------------------------------------------
struct Context {
  std::int64_t registers[6];
  std::uint64_t rng;
  std::uint64_t allowance;
  std::uint64_t steps_left;
};
static_assert(sizeof(Context) == 72);

namespace arena {
inline constexpr std::uint32_t kRegs = 0;
inline constexpr std::uint32_t kRng = 48;
inline constexpr std::uint32_t kLaunder = 56;
inline constexpr std::uint32_t kNowMs = 64;
inline constexpr std::uint32_t kWindowEnd = 72;
inline constexpr std::uint32_t kMss = 80;
inline constexpr std::uint32_t kNSf = 88;
inline constexpr std::uint32_t kNQueue = 96;   // + 8 × queue (Q, QU, RQ)
inline constexpr std::uint32_t kPops = 120;    // + 8 × queue
inline constexpr std::uint32_t kNEffects = 144;
inline constexpr std::uint32_t kNPrints = 152;
inline constexpr std::uint32_t kSuppressed = 160;
inline constexpr std::uint32_t kSlots = 192;

inline constexpr std::uint32_t kSfRecord = 256;  // shift 8
inline constexpr std::uint32_t kSfRttMs = 128;
inline constexpr std::uint32_t kPktRecord = 64;  // shift 6
inline constexpr std::uint32_t kPktAgeMs = 48;
inline constexpr std::uint32_t kPktHasWindow = 56;
inline constexpr std::uint32_t kPktSentOnAll = 57;
inline constexpr std::uint32_t kEffectRecord = 16;   // shift 4
inline constexpr std::uint32_t kPrintRecord = 256;   // shift 8
inline constexpr std::uint32_t kPrintRecords = 128;  // mask 127; records ≥ kMaxPrints + 1 are never written
inline constexpr std::uint32_t kRegionWords = 1 + Capacities::kMaxSnapshot;
}  // namespace arena

// Offsets of one program's arena.
struct Layout {
  std::uint32_t n_slots = 0, n_loops = 0, n_regions = 0;
  std::uint32_t values = 0, nulls = 0, loops = 0;
  std::uint32_t subflows = 0, packets = 0, queues[3] = {}, popped[3] = {}, regions = 0, effects = 0, prints = 0;
  std::uint32_t total = 0;

  static Layout of(std::uint32_t n_slots, std::uint32_t n_loops, std::uint32_t n_regions);
  std::uint32_t region(std::uint32_t r) const { return regions + r * arena::kRegionWords * 8; }
};

}  // namespace progmp::ebpf

namespace progmp::ebpf {
// ---- host codec (layout.cpp) ------------------------------------------------------------------------------------
// Writes the view into the arena and the packet table (index → record); false when the view exceeds the capacities.
bool encode_view(const Layout& layout, const SchedulerView& view, std::uint8_t* arena, const PacketMeta** table);
// Appends the effect log the program wrote; false if it is malformed (never for a verified program).
bool decode_log(const Layout& layout, const std::uint8_t* arena, const PacketMeta* const* table, EffectLog& log);
}  // namespace progmp::ebpf

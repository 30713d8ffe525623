// The binary interface between the host and generated AOT code: the call context of one execution, the PRINT
// argument record and the exported program table. The generator emits an identical declaration into every
// translation unit, with static_asserts on every offset, so that a layout change breaks the build of the generated
// code instead of its behaviour; the ABI version exported by each shared object carries a fingerprint of these
// layouts, so a library built for another layout is refused when loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "progmp/exec/aot.hpp"
#include "progmp/exec/effect_log.hpp"
#include "progmp/exec/view.hpp"

namespace progmp::aot {

struct AotPrintArg {
  std::uint32_t kind;     // PrintValue::Kind
  std::uint32_t n_elems;  // lists: elements stored (≤ 17)
  std::int64_t value;
  std::int64_t elems[kPrintListElems];
};

struct AotContext {
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
  void (*pop)(void* log, std::uint32_t queue, const PacketMeta* packet);
  std::int32_t (*action)(void* log, std::uint32_t kind, std::uint32_t queue, std::uint32_t subflow,
                         const PacketMeta* packet, std::int64_t value);  // 0: action limit reached
  std::int32_t (*print)(void* log, std::int64_t format, const AotPrintArg* arg);  // 0: PRINT cap reached
  std::uint64_t steps;                // out
  std::uint32_t prints_suppressed;    // out
};

struct AotProgramEntry {
  const char* name;
  const char* source_hash;
  const char* source;
  std::uint32_t (*entry)(AotContext*);
  std::uint32_t n_regions;
};

// What the accessor of a statically linked program returns (generate_static_cpp): the fields a shared object
// exports as separate symbols.
struct AotStaticTable {
  std::uint64_t abi_version;
  std::uint64_t program_count;
  const AotProgramEntry* programs;
};

// Words of scratch one execution over a view needs.
inline std::size_t scratch_words(std::uint32_t n_regions, std::size_t n_sf, std::size_t q, std::size_t qu,
                                 std::size_t rq) {
  std::size_t cap = n_sf;
  if (q > cap) cap = q;
  if (qu > cap) cap = qu;
  if (rq > cap) cap = rq;
  return static_cast<std::size_t>(n_regions) * (1 + cap) + (q + 63) / 64 + (qu + 63) / 64 + (rq + 63) / 64;
}

// The declarations the generator emits before the programs (defined in codegen.cpp).
std::string prelude();

}  // namespace progmp::aot

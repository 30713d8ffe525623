// The IR that engines execute. Encoding:
//
//   Module
//   ├── code   : Instr[]   linear statements with jumps; pc 0 is the entry, End terminates
//   ├── lines  : u32[]     per instruction: 1-based source line of the statement it comes from (0: none)
//   ├── nodes  : Node[]    expression trees, children referenced by index (a, b)
//   ├── chains : Chain[]   list expressions = one source + a run of FILTER lambdas
//   ├── lambdas: Lambda[]  (parameter slot, body node) for FILTER predicates and MIN/MAX/SUM keys
//   └── slots  : SlotInfo[] one per declaration; list-typed slots own a snapshot region
//
//   Instr  { op:StmtOp  a  b  c  aux }          operand meaning per stmt_ops.def
//   Node   { op:ExprOp  a  b  aux  imm }         operand meaning per expr_ops.def
//   Chain  { source  slot  first_filter  n_filters }   filters = lambdas[first_filter ..]
//
// Scalar values are 64-bit with a NULL flag: ints, bools (0/1), subflows (position in SUBFLOWS) and packets
// (PacketMeta address). Lists are never values: a chain is walked by the operation that consumes it, which is what
// makes list expressions lazy (language.md §7.5); snapshots live in per-slot regions of the scratch arena.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "progmp/ir/module.hpp"

namespace progmp::ir {

enum class ExprOp : std::uint8_t {
#define X(name, operands, meaning) name,
#include "progmp/ir/expr_ops.def"
#undef X
};

enum class StmtOp : std::uint8_t {
#define X(name, operands, step, meaning) name,
#include "progmp/ir/stmt_ops.def"
#undef X
};

const char* expr_op_name(ExprOp op);
const char* stmt_op_name(StmtOp op);
bool stmt_counts_step(StmtOp op);

inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFFu;
inline constexpr std::uint8_t kNegated = 0x80;  // Node::aux bit of negated flag reads

// Where a chain's elements come from. Snapshot: the region of a list-typed slot.
enum class Source : std::uint8_t { Q, QU, RQ, Subflows, Snapshot };

// Static origin of packets (language.md §7.6), carried by Drop and Push.
enum class Origin : std::uint8_t { None, Q, QU, RQ };

struct Node {
  ExprOp op{};
  std::uint8_t aux = 0;
  std::uint32_t a = kNoIndex;  // child node, chain (list ops) or slot (Local)
  std::uint32_t b = kNoIndex;  // child node or lambda
  std::int64_t imm = 0;
};

struct Instr {
  StmtOp op{};
  std::uint8_t aux = 0;  // register, origin
  std::uint32_t a = kNoIndex;
  std::uint32_t b = kNoIndex;
  std::uint32_t c = kNoIndex;
};

struct Chain {
  Source source{};
  bool packets = false;             // element type: packet (true) or subflow
  std::uint32_t slot = kNoIndex;    // Snapshot source: the list slot
  std::uint32_t first_filter = 0;   // index into lambdas
  std::uint32_t n_filters = 0;
  // Late materialisation (pass fuse-walks): the first `member_filters` filters are those of an unmaterialised list
  // variable. An element is fetched — its reference step counted — only once it passes them, as if the walk read
  // the variable's snapshot. 0: the step comes first, before every filter. kNoIndex (with no filters): the walk
  // counts no step at all (a TOP hoisted out of a lambda, whose fetches the LocalFetched reads count).
  std::uint32_t member_filters = 0;
};

struct Lambda {
  std::uint32_t param = kNoIndex;   // slot bound to the current element
  std::uint32_t body = kNoIndex;    // node
};

struct SlotInfo {
  std::string name;
  bool is_list = false;
  std::uint32_t region = kNoIndex;  // snapshot region of a list slot
};

struct Module {
  std::vector<Instr> code;
  // Parallel to `code` (profiles, docs/profiling.md): the line of the statement an instruction was lowered from, or
  // that a pass's replacement inherited; 0 for the final End. Not part of the semantics: engines ignore it. A module
  // built by hand may leave it empty.
  std::vector<std::uint32_t> lines;
  std::vector<Node> nodes;
  std::vector<Chain> chains;
  std::vector<Lambda> lambdas;
  std::vector<SlotInfo> slots;
  std::vector<std::string> strings;
  std::uint32_t n_regions = 0;      // snapshot regions: one per list slot and per materialising FOREACH
  std::uint32_t n_loops = 0;        // FOREACH statements
  std::vector<std::uint32_t> loop_region;  // per loop: its own region (ForeachChain) or kNoIndex
  std::string header_name;
};

}  // namespace progmp::ir

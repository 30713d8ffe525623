// The lowered program that engines execute (the "IR"): a compact, flat encoding of the checked syntax tree with
// specialised opcodes (one per property, per list source, per walk kind) so that an engine dispatches once per node.
// See docs/ir.md for the node encoding. Produced by ir::lower, printed by ir::format (`progmp dump`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "progmp/lang/ast.hpp"

namespace progmp::ir {

struct Module;  // defined in progmp/ir/nodes.hpp

// Lowers a checked program. Never fails: every checked program has an IR form.
std::shared_ptr<const Module> lower(const lang::Program& program);

// Readable listing of the IR (one node per line, indented by nesting), as printed by `progmp dump`.
std::string format(const Module& module);

// The PRINT format strings of the module, indexed by the string id carried in PRINT effects.
const std::vector<std::string>& strings(const Module& module);

}  // namespace progmp::ir

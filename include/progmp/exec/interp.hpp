// The reference interpreter: executes the IR of ir::lower directly. It never answers Unsupported.
#pragma once

#include <memory>

#include "progmp/exec/engine.hpp"
#include "progmp/ir/module.hpp"

namespace progmp::interp {

std::unique_ptr<Executable> make_executable(std::shared_ptr<const ir::Module> module);

}  // namespace progmp::interp

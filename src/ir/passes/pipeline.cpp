// The optimisation pipeline (progmp/ir/passes.hpp): constant-fold, dead-code, merge-blocks, in that order, on a
// copy of the lowered module.
#include "passes/pass_util.hpp"
#include "progmp/ir/passes.hpp"

namespace progmp::ir {
namespace {

struct PassEntry {
  const char* name;
  void (*run)(Module&);
};

constexpr PassEntry kPipeline[] = {
    {"constant-fold", passes::fold_constants},
    {"inline-vars", passes::inline_variables},
    {"hoist-invariants", passes::hoist_invariants},
    {"fuse-walks", passes::fuse_walks},
    {"dead-code", passes::eliminate_dead_code},
    {"merge-blocks", passes::merge_blocks},
};

}  // namespace

std::shared_ptr<const Module> optimise(const Module& module, std::vector<PassSnapshot>* trace) {
  auto m = std::make_shared<Module>(module);
  if (trace) trace->push_back(PassSnapshot{"lowered", format(*m)});
  for (const PassEntry& pass : kPipeline) {
    pass.run(*m);
    if (trace) trace->push_back(PassSnapshot{pass.name, format(*m)});
  }
  return m;
}

std::shared_ptr<const Module> lower_optimised(const lang::Program& program) { return optimise(*lower(program)); }

std::vector<std::string> pass_names() {
  std::vector<std::string> names;
  for (const PassEntry& pass : kPipeline) names.emplace_back(pass.name);
  return names;
}

}  // namespace progmp::ir

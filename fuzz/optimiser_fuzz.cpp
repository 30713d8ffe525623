// libFuzzer target for the IR optimiser: every input that compiles is lowered, optimised, and both modules run on
// the interpreter over random views (seeded from the input) with a large and a small step allowance. Any
// difference in end cause, steps, effects, PRINT values, registers or generator state aborts: the optimiser must
// keep every execution identical (runtime.md §7.2, §7.4). The optimised module must also survive a second pass
// of the pipeline unchanged in behaviour. Seeds: fuzz/corpus/optimiser/ (the library schedulers and pass examples).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string_view>

#include "exec/engine_compare.hpp"
#include "exec/random_view.hpp"
#include "progmp/exec/interp.hpp"
#include "progmp/ir/passes.hpp"
#include "progmp/lang/compile.hpp"

namespace {

using progmp::EffectLog;
using progmp::ExecResult;
using progmp::ExecScratch;
using progmp::ExecState;
using progmp::Executable;

void require(bool ok) {
  if (!ok) std::abort();
}

struct Run {
  ExecResult result;
  EffectLog log;
  ExecState state;
};

Run execute(const Executable& exe, const progmp::testing::ViewBuilder& vb, const ExecState& initial) {
  Run r;
  ExecScratch scratch;
  const progmp::SchedulerView v = vb.view();
  exe.prepare(v, scratch);
  r.log.reserve(v.q.size() + v.qu.size() + v.rq.size());
  r.state = initial;
  r.state.scratch = &scratch;
  r.result = exe.run(v, r.state, r.log);
  r.state.scratch = nullptr;
  return r;
}

bool same(const Run& a, const Run& b) {
  return a.result.end == b.result.end && a.result.steps == b.result.steps &&
         a.result.prints_suppressed == b.result.prints_suppressed && a.state.registers == b.state.registers &&
         a.state.rng == b.state.rng && progmp::testing::same_log(a.log, b.log);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  progmp::lang::CompileOutput out = progmp::lang::compile(source);
  if (!out.program) return 0;
  const std::shared_ptr<const progmp::ir::Module> lowered = progmp::ir::lower(*out.program);
  const std::shared_ptr<const progmp::ir::Module> optimised = progmp::ir::optimise(*lowered);
  const std::shared_ptr<const progmp::ir::Module> twice = progmp::ir::optimise(*optimised);
  const auto before = progmp::interp::make_executable(lowered);
  const auto after = progmp::interp::make_executable(optimised);
  const auto again = progmp::interp::make_executable(twice);

  // Views and states from the input, so that a crashing input reproduces.
  std::uint64_t seed = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 0x100000001b3ull;
  std::mt19937_64 rng(seed);
  for (int v = 0; v < 4; ++v) {
    const progmp::testing::ViewBuilder vb = progmp::testing::random_view(rng, v % 2 == 1);
    const std::uint64_t allowance = v < 2 ? 100'000 : rng() % 40;
    const ExecState initial = progmp::testing::random_state(rng, allowance);
    const Run a = execute(*before, vb, initial);
    require(same(a, execute(*after, vb, initial)));
    require(same(a, execute(*again, vb, initial)));
  }
  return 0;
}

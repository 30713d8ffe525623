// Test helper: a view built by hand (view_records.hpp) and sources compiled to executables, so engine tests can
// state a view in a few lines and run one execution.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "progmp/exec/interp.hpp"
#include "progmp/ir/nodes.hpp"
#include "progmp/lang/compile.hpp"
#include "view_records.hpp"

namespace progmp::testing {

inline std::shared_ptr<const ir::Module> compile_ok(const std::string& src) {
  lang::CompileOutput out = lang::compile(src);
  EXPECT_TRUE(out.program.has_value()) << lang::format_diagnostics_text(out.diagnostics, "<test>", src);
  if (!out.program) return nullptr;
  return ir::lower(*out.program);
}

// One execution of `src` over `vb` with fresh scratch; registers/rng in `state` persist across calls.
struct Outcome {
  ExecResult result;
  EffectLog log;
};

inline Outcome execute(const std::string& src, const ViewBuilder& vb, ExecState& state) {
  Outcome r;
  auto module = compile_ok(src);
  if (!module) return r;
  auto exe = interp::make_executable(module);
  ExecScratch scratch;
  const SchedulerView v = vb.view();
  exe->prepare(v, scratch);
  r.log.reserve(v.q.size() + v.qu.size() + v.rq.size());
  state.scratch = &scratch;
  r.result = exe->run(v, state, r.log);
  state.scratch = nullptr;
  return r;
}

inline Outcome execute(const std::string& src, const ViewBuilder& vb) {
  ExecState state;
  return execute(src, vb, state);
}

// The actions (not pops/prints) of a log as compact text: "PUSH 2 14000 Q", "DROP 0 RQ", "SET_USER 1 42".
inline std::vector<std::string> actions(const EffectLog& log, const ViewBuilder& vb) {
  std::vector<std::string> out;
  for (const Effect& e : log.entries()) {
    switch (e.kind) {
      case EffectKind::Push:
        out.push_back("PUSH " + std::to_string(vb.subflows[e.subflow].id) + " " + std::to_string(e.packet->seq) +
                      " " + queue_name(e.queue));
        break;
      case EffectKind::Drop:
        out.push_back("DROP " + std::to_string(e.packet->seq) + " " + queue_name(e.queue));
        break;
      case EffectKind::SetUser:
        out.push_back("SET_USER " + std::to_string(vb.subflows[e.subflow].id) + " " + std::to_string(e.value));
        break;
      case EffectKind::Pop:
        out.push_back("POP " + std::string(queue_name(e.queue)) + " " + std::to_string(e.packet->seq));
        break;
      case EffectKind::Print: out.push_back("PRINT"); break;
    }
  }
  return out;
}

}  // namespace progmp::testing

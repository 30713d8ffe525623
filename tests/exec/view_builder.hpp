// Test helper: owns the records behind a SchedulerView and compiles sources to executables, so engine tests can
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

namespace progmp::testing {

struct ViewBuilder {
  std::vector<SubflowSnapshot> subflows;
  std::deque<PacketMeta> packets;  // stable addresses
  std::vector<const PacketMeta*> q, qu, rq;
  std::int64_t now_us = 0;
  std::int64_t window_end = kUnlimitedWindow;
  std::int64_t mss = 1400;

  SubflowSnapshot& subflow(std::int64_t id, std::int64_t rtt_us = 10000, std::int64_t cwnd = 10,
                           std::int64_t in_flight = 0) {
    SubflowSnapshot s;
    s.id = id;
    s.rtt_us = rtt_us;
    s.cwnd = cwnd;
    s.skbs_in_flight = in_flight;
    s.slot = static_cast<std::uint8_t>(subflows.size());
    subflows.push_back(s);
    return subflows.back();
  }
  // A packet in Q (unsent).
  PacketMeta& unsent(std::int64_t seq, std::int64_t length = 1400) {
    packets.push_back(PacketMeta{seq, length, 0, 0, 0, false, true, false, false});
    q.push_back(&packets.back());
    return packets.back();
  }
  // A packet in QU, pushed on the subflows at the given positions (slots).
  PacketMeta& sent(std::int64_t seq, std::vector<int> on = {}, std::int64_t length = 1400) {
    std::uint64_t mask = 0;
    for (int i : on) mask |= std::uint64_t{1} << subflows.at(static_cast<std::size_t>(i)).slot;
    packets.push_back(PacketMeta{seq, length, 0, 0, mask, false, false, true, false});
    qu.push_back(&packets.back());
    return packets.back();
  }
  void reinject(const PacketMeta& p) { rq.push_back(&p); }

  SchedulerView view() const {
    SchedulerView v;
    v.subflows = subflows;
    v.q = q;
    v.qu = qu;
    v.rq = rq;
    v.now_us = now_us;
    v.window_end = window_end;
    v.mss = mss;
    return v;
  }
};

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

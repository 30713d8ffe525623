// Test support: a scripted engine and a fake compiler, so that the runtime's calling model, settling and applying
// can be tested exactly, independent of the language front end and the interpreter. A scripted program is a C++
// function that plays one execution: it reads the view and appends effects to the log the way an engine would
// (POP entries, then actions), and returns the result (end cause, steps).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "progmp/exec/engine.hpp"
#include "progmp/runtime/builtin.hpp"
#include "progmp/runtime/program.hpp"

namespace progmp::testing {

using ScriptFn = std::function<ExecResult(const SchedulerView&, ExecState&, EffectLog&)>;

class ScriptedExecutable final : public Executable {
 public:
  explicit ScriptedExecutable(ScriptFn fn) : fn_(std::move(fn)) {}
  std::string_view engine_name() const override { return "scripted"; }
  void prepare(const SchedulerView&, ExecScratch&) const override { ++prepares; }
  ExecResult run(const SchedulerView& view, ExecState& state, EffectLog& log) const override {
    ++runs;
    return fn_(view, state, log);
  }
  mutable int runs = 0;
  mutable int prepares = 0;

 private:
  ScriptFn fn_;
};

// Effect helpers in engine style.
inline void pop(EffectLog& log, QueueId q, const PacketMeta* p) { log.pop(q, p); }
inline bool push(EffectLog& log, std::size_t subflow_pos, const PacketMeta* p, QueueId origin) {
  return log.try_action(Effect{EffectKind::Push, origin, static_cast<std::uint8_t>(subflow_pos), 0, p, 0});
}
inline bool drop(EffectLog& log, const PacketMeta* p, QueueId origin) {
  return log.try_action(Effect{EffectKind::Drop, origin, 0, 0, p, 0});
}
inline bool set_user(EffectLog& log, std::size_t subflow_pos, std::int64_t v) {
  return log.try_action(Effect{EffectKind::SetUser, QueueId::Q, static_cast<std::uint8_t>(subflow_pos), 0, nullptr, v});
}
inline ExecResult done(std::uint64_t steps = 1, EndCause end = EndCause::End) { return ExecResult{end, steps, 0}; }
inline ExecResult step_limit(const ExecState& st) { return ExecResult{EndCause::StepLimit, st.allowance + 1, 0}; }

// A C++ rendering of builtin_minrtt (runtime.md §2.4) for scripted tests: one packet per execution, reinjections
// first, each on the lowest-RTT open subflow (ties: lowest position). Steps are 1 per execution.
inline ExecResult scripted_minrtt(const SchedulerView& v, ExecState&, EffectLog& log) {
  auto open = [&](std::size_t i) {
    const SubflowSnapshot& s = v.subflows[i];
    return s.cwnd > s.skbs_in_flight + s.queued && !s.lossy && !s.throttled;
  };
  auto fits = [&](const PacketMeta* p) { return p->seq + p->length <= v.window_end; };
  if (!v.rq.empty()) {
    const PacketMeta* lost = v.rq[0];
    std::ptrdiff_t best = -1;
    for (std::size_t i = 0; i < v.subflows.size(); ++i) {
      if (!open(i) || v.sent_on(*lost, i) || !fits(lost)) continue;
      if (best < 0 || v.subflows[i].rtt_us < v.subflows[static_cast<std::size_t>(best)].rtt_us) best = static_cast<std::ptrdiff_t>(i);
    }
    if (best >= 0) {
      pop(log, QueueId::RQ, lost);
      push(log, static_cast<std::size_t>(best), lost, QueueId::RQ);
      return done(1, EndCause::Return);
    }
  }
  if (v.q.empty()) return done();
  const PacketMeta* next = v.q[0];
  bool any_primary = false;
  for (const auto& s : v.subflows) any_primary = any_primary || !s.is_backup;
  std::ptrdiff_t best = -1;
  for (std::size_t i = 0; i < v.subflows.size(); ++i) {
    if (!open(i) || !fits(next) || (any_primary && v.subflows[i].is_backup)) continue;
    if (best < 0 || v.subflows[i].rtt_us < v.subflows[static_cast<std::size_t>(best)].rtt_us) best = static_cast<std::ptrdiff_t>(i);
  }
  if (best < 0) return done();
  pop(log, QueueId::Q, next);
  push(log, static_cast<std::size_t>(best), next, QueueId::Q);
  return done();
}

// Maps source texts to scripted programs. The builtin_minrtt source maps to scripted_minrtt.
class FakePrograms {
 public:
  FakePrograms() { add(std::string(runtime::builtin_minrtt_source()), scripted_minrtt); }

  // Registers `source` (returned for convenience) as a program running `fn`; `header` is its SCHEDULER name.
  // `accelerated`, if given, plays the faster engine that EngineChoice::Auto prefers (it may answer Unsupported).
  std::string add(std::string source, ScriptFn fn, std::string header = {}, std::vector<std::string> strings = {},
                  ScriptFn accelerated = {}) {
    Entry e;
    e.exe = std::make_shared<ScriptedExecutable>(std::move(fn));
    if (accelerated) e.accelerated = std::make_shared<ScriptedExecutable>(std::move(accelerated));
    e.header = std::move(header);
    e.strings = std::move(strings);
    programs_[source] = std::move(e);
    return source;
  }
  const ScriptedExecutable& exe(const std::string& source) const { return *programs_.at(source).exe; }
  const ScriptedExecutable& accelerated(const std::string& source) const { return *programs_.at(source).accelerated; }

  runtime::ProgramCompiler compiler() {
    return [this](std::string_view src) {
      runtime::CompiledCode out;
      auto it = programs_.find(std::string(src));
      if (it == programs_.end()) {
        lang::Diagnostic d;
        d.severity = lang::Severity::Error;
        d.code = "E0102";
        d.line = 1;
        d.col = 1;
        d.message = "expected a statement, found end of input";
        out.diagnostics.push_back(d);
        return out;
      }
      out.ok = true;
      out.header_name = it->second.header;
      out.interp = it->second.exe;
      out.accelerated = it->second.accelerated;
      out.strings = it->second.strings;
      return out;
    };
  }

 private:
  struct Entry {
    std::shared_ptr<ScriptedExecutable> exe;
    std::shared_ptr<ScriptedExecutable> accelerated;
    std::string header;
    std::vector<std::string> strings;
  };
  std::map<std::string, Entry> programs_;
};

}  // namespace progmp::testing

// Test support: a runtime over the model transport with scripted programs, a trace and a captured process log.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "invariants.hpp"
#include "progmp/runtime/model_transport.hpp"
#include "progmp/runtime/runtime.hpp"
#include "scripted_engine.hpp"

namespace progmp::testing {

inline runtime::SubflowValues sf(std::int64_t rtt_us, std::int64_t cwnd = 10, std::int64_t in_flight = 0) {
  runtime::SubflowValues v;
  v.srtt_us = rtt_us;
  v.cwnd = cwnd;
  v.in_flight = in_flight;
  return v;
}

struct Harness {
  explicit Harness(runtime::RuntimeConfig cfg = {})
      : programs(std::make_unique<FakePrograms>()), rt(model, cfg, programs->compiler()) {
    model.attach(rt);
    rt.set_log([this](std::string_view line) { log.emplace_back(line); });
    rt.set_trace(&trace, 2);
  }

  // Loads `fn` as scheduler `name` and makes it the default; returns the source key.
  std::string load(const std::string& name, ScriptFn fn, std::vector<std::string> strings = {},
                   ScriptFn accelerated = {}) {
    const std::string src = "// scripted " + name + " " + std::to_string(counter++);
    programs->add(src, std::move(fn), {}, std::move(strings), std::move(accelerated));
    runtime::LoadResult r = rt.load_scheduler(name, src);
    EXPECT_EQ(r.status, runtime::Status::Ok);
    EXPECT_EQ(rt.set_default_scheduler(name), runtime::Status::Ok);
    return src;
  }

  runtime::ConnId open(runtime::ConnId id = 1) {
    model.open(id);
    return id;
  }

  runtime::ConnectionSnapshot snap(runtime::ConnId c = 1) const {
    runtime::ConnectionSnapshot s;
    rt.snapshot(c, s);
    return s;
  }
  runtime::ConnectionStats stats(runtime::ConnId c = 1) const {
    runtime::ConnectionStats s;
    rt.connection_stats(c, s);
    return s;
  }
  // Trace lines of one kind ("round", "exec", "diag", ...).
  std::vector<std::string> records(const std::string& kind) const {
    std::vector<std::string> out;
    for (const std::string& l : trace.lines) {
      if (l.find("\"kind\":\"" + kind + "\"") != std::string::npos) out.push_back(l);
    }
    return out;
  }

  // Declared before the runtime, which may still write to them while it closes its connections.
  std::unique_ptr<FakePrograms> programs;
  runtime::MemoryTraceSink trace;
  std::vector<std::string> log;
  runtime::ModelTransport model;
  runtime::Runtime rt;
  int counter = 0;
};

// Records every execution report of a round (deep copies).
struct Recorder final : runtime::RoundObserver {
  struct Exec {
    runtime::ExecutionReport rep;
    std::vector<runtime::ActionReport> actions;
    std::vector<runtime::PopReport> pops;
    std::vector<std::string> prints;
  };
  void on_execution(const runtime::ExecutionReport& r) override {
    Exec e;
    e.rep = r;
    e.actions.assign(r.actions.begin(), r.actions.end());
    e.pops.assign(r.pops.begin(), r.pops.end());
    e.prints.assign(r.prints.begin(), r.prints.end());
    e.rep.actions = {};
    e.rep.pops = {};
    e.rep.prints = {};
    e.rep.discarded_prints = {};
    execs.push_back(std::move(e));
  }
  std::vector<Exec> execs;
};

}  // namespace progmp::testing

namespace progmp::testing {

inline ExecResult noop(const SchedulerView&, ExecState&, EffectLog&) { return done(); }

// Runs `fn` on the first execution and does nothing afterwards (so a round ends right after the interesting one).
inline ScriptFn once(ScriptFn fn) {
  auto used = std::make_shared<bool>(false);
  return [fn = std::move(fn), used](const SchedulerView& v, ExecState& st, EffectLog& log) {
    if (*used) return done();
    *used = true;
    return fn(v, st, log);
  };
}

// A runtime with one connection (id 1) whose scheduler "s" runs `script`, which tests replace at will. The model
// does not poll on its own: tests decide when rounds run (API calls still poll, as the spec requires).
struct Rig {
  explicit Rig(runtime::RuntimeConfig cfg = {}) : h(cfg) {
    src = h.load("s", [this](const SchedulerView& v, ExecState& st, EffectLog& log) { return script(v, st, log); });
    h.model.set_auto_poll(false);
    h.open(1);
  }
  runtime::SubflowId subflow(std::int64_t rtt_us, std::int64_t cwnd = 10, std::int64_t in_flight = 0) {
    return h.model.add_subflow(1, sf(rtt_us, cwnd, in_flight));
  }
  // Sends n full packets (mss 1400) with a no-op scheduler for the round that send runs.
  void send_packets(int n, runtime::SendOptions opt = {}) {
    ScriptFn keep = script;
    script = noop;
    h.rt.send(1, static_cast<std::size_t>(n) * 1400, opt);
    script = keep;
  }
  // Raises a trigger and runs one round, recording its executions.
  runtime::RoundSummary round() {
    rec = Recorder{};
    h.rt.on_send_space(1, 0);
    auto s = h.rt.poll(1, rec);
    EXPECT_TRUE(s.has_value());
    return s.value_or(runtime::RoundSummary{});
  }
  // Runs one round with `fn` as the scheduler for its first execution only.
  runtime::RoundSummary round_once(ScriptFn fn) {
    script = once(std::move(fn));
    runtime::RoundSummary s = round();
    script = noop;
    return s;
  }
  runtime::ConnectionSnapshot snap() const { return h.snap(1); }
  runtime::ConnectionStats stats() const { return h.stats(1); }
  const PacketMeta* packet(const SchedulerView& v, std::int64_t seq) const {
    for (auto q : {v.q, v.qu, v.rq}) {
      for (const PacketMeta* p : q) {
        if (p->seq == seq) return p;
      }
    }
    return nullptr;
  }

  Harness h;
  ScriptFn script = noop;
  std::string src;
  Recorder rec;
};

}  // namespace progmp::testing

namespace progmp::testing {

// "PUSH 1 0 Q queued|DROP 0 Q removed|SET_USER 1 5 changed": subflow ID, SEQ, origin, result.
inline std::string acts(const Recorder::Exec& e) {
  std::string out;
  for (const runtime::ActionReport& a : e.actions) {
    if (!out.empty()) out += '|';
    switch (a.op) {
      case EffectKind::Push:
        out += "PUSH " + std::to_string(a.subflow) + " " + std::to_string(a.seq) + " " + queue_name(a.origin);
        break;
      case EffectKind::Drop:
        out += "DROP " + std::to_string(a.seq) + " " + queue_name(a.origin);
        break;
      default:
        out += "SET_USER " + std::to_string(a.subflow) + " " + std::to_string(a.value);
        break;
    }
    out += std::string(" ") + runtime::action_result_name(a.result);
  }
  return out;
}

// "Q 0 kept_out|RQ 1400 returned".
inline std::string pops(const Recorder::Exec& e) {
  std::string out;
  for (const runtime::PopReport& p : e.pops) {
    if (!out.empty()) out += '|';
    out += std::string(queue_name(p.queue)) + " " + std::to_string(p.seq) + " " + runtime::pop_outcome_name(p.outcome);
  }
  return out;
}

// The text of a library scheduler (schedulers/NAME).
inline std::string library_source(const std::string& name) {
  std::ifstream in(std::string(PROGMP_SOURCE_DIR) + "/schedulers/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Opens connection 1 with a fast (10 ms, cwnd 4) and a slow (30 ms, cwnd 3) subflow, sends 12 packets and returns
// the SEQs queued on each subflow and what is left in Q: what engines are compared by.
inline std::vector<std::vector<std::int64_t>> two_path_burst(runtime::Runtime& rt, runtime::ModelTransport& model) {
  model.open(1);
  const runtime::SubflowId fast = model.add_subflow(1, sf(10000, 4));
  const runtime::SubflowId slow = model.add_subflow(1, sf(30000, 3));
  rt.send(1, 12 * 1400);
  std::vector<std::vector<std::int64_t>> out(3);
  for (const auto& copy : model.subflow(1, fast).queue) out[0].push_back(copy.seq);
  for (const auto& copy : model.subflow(1, slow).queue) out[1].push_back(copy.seq);
  runtime::ConnectionSnapshot s;
  rt.snapshot(1, s);
  out[2] = s.q;
  return out;
}

}  // namespace progmp::testing

// The scheduling round (runtime.md §6.1) and one execution (§7): view construction, the engine call with
// rerouting of Unsupported executions (§7.6), abort rollback (§7.3), PRINT output with its rate limit (§12.2),
// budget exhaustion and fallback (§6.4), and what happens after a round (idle timer §5, stall warning §9).
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "connection.hpp"
#include "json_writer.hpp"

namespace progmp::runtime {
namespace {

constexpr std::int64_t kMicroLines = 1'000'000;  // one PRINT line in the token bucket

RoundEnd abort_round_end(ExecEnd e) {
  switch (e) {
    case ExecEnd::RoundSteps: return RoundEnd::RoundSteps;
    case ExecEnd::ActionLimit: return RoundEnd::ActionLimit;
    default: return RoundEnd::StepLimit;
  }
}

}  // namespace

void Connection::build_subflow_view() {
  ExecWorkspace& ws = shared_.ws;
  ws.subflows.clear();
  ws.subflow_record.clear();
  Transport& tr = *shared_.transport;
  SubflowValues v;
  for (std::size_t i = 0; i < subflows_.size(); ++i) {
    const SubflowRecord& rec = subflows_[i];
    if (!rec.available) continue;
    v = SubflowValues{};
    tr.subflow_values(id_, rec.id, v);
    SubflowSnapshot s;
    s.id = rec.id;
    s.rtt_us = v.srtt_us;
    s.rtt_var_us = v.rttvar_us;
    s.cwnd = v.cwnd;
    s.ssthresh = v.ssthresh;
    s.skbs_in_flight = v.in_flight;
    s.queued = v.queued;
    s.lost_skbs = v.lost;
    s.has_delay_in = v.delay_in_us.has_value();
    s.delay_in_us = v.delay_in_us.value_or(0);
    s.has_delay_out = v.delay_out_us.has_value();
    s.delay_out_us = v.delay_out_us.value_or(0);
    s.bw_out_send = rec.send_est.value(now_us_);
    s.bw_out_ack = rec.ack_est.value(now_us_);
    s.bw = v.delivery_rate;
    s.loss_rate = v.loss_rate_permille;
    s.user = rec.user;
    s.is_backup = v.backup;
    s.throttled = v.throttled;
    s.lossy = v.in_rto_recovery;
    s.slot = rec.slot;
    ws.subflows.push_back(s);  // capacity kMaxSubflows: on_subflow_up admits no more
    ws.subflow_record.push_back(i);
  }
}

RoundSummary Connection::run_round(const RoundOptions& opt) {
  RoundSummary sum;
  sum.reasons = triggers_;
  triggers_ = 0;
  Transport& tr = *shared_.transport;
  const RuntimeConfig& cfg = shared_.config;
  if (timer_armed_) {
    tr.cancel_timer(id_);
    timer_armed_ = false;
  }
  now_us_ = tr.now_us(id_);
  window_end_ = tr.window_end(id_);
  mss_ = tr.mss(id_);
  sum.fallback = fallback_active_ && shared_.builtin != nullptr;
  const CompiledProgram& prog = sum.fallback ? *shared_.builtin : *program_;
  running_ = &prog;

  // Refill the PRINT bucket for the time elapsed since the last round (the clock stands still within a round).
  const std::int64_t bucket_cap = cfg.print_burst * kMicroLines;
  if (print_refill_us_ && now_us_ > *print_refill_us_) {
    const std::int64_t elapsed = now_us_ - *print_refill_us_;
    const std::int64_t rate = std::max<std::int64_t>(1, cfg.print_lines_per_second);
    const std::int64_t gain = elapsed >= bucket_cap / rate ? bucket_cap : elapsed * rate;
    print_tokens_ = std::min(bucket_cap, print_tokens_ + gain);
  }
  print_refill_us_ = now_us_;

  // Execution cap from the sizes at round start (§6.1), computed without overflow.
  std::size_t available = 0;
  for (const SubflowRecord& s : subflows_) available += s.available ? 1 : 0;
  const unsigned __int128 items = q_.size() + qu_.size() + rq_.size();
  const unsigned __int128 want =
      cfg.exec_cap_base + static_cast<unsigned __int128>(cfg.exec_cap_per_item) * items * std::max<std::size_t>(1, available);
  const std::uint64_t cap = want < cfg.max_executions_per_round ? static_cast<std::uint64_t>(want)
                                                                : cfg.max_executions_per_round;

  const bool record = opt.observer != nullptr || trace_on(2);
  Stats d;
  d.rounds = 1;
  std::uint64_t left = cfg.max_steps_per_round;
  std::uint64_t n = 0;
  std::uint32_t streak = 0;
  RoundEnd end = RoundEnd::NoProgress;
  for (;;) {
    if (n == cap) {
      end = RoundEnd::ExecCap;
      break;
    }
    if (opt.max_executions != 0 && n == opt.max_executions) {
      end = RoundEnd::ExecutionsLimit;
      break;
    }
    const bool round_bound = left < cfg.max_steps_per_execution;
    const std::uint64_t allowance = std::min(cfg.max_steps_per_execution, left);
    ++n;
    const ExecOutcome o = execute(prog, static_cast<std::uint32_t>(n), allowance, round_bound, d, opt.observer, record);
    left = o.steps >= left ? 0 : left - o.steps;
    sum.steps += o.steps;
    if (o.aborted) {
      end = o.abort_cause;
      break;
    }
    if (o.progress == Progress::Packet) {
      streak = 0;
      sum.packet_progress = true;
    } else if (o.progress == Progress::State) {
      if (++streak >= cfg.state_only_streak) {
        end = RoundEnd::StateOnlyLimit;
        break;
      }
    } else {
      end = RoundEnd::NoProgress;
      break;
    }
    if (q_.empty() && qu_.empty() && rq_.empty()) {
      end = RoundEnd::Idle;
      break;
    }
  }
  sum.end = end;
  sum.executions = n;
  sum.pushes = d.pushes_queued;
  if (is_exhaustion(end)) exhausted(end, d);
  stats_.add(d);
  prog.usage->stats.add(d);
  after_round(sum.packet_progress);

  if (trace_on(1)) {
    std::string& line = shared_.ws.line;
    JsonWriter w = begin_record("round");
    w.key("reasons").begin_array();
    for (int i = 0; i < kTriggerCount; ++i) {
      const auto t = static_cast<Trigger>(1u << i);
      if (sum.reasons & static_cast<std::uint16_t>(t)) w.value(trigger_name(t));
    }
    w.end_array();
    w.field("executions", sum.executions).field("steps", sum.steps).field("pushes", sum.pushes);
    w.field("end", round_end_name(end));
    w.end_object();
    shared_.trace.sink->write(line);
  }
  running_ = nullptr;
  return sum;
}

Connection::ExecOutcome Connection::execute(const CompiledProgram& prog, std::uint32_t index,
                                            std::uint64_t allowance, bool round_bound, Stats& d,
                                            RoundObserver* observer, bool record) {
  ExecWorkspace& ws = shared_.ws;
  build_subflow_view();
  SchedulerView view;
  view.subflows = ws.subflows;
  view.q = q_.span();
  view.qu = qu_.span();
  view.rq = rq_.span();
  view.now_us = now_us_;
  view.window_end = window_end_;
  view.mss = mss_;

  // Growth happens here, between executions (§10.2): the log, the settle list and the engine's scratch.
  const std::size_t max_pops = q_.size() + qu_.size() + rq_.size();
  ws.log.reserve(max_pops);
  ws.log.clear();
  if (ws.touched.capacity() < max_pops) ws.touched.reserve(max_pops);
  // Profiling runs the counting interpreter: machine-code engines have no counters (all engines agree anyway).
  ProgramProfile* const profile = shared_.profiling ? &prog.usage->profile : nullptr;
  const Executable& exe = profile ? *prog.interp : executable_for(prog);
  exe.prepare(view, ws.scratch);

  ExecState st;
  st.registers = registers_;
  st.rng = rng_;
  st.allowance = allowance;
  st.scratch = &ws.scratch;
  if (profile) st.instr_counts = profile->instr_counts;
  const auto t0 = std::chrono::steady_clock::now();
  ExecResult r = exe.run(view, st, ws.log);
  if (r.end == EndCause::Unsupported) {
    // No effect at all (§7.6): discard the log, start again from the saved state on the interpreter.
    ++d.executions_rerouted;
    ws.log.clear();
    st.registers = registers_;
    st.rng = rng_;
    st.allowance = allowance;
    prog.interp->prepare(view, ws.scratch);
    r = prog.interp->run(view, st, ws.log);
    if (r.end == EndCause::Unsupported) throw std::logic_error("the interpreter answered unsupported");
  }
  const auto t1 = std::chrono::steady_clock::now();
  const auto ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  d.add_exec_time(ns);
  ++d.executions;
  d.steps += r.steps;
  if (profile) {
    ++profile->executions;
    profile->time_ns += ns;
    profile->steps += r.steps;
  }

  ExecOutcome o;
  o.steps = r.steps;
  ExecutionReport rep;
  rep.index = index;
  rep.steps = r.steps;
  if (r.end == EndCause::StepLimit || r.end == EndCause::ActionLimit) {
    // Abort (§7.3): registers and generator were only changed in `st`; the log is simply dropped.
    ++d.executions_aborted;
    const ExecEnd e = r.end == EndCause::ActionLimit ? ExecEnd::ActionLimit
                      : round_bound                  ? ExecEnd::RoundSteps
                                                     : ExecEnd::StepLimit;
    o.aborted = true;
    o.abort_cause = abort_round_end(e);
    if (profile) ++profile->ends[static_cast<std::size_t>(e)];
    if (record) {
      ws.n_prints = 0;
      if (observer) {
        for (const Effect& ef : ws.log.entries()) {
          if (ef.kind != EffectKind::Print) continue;
          const auto sid = static_cast<std::size_t>(ef.value);
          ws.formatter.format(ws.prints[ws.n_prints++], sid < prog.strings.size() ? prog.strings[sid] : "",
                              ws.log.prints()[ef.print], prog.strings);
        }
      }
      rep.end = e;
      rep.aborted = true;
      rep.registers = registers_;
      rep.discarded = ws.log.actions();
      rep.discarded_prints = std::span<const std::string>(ws.prints.data(), ws.n_prints);
      if (observer) observer->on_execution(rep);
      if (trace_on(2)) write_exec_record(rep);
    }
    return o;
  }

  if (profile) ++profile->ends[static_cast<std::size_t>(r.end == EndCause::Return ? ExecEnd::Return : ExecEnd::End)];
  const std::array<std::int64_t, 6> before = registers_;
  registers_ = st.registers;
  rng_ = st.rng;
  write_prints(prog, d, record);
  d.prints_suppressed += r.prints_suppressed;
  prints_pending_suppressed_ += r.prints_suppressed;
  Progress p = settle_and_apply(d, record);
  if (p == Progress::None && registers_ != before) p = Progress::State;
  o.progress = p;
  if (record) {
    rep.end = r.end == EndCause::Return ? ExecEnd::Return : ExecEnd::End;
    rep.actions = ws.actions;
    rep.pops = ws.pops;
    rep.registers = registers_;
    rep.prints = std::span<const std::string>(ws.prints.data(), ws.n_prints);
    rep.progress = p;
    if (observer) observer->on_execution(rep);
    if (trace_on(2)) write_exec_record(rep);
  }
  return o;
}

void Connection::write_prints(const CompiledProgram& prog, Stats& d, bool record) {
  ExecWorkspace& ws = shared_.ws;
  const RuntimeConfig& cfg = shared_.config;
  const bool sink = trace_on(0);
  ws.n_prints = 0;
  for (const Effect& e : ws.log.entries()) {
    if (e.kind != EffectKind::Print) continue;
    const bool allowed = !cfg.print_rate_limit || print_tokens_ >= kMicroLines;
    if (sink || record) {
      const auto sid = static_cast<std::size_t>(e.value);
      ws.formatter.format(ws.prints[ws.n_prints++], sid < prog.strings.size() ? prog.strings[sid] : "",
                          ws.log.prints()[e.print], prog.strings);
    }
    if (!allowed) {
      ++d.prints_suppressed;
      ++prints_pending_suppressed_;
      continue;
    }
    if (cfg.print_rate_limit) print_tokens_ -= kMicroLines;
    ++d.prints;
    if (sink) {
      if (prints_pending_suppressed_ > 0) write_print_suppressed();
      JsonWriter w = begin_record("print");
      w.field("text", std::string_view(ws.prints[ws.n_prints - 1]));
      w.end_object();
      shared_.trace.sink->write(ws.line);
    }
  }
}

void Connection::exhausted(RoundEnd cause, Stats& d) {
  ++d.budget_exhausted;
  ++exhaustions_;
  if (!r0002_) {
    r0002_ = true;
    std::string msg = "scheduler budget exhausted (";
    msg += round_end_name(cause);
    msg += "); the round was cut short";
    emit_diag("warning", "R0002", msg, {}, 0, {}, 0, "cause", round_end_name(cause));
  }
  if (!fallback_active_ && exhaustions_ >= shared_.config.fallback_after) {
    fallback_active_ = true;
    ++d.fallbacks;
    const std::string msg = "scheduler exhausted its budget " + std::to_string(shared_.config.fallback_after) +
                            " times; connection falls back to builtin_minrtt";
    emit_diag("error", "R0003", msg);
  }
}

void Connection::after_round(bool packet_progress) {
  Transport& tr = *shared_.transport;
  const bool waiting = !q_.empty() || !rq_.empty();
  bool any_subflow = false;
  bool busy = false;
  if (waiting) {
    SubflowValues v;
    for (const SubflowRecord& s : subflows_) {
      if (!s.available) continue;
      any_subflow = true;
      v = SubflowValues{};
      tr.subflow_values(id_, s.id, v);
      if (v.in_flight > 0 || v.queued > 0) busy = true;
    }
  }
  // Idle timer (§5): nothing in flight or queued means no acknowledgement will bring the next round.
  if (waiting && any_subflow && !busy) {
    tr.arm_timer(id_, now_us_ + shared_.config.idle_tick_ms * 1000);
    timer_armed_ = true;
  }
  // Stall warning (§9): measured from the first round after the last packet progress that found data waiting.
  const bool stalled = waiting && any_subflow;
  if (packet_progress) {
    stall_warned_ = false;
    stall_since_us_.reset();
    if (stalled) stall_since_us_ = now_us_;
  } else if (stalled) {
    if (!stall_since_us_) stall_since_us_ = now_us_;
    const std::int64_t waited = now_us_ - *stall_since_us_;
    if (!stall_warned_ && waited >= shared_.config.stall_warn_ms * 1000) {
      stall_warned_ = true;
      const std::string msg =
          "no packet scheduled for " + std::to_string(waited / 1000) + " ms although data is waiting";
      emit_diag("warning", "R0004", msg, "q", static_cast<std::int64_t>(q_.size()), "rq",
                static_cast<std::int64_t>(rq_.size()));
    }
  } else {
    stall_since_us_.reset();
  }
}

}  // namespace progmp::runtime

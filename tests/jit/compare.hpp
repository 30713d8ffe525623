// Test helpers of the JIT suite: one execution on the interpreter and on another engine over the same view and
// state, compared field by field (end cause, reference steps, prints suppressed, registers, generator state and the
// whole effect log including PRINT values). A disagreement is reported with the program and the view.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "exec/view_builder.hpp"
#include "progmp/exec/engine.hpp"

namespace progmp::testing {

inline std::string describe_view(const ViewBuilder& vb) {
  std::ostringstream s;
  s << "view: now_us=" << vb.now_us << " window_end=" << vb.window_end << " mss=" << vb.mss << "\n";
  for (const SubflowSnapshot& f : vb.subflows)
    s << "  subflow id=" << f.id << " slot=" << int(f.slot) << " rtt_us=" << f.rtt_us << " rtt_var_us="
      << f.rtt_var_us << " cwnd=" << f.cwnd << " ssthresh=" << f.ssthresh << " in_flight=" << f.skbs_in_flight
      << " queued=" << f.queued << " lost=" << f.lost_skbs << " delay_in=" << (f.has_delay_in ? "" : "(unknown)")
      << f.delay_in_us << " delay_out=" << (f.has_delay_out ? "" : "(unknown)") << f.delay_out_us
      << " bw_send=" << f.bw_out_send << " bw_ack=" << f.bw_out_ack << " bw=" << f.bw << " loss=" << f.loss_rate
      << " user=" << f.user << " backup=" << f.is_backup << " throttled=" << f.throttled << " lossy=" << f.lossy
      << "\n";
  auto queue = [&](const char* name, const std::vector<const PacketMeta*>& q) {
    s << "  " << name << ":";
    for (const PacketMeta* p : q)
      s << " {seq=" << p->seq << " len=" << p->length << " user=" << p->user << " t_app=" << p->t_app_us
        << " sent_on=" << p->sent_on << " psh=" << p->psh << "}";
    s << "\n";
  };
  queue("Q", vb.q);
  queue("QU", vb.qu);
  queue("RQ", vb.rq);
  return s.str();
}

inline std::string describe_log(const EffectLog& log) {
  std::ostringstream s;
  for (const Effect& e : log.entries()) {
    s << "  kind=" << int(e.kind) << " queue=" << int(e.queue) << " subflow=" << int(e.subflow)
      << " packet=" << (e.packet ? e.packet->seq : -1) << " value=" << e.value;
    if (e.kind == EffectKind::Print) {
      const PrintValue& pv = log.prints()[e.print];
      s << " print{kind=" << int(pv.kind) << " value=" << pv.value << " elems=" << pv.n_elems << ":";
      for (std::uint32_t i = 0; i < pv.n_elems; ++i) s << " " << pv.elems[i];
      s << "}";
    }
    s << "\n";
  }
  return s.str();
}

inline bool same_log(const EffectLog& a, const EffectLog& b) {
  if (a.entries().size() != b.entries().size() || a.prints().size() != b.prints().size()) return false;
  if (a.actions() != b.actions()) return false;
  for (std::size_t i = 0; i < a.entries().size(); ++i) {
    const Effect& x = a.entries()[i];
    const Effect& y = b.entries()[i];
    if (x.kind != y.kind || x.queue != y.queue || x.subflow != y.subflow || x.print != y.print ||
        x.packet != y.packet || x.value != y.value)
      return false;
  }
  for (std::size_t i = 0; i < a.prints().size(); ++i) {
    const PrintValue& x = a.prints()[i];
    const PrintValue& y = b.prints()[i];
    if (x.kind != y.kind || x.value != y.value || x.n_elems != y.n_elems || x.elems != y.elems) return false;
  }
  return true;
}

struct Totals {
  long executions = 0, aborted = 0, with_effects = 0, prints = 0, returned = 0, action_limit = 0;
};

// One execution on both engines; false (with a reproducer in the failure message) on any difference.
inline bool agree(const std::string& source, const std::string& label, const Executable& interp,
                  const Executable& other, const ViewBuilder& vb, const ExecState& initial, Totals& totals) {
  const SchedulerView view = vb.view();
  ExecState a = initial, b = initial;
  ExecScratch sa, sb;
  interp.prepare(view, sa);
  other.prepare(view, sb);
  // Poison the JIT's scratch: generated code must not rely on zeroed memory.
  for (auto& w : sb.words) w = 0xA5A5A5A5A5A5A5A5ull;
  a.scratch = &sa;
  b.scratch = &sb;
  EffectLog la, lb;
  la.reserve(view.q.size() + view.qu.size() + view.rq.size());
  lb.reserve(view.q.size() + view.qu.size() + view.rq.size());
  const ExecResult ra = interp.run(view, a, la);
  const ExecResult rb = other.run(view, b, lb);
  ++totals.executions;
  if (ra.end == EndCause::StepLimit) ++totals.aborted;
  if (ra.end == EndCause::ActionLimit) ++totals.action_limit;
  if (ra.end == EndCause::Return) ++totals.returned;
  if (!la.entries().empty()) ++totals.with_effects;
  totals.prints += static_cast<long>(la.prints().size());
  const bool same = ra.end == rb.end && ra.steps == rb.steps && ra.prints_suppressed == rb.prints_suppressed &&
                    a.registers == b.registers && a.rng == b.rng && same_log(la, lb);
  if (!same) {
    std::ostringstream s;
    s << other.engine_name() << " and interpreter disagree on " << label << "\n--- program ---\n"
      << source << "--- " << describe_view(vb) << "allowance=" << initial.allowance << " rng=" << initial.rng
      << " registers=";
    for (auto r : initial.registers) s << r << " ";
    s << "\ninterp: end=" << end_cause_name(ra.end) << " steps=" << ra.steps << " suppressed=" << ra.prints_suppressed
      << " rng=" << a.rng << " registers=";
    for (auto r : a.registers) s << r << " ";
    s << "\n" << describe_log(la);
    s << other.engine_name() << ": end=" << end_cause_name(rb.end) << " steps=" << rb.steps
      << " suppressed=" << rb.prints_suppressed << " rng=" << b.rng << " registers=";
    for (auto r : b.registers) s << r << " ";
    s << "\n" << describe_log(lb);
    ADD_FAILURE() << s.str();
  }
  return same;
}

inline ExecState random_state(std::mt19937_64& rng, std::uint64_t allowance) {
  ExecState s;
  for (auto& r : s.registers) {
    switch (rng() % 6) {
      case 0: r = 0; break;
      case 1: r = static_cast<std::int64_t>(rng() % 5); break;
      case 2: r = INT64_MIN; break;
      case 3: r = -1; break;
      default: r = static_cast<std::int64_t>(rng() % 100000) - 50000; break;
    }
  }
  s.rng = rng();
  s.allowance = allowance;
  return s;
}

}  // namespace progmp::testing

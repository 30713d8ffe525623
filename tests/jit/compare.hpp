// Test helpers of the JIT suite: one execution on the interpreter and on another engine over the same view and
// state, compared field by field (end cause, reference steps, prints suppressed, registers, generator state and the
// whole effect log including PRINT values). A disagreement is reported with the program and the view.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "exec/engine_compare.hpp"
#include "exec/view_builder.hpp"
#include "progmp/exec/engine.hpp"

namespace progmp::testing {

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

}  // namespace progmp::testing

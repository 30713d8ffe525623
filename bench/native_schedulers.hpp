// Hand-written C++ equivalents of the benchmark schedulers (minimum RTT as builtin_minrtt, register round robin,
// redundant), over the same view and producing the same effect log as the ProgMP programs of scheduler_bench.cpp.
// They are the baselines every engine is compared with.
#pragma once

#include "progmp/exec/engine.hpp"

namespace progmp::bench {

inline bool open_sf(const SubflowSnapshot& f) {
  return f.cwnd > f.skbs_in_flight + f.queued && !f.lossy && !f.throttled;
}
inline bool fits(const SchedulerView& v, const PacketMeta& p) { return p.seq + p.length <= v.window_end; }

inline void push(EffectLog& log, std::size_t sf, const PacketMeta* p, QueueId origin) {
  log.try_action(Effect{EffectKind::Push, origin, static_cast<std::uint8_t>(sf), 0, p, 0});
}

inline void native_minrtt(const SchedulerView& v, ExecState&, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  bool any_open = false;
  for (std::size_t i = 0; i < n; ++i) any_open |= open_sf(v.subflows[i]);
  if (!any_open) return;
  if (!v.rq.empty()) {
    const PacketMeta* lost = v.rq[0];
    std::size_t best = n;
    for (std::size_t i = 0; i < n; ++i) {
      const SubflowSnapshot& f = v.subflows[i];
      if (open_sf(f) && !v.sent_on(*lost, i) && fits(v, *lost) && (best == n || f.rtt_us < v.subflows[best].rtt_us))
        best = i;
    }
    if (best != n) {
      log.pop(QueueId::RQ, lost);
      push(log, best, lost, QueueId::RQ);
      return;
    }
  }
  if (v.q.empty()) return;
  const PacketMeta* next = v.q[0];
  bool any_primary = false;
  for (std::size_t i = 0; i < n; ++i) any_primary |= !v.subflows[i].is_backup;
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    const SubflowSnapshot& f = v.subflows[i];
    if (open_sf(f) && (!any_primary || !f.is_backup) && fits(v, *next) &&
        (best == n || f.rtt_us < v.subflows[best].rtt_us))
      best = i;
  }
  if (best == n) return;
  log.pop(QueueId::Q, next);
  push(log, best, next, QueueId::Q);
}

inline void native_round_robin(const SchedulerView& v, ExecState& st, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  std::size_t first = n, turn = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!open_sf(v.subflows[i])) continue;
    if (first == n) first = i;
    if (turn == n && v.subflows[i].id > st.registers[0]) turn = i;
  }
  if (first == n) return;
  if (!v.rq.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      if (open_sf(v.subflows[i]) && !v.sent_on(*v.rq[0], i)) {
        log.pop(QueueId::RQ, v.rq[0]);
        push(log, i, v.rq[0], QueueId::RQ);
        return;
      }
    }
  }
  if (v.q.empty()) return;
  const std::size_t use = turn == n ? first : turn;
  log.pop(QueueId::Q, v.q[0]);
  push(log, use, v.q[0], QueueId::Q);
  st.registers[0] = v.subflows[use].id;
}

inline void native_redundant(const SchedulerView& v, ExecState&, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  bool any_open = false;
  for (std::size_t i = 0; i < n; ++i) any_open |= open_sf(v.subflows[i]);
  if (!any_open || v.q.empty()) return;
  log.pop(QueueId::Q, v.q[0]);
  for (std::size_t i = 0; i < n; ++i)
    if (open_sf(v.subflows[i])) push(log, i, v.q[0], QueueId::Q);
}

using Native = void (*)(const SchedulerView&, ExecState&, EffectLog&);

}  // namespace progmp::bench

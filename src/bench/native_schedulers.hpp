// Hand-written C++ versions of five library schedulers (schedulers/*.progmp): minrtt, round_robin, redundant,
// opportunistic_redundant and tap. Each produces exactly the effect log and registers of its program over any
// view without reinjection-queue corner cases the benchmark does not use (DecisionBench::check compares them with
// the interpreter before anything is measured). They are the baselines every engine is compared with, written the
// way a kernel developer would: one fused loop per decision, no snapshots.
#pragma once

#include <cstdint>

#include "progmp/exec/engine.hpp"

namespace progmp::bench::native {

inline bool usable(const SubflowSnapshot& f) {
  return f.cwnd > f.skbs_in_flight + f.queued && !f.lossy && !f.throttled;
}
inline std::int64_t wadd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wsub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t wmul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}
// HAS_WINDOW_FOR
inline bool fits(const SchedulerView& v, const PacketMeta& p) { return wadd(p.seq, p.length) <= v.window_end; }

inline void push(EffectLog& log, std::size_t sf, const PacketMeta* p, QueueId origin) {
  log.try_action(Effect{EffectKind::Push, origin, static_cast<std::uint8_t>(sf), 0, p, 0});
}
inline void drop(EffectLog& log, const PacketMeta* p, QueueId origin) {
  log.try_action(Effect{EffectKind::Drop, origin, 0, 0, p, 0});
}

inline bool any_usable(const SchedulerView& v) {
  for (const SubflowSnapshot& f : v.subflows)
    if (usable(f)) return true;
  return false;
}

// The reinjection rule shared by minrtt, opportunistic_redundant and tap: the lowest-RTT usable subflow that has
// not carried RQ.TOP and has window for it. True if it pushed.
inline bool reinject_min_rtt(const SchedulerView& v, EffectLog& log) {
  if (v.rq.empty()) return false;
  const PacketMeta* lost = v.rq[0];
  const std::size_t n = v.subflows.size();
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    const SubflowSnapshot& f = v.subflows[i];
    if (usable(f) && !v.sent_on(*lost, i) && fits(v, *lost) && (best == n || f.rtt_us < v.subflows[best].rtt_us))
      best = i;
  }
  if (best == n) return false;
  log.pop(QueueId::RQ, lost);
  push(log, best, lost, QueueId::RQ);
  return true;
}

// The lowest-RTT usable subflow with window for p, among backups (backup = 1), non-backups (0) or all (-1).
inline std::size_t min_rtt(const SchedulerView& v, const PacketMeta& p, int backup) {
  const std::size_t n = v.subflows.size();
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    const SubflowSnapshot& f = v.subflows[i];
    if (!usable(f) || (backup >= 0 && f.is_backup != (backup == 1)) || !fits(v, p)) continue;
    if (best == n || f.rtt_us < v.subflows[best].rtt_us) best = i;
  }
  return best;
}

inline void minrtt(const SchedulerView& v, ExecState&, EffectLog& log) {
  if (!any_usable(v) || reinject_min_rtt(v, log) || v.q.empty()) return;
  const PacketMeta* next = v.q[0];
  bool any_primary = false;
  for (const SubflowSnapshot& f : v.subflows) any_primary |= !f.is_backup;
  const std::size_t best = min_rtt(v, *next, any_primary ? 0 : -1);
  if (best == v.subflows.size()) return;
  log.pop(QueueId::Q, next);
  push(log, best, next, QueueId::Q);
}

// R1 current subflow ID, R2 packets per turn, R3 packets sent in this turn.
inline void round_robin(const SchedulerView& v, ExecState& st, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  std::size_t first = n;
  for (std::size_t i = 0; i < n && first == n; ++i)
    if (usable(v.subflows[i])) first = i;
  if (first == n) return;
  if (!v.rq.empty()) {
    const PacketMeta* lost = v.rq[0];
    for (std::size_t i = 0; i < n; ++i) {
      if (usable(v.subflows[i]) && !v.sent_on(*lost, i) && fits(v, *lost)) {
        log.pop(QueueId::RQ, lost);
        push(log, i, lost, QueueId::RQ);
        return;
      }
    }
  }
  if (v.q.empty() || !fits(v, *v.q[0])) return;
  std::int64_t* r = st.registers.data();
  for (std::size_t i = 0; i < n; ++i) {
    if (usable(v.subflows[i]) && v.subflows[i].id == r[0] && r[2] < r[1]) {
      log.pop(QueueId::Q, v.q[0]);
      push(log, i, v.q[0], QueueId::Q);
      r[2] = wadd(r[2], 1);
      return;
    }
  }
  std::size_t use = first;
  for (std::size_t i = 0; i < n; ++i) {
    if (usable(v.subflows[i]) && v.subflows[i].id > r[0]) {
      use = i;
      break;
    }
  }
  log.pop(QueueId::Q, v.q[0]);
  push(log, use, v.q[0], QueueId::Q);
  r[0] = v.subflows[use].id;
  r[2] = 1;
}

// Every usable subflow first catches up on the oldest sent packet it has not carried; the subflows that have
// carried everything get the next fresh packet together.
inline void redundant(const SchedulerView& v, ExecState&, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  if (!any_usable(v)) return;
  if (!v.rq.empty()) {
    const PacketMeta* lost = v.rq[0];
    std::size_t best = n;
    for (std::size_t i = 0; i < n; ++i) {
      const SubflowSnapshot& f = v.subflows[i];
      if (usable(f) && !v.sent_on(*lost, i) && (best == n || f.rtt_us < v.subflows[best].rtt_us)) best = i;
    }
    log.pop(QueueId::RQ, lost);
    if (best != n) {
      push(log, best, lost, QueueId::RQ);
      return;
    }
    drop(log, lost, QueueId::RQ);
  }
  std::uint64_t level = 0;  // usable subflows that carried all of QU
  for (std::size_t i = 0; i < n; ++i) {
    if (!usable(v.subflows[i])) continue;
    const PacketMeta* behind = nullptr;
    for (const PacketMeta* p : v.qu)
      if (!v.sent_on(*p, i)) {
        behind = p;
        break;
      }
    if (behind) push(log, i, behind, QueueId::QU);
    else if (!v.q.empty() && fits(v, *v.q[0])) level |= std::uint64_t{1} << i;
  }
  if (level == 0) return;
  log.pop(QueueId::Q, v.q[0]);
  for (std::size_t i = 0; i < n; ++i)
    if ((level >> i) & 1u) push(log, i, v.q[0], QueueId::Q);
}

inline void opportunistic_redundant(const SchedulerView& v, ExecState&, EffectLog& log) {
  const std::size_t n = v.subflows.size();
  if (!any_usable(v) || reinject_min_rtt(v, log)) return;
  if (!v.rq.empty()) {
    bool other = false;
    for (std::size_t i = 0; i < n; ++i) other |= usable(v.subflows[i]) && !v.sent_on(*v.rq[0], i);
    if (!other) {
      log.pop(QueueId::RQ, v.rq[0]);
      drop(log, v.rq[0], QueueId::RQ);
      return;
    }
  }
  if (v.q.empty()) return;
  const PacketMeta* next = v.q[0];
  if (!fits(v, *next)) return;  // usable.GET(0).HAS_WINDOW_FOR(next): the window is the connection's
  log.pop(QueueId::Q, next);
  for (std::size_t i = 0; i < n; ++i)
    if (usable(v.subflows[i])) push(log, i, next, QueueId::Q);
}

// R1 target rate (bytes/s), R2 packets scheduled, R3 packets on backup subflows.
inline void tap(const SchedulerView& v, ExecState& st, EffectLog& log) {
  if (!any_usable(v) || reinject_min_rtt(v, log) || v.q.empty()) return;
  const PacketMeta* next = v.q[0];
  std::int64_t capacity = 0;
  for (const SubflowSnapshot& f : v.subflows) {
    if (f.is_backup || f.rtt_us == 0) continue;  // a NULL key (division by zero) is skipped
    const std::int64_t bytes = wmul(wmul(f.cwnd, v.mss), 1000000);
    capacity = wadd(capacity, f.rtt_us == -1 ? wsub(0, bytes) : bytes / f.rtt_us);
  }
  std::int64_t* r = st.registers.data();
  const std::size_t n = v.subflows.size();
  const std::size_t backup = min_rtt(v, *next, 1);
  if (backup != n && r[0] > capacity && wmul(wadd(r[2], 1), r[0]) <= wmul(wsub(r[0], capacity), wadd(r[1], 1))) {
    log.pop(QueueId::Q, next);
    push(log, backup, next, QueueId::Q);
    r[1] = wadd(r[1], 1);
    r[2] = wadd(r[2], 1);
    return;
  }
  const std::size_t preferred = min_rtt(v, *next, 0);
  if (preferred == n) return;
  log.pop(QueueId::Q, next);
  push(log, preferred, next, QueueId::Q);
  r[1] = wadd(r[1], 1);
}

}  // namespace progmp::bench::native

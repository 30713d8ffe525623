// Comparing executions of two engines (differential tests of every engine): a readable view and effect log for
// reproducers, field-by-field equality of effect logs (PRINT values included) and random initial states that reach
// the division guards (INT64_MIN, -1) and the step limit.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "exec/view_records.hpp"
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

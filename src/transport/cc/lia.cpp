// LIA (RFC 6356); see lia.hpp.
#include "progmp/transport/cc/lia.hpp"

#include <algorithm>

namespace progmp::transport::cc {

double lia_alpha(const CoupledView& all) {
  double cwnd_total = 0;
  double best = 0;  // max_i cwnd_i / rtt_i²
  double sum = 0;   // Σ_i cwnd_i / rtt_i
  for (const SubflowWindow& s : all.subflows) {
    const double cwnd = static_cast<double>(s.cwnd.count());
    const double rtt = s.rtt_seconds();
    cwnd_total += cwnd;
    best = std::max(best, cwnd / (rtt * rtt));
    sum += cwnd / rtt;
  }
  if (sum <= 0) return 1.0;
  return cwnd_total * best / (sum * sum);  // RFC 6356 §3
}

Lia::Lia(Bytes mss) : w_(mss) {}

// LIA's window does not depend on when packets leave.
void Lia::on_sent(Instant, Bytes) {}

void Lia::on_ack(Instant, Instant sent_at, Bytes acked, Duration, const CoupledView& all) {
  if (w_.sent_before_reduction(sent_at)) return;                     // RFC 6582 §3.2
  const double rest = w_.slow_start(static_cast<double>(acked.count()));  // RFC 6356 §3: slow start unchanged
  if (rest <= 0) return;
  const double mss = w_.mss_bytes();
  const double reno = rest * mss / w_.cwnd();  // what an uncoupled TCP would add (RFC 5681 §3.1 eq. 3)
  double cwnd_total = 0;
  for (const SubflowWindow& s : all.subflows) cwnd_total += static_cast<double>(s.cwnd.count());
  if (all.subflows.size() <= 1 || cwnd_total <= 0) {
    w_.grow(reno);
    return;
  }
  // RFC 6356 §3: increase by min(alpha · bytes_acked · MSS_i / cwnd_total, bytes_acked · MSS_i / cwnd_i). The
  // second term caps every subflow at the aggressiveness of a TCP flow on the same path.
  w_.grow(std::min(lia_alpha(all) * rest * mss / cwnd_total, reno));
}

// RFC 6356 §3: "the decrease is unchanged" — halve this subflow only.
void Lia::on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView&) {
  w_.on_congestion_event(now, sent_at, persistent, kBeta);
}

}  // namespace progmp::transport::cc

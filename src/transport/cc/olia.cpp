// OLIA (Khalili et al., CoNEXT 2012); see olia.hpp for the rule and the citation.
#include "progmp/transport/cc/olia.hpp"

#include <algorithm>

namespace progmp::transport::cc {

namespace {

// The "presumably best path" metric ℓ_r / rtt_r². Every subflow's value comes out of this one expression, so
// equal inputs compare equal and ties form proper sets.
double best_path_metric(const SubflowWindow& s) {
  const double rtt = s.rtt_seconds();
  return static_cast<double>(s.inter_loss.count()) / (rtt * rtt);
}

}  // namespace

double olia_alpha(const CoupledView& all) {
  const std::size_t n = all.subflows.size();
  if (n < 2 || all.self >= n) return 0;
  Bytes max_cwnd;
  double best = 0;
  for (const SubflowWindow& s : all.subflows) {
    max_cwnd = std::max(max_cwnd, s.cwnd);
    best = std::max(best, best_path_metric(s));
  }
  std::size_t in_m = 0;        // |M|
  std::size_t in_b_not_m = 0;  // |B \ M|
  for (const SubflowWindow& s : all.subflows) {
    const bool m = s.cwnd == max_cwnd;
    in_m += m ? 1 : 0;
    in_b_not_m += (!m && best_path_metric(s) == best) ? 1 : 0;
  }
  const SubflowWindow& self = all.subflows[all.self];
  const bool self_m = self.cwnd == max_cwnd;
  const double paths = static_cast<double>(n);
  if (!self_m && best_path_metric(self) == best) return 1.0 / (paths * static_cast<double>(in_b_not_m));
  if (self_m && in_b_not_m > 0) return -1.0 / (paths * static_cast<double>(in_m));
  return 0;
}

Olia::Olia(Bytes mss) : w_(mss) {}

// OLIA's window does not depend on when packets leave.
void Olia::on_sent(Instant, Bytes) {}

void Olia::on_ack(Instant, Instant sent_at, Bytes acked, Duration, const CoupledView& all) {
  l2_ += acked;  // every delivered byte counts toward ℓ_r, also those of the window being recovered
  if (w_.sent_before_reduction(sent_at)) return;  // RFC 6582 §3.2
  const double rest = w_.slow_start(static_cast<double>(acked.count()));
  if (rest <= 0) return;
  const double mss = w_.mss_bytes();
  const double cwnd = w_.cwnd();
  if (all.subflows.size() < 2 || all.self >= all.subflows.size()) {
    w_.grow(rest * mss / cwnd);  // one path: the first term is 1/w_r, Reno's increase
    return;
  }
  // First term, scaled to bytes: with W = w·MSS, (w_r/rtt_r²)/(Σ w_p/rtt_p)² = MSS · (W_r/rtt_r²)/(Σ W_p/rtt_p)².
  double sum = 0;
  for (const SubflowWindow& s : all.subflows) sum += static_cast<double>(s.cwnd.count()) / s.rtt_seconds();
  const SubflowWindow& self = all.subflows[all.self];
  const double rtt = self.rtt_seconds();
  const double coupled = sum > 0 ? mss * (static_cast<double>(self.cwnd.count()) / (rtt * rtt)) / (sum * sum) : 0;
  // Second term α_r / w_r, per acknowledged MSS: α_r · MSS / W_r per acknowledged byte.
  const double opportunistic = olia_alpha(all) * mss / cwnd;
  w_.grow(rest * (coupled + opportunistic));
}

void Olia::on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView&) {
  if (w_.on_congestion_event(now, sent_at, persistent, kBeta) == WindowState::Reduction::Reduced) {
    l1_ = l2_;  // a new loss event: the interval since the previous one is complete
    l2_ = Bytes(0);
  }
}

}  // namespace progmp::transport::cc

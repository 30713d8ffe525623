// CUBIC (RFC 9438); see cubic.hpp.
#include "progmp/transport/cc/cubic.hpp"

#include <algorithm>
#include <cmath>

namespace progmp::transport::cc {

double cubic_k(double w_max_segments, double cwnd_epoch_segments) {
  return std::cbrt((w_max_segments - cwnd_epoch_segments) / Cubic::kC);
}

double cubic_window(double t_seconds, double k_seconds, double w_max_segments) {
  const double d = t_seconds - k_seconds;
  return Cubic::kC * d * d * d + w_max_segments;
}

Cubic::Cubic(Bytes mss) : w_(mss) {}

// See cubic.hpp: idle and application-limited periods are the subflow's business.
void Cubic::on_sent(Instant, Bytes) {}

double Cubic::w_cubic_bytes(double t_seconds) const {
  const double mss = w_.mss_bytes();
  return mss * cubic_window(t_seconds, k_, w_max_ / mss);
}

// RFC 9438 §4.2: a congestion-avoidance stage starts at its first ACK; K follows from how far below W_max it starts.
// §4.8: the first stage after a timeout uses K = 0 and W_max = cwnd_epoch. The same holds when the stage starts at
// or above W_max (no reduction yet, or a window that regrew in slow start), where eq. 2 has no real meaning.
void Cubic::begin_epoch(Instant now) {
  const double mss = w_.mss_bytes();
  const double cwnd_epoch = w_.cwnd();
  epoch_start_ = now;
  w_est_ = cwnd_epoch;  // §4.3: W_est starts at cwnd_epoch
  if (after_timeout_ || w_max_ <= cwnd_epoch) {
    w_max_ = cwnd_epoch;
    k_ = 0;
    after_timeout_ = false;
  } else {
    k_ = cubic_k(w_max_ / mss, cwnd_epoch / mss);
  }
}

void Cubic::on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView&) {
  if (w_.sent_before_reduction(sent_at)) return;  // RFC 6582 §3.2, as for Reno
  const double rest = w_.slow_start(static_cast<double>(acked.count()));
  if (rest <= 0) return;
  if (!epoch_start_) begin_epoch(now);

  const double cwnd = w_.cwnd();
  const double mss = w_.mss_bytes();
  const double t = (now - *epoch_start_).as_seconds();

  // §4.3 eq. 4: W_est += α_cubic · segments_acked / cwnd (in segments; here scaled to bytes). α_cubic becomes 1
  // once W_est has reached the window before the last reduction.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlphaReno;
  w_est_ += alpha * rest * mss / cwnd;

  // §4.3: in the Reno-friendly region (W_cubic(t) < W_est) the window follows W_est. We never shrink it there:
  // an ACK is not a congestion signal.
  if (w_cubic_bytes(t) < w_est_) {
    w_.set_cwnd(std::max(cwnd, w_est_));
    return;
  }
  // §4.4 / §4.5: aim one RTT ahead, target = W_cubic(t + RTT) clamped to [cwnd, 1.5·cwnd], and close
  // (target − cwnd)/cwnd of the gap per acknowledged segment.
  const double target = std::clamp(w_cubic_bytes(t + rtt.as_seconds()), cwnd, 1.5 * cwnd);
  w_.set_cwnd(cwnd + (target - cwnd) / cwnd * rest);
}

void Cubic::on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView&) {
  const double cwnd_before = w_.cwnd();
  // §4.6: ssthresh = max(β·cwnd, 2·MSS), cwnd = ssthresh (§4.8: the 1·MSS loss window after a timeout).
  const WindowState::Reduction r = w_.on_congestion_event(now, sent_at, persistent, kBeta);
  if (r == WindowState::Reduction::Ignored) return;
  epoch_start_.reset();
  if (persistent) after_timeout_ = true;
  if (r == WindowState::Reduction::Collapsed) return;  // W_max and cwnd_prior belong to the epoch's first event
  cwnd_prior_ = cwnd_before;
  // §4.7 fast convergence: a window that stopped short of the previous W_max signals a new competitor, so release
  // bandwidth by aiming lower: W_max = cwnd·(1 + β)/2.
  w_max_ = cwnd_before < w_max_ ? cwnd_before * (1.0 + kBeta) / 2.0 : cwnd_before;
}

}  // namespace progmp::transport::cc

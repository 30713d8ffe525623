// NewReno (RFC 5681, RFC 3465, RFC 6582); see reno.hpp.
#include "progmp/transport/cc/reno.hpp"

namespace progmp::transport::cc {

NewReno::NewReno(Bytes mss) : w_(mss) {}

// Reno's window does not depend on when packets leave; pacing and idle restart belong to the subflow.
void NewReno::on_sent(Instant, Bytes) {}

void NewReno::on_ack(Instant, Instant sent_at, Bytes acked, Duration, const CoupledView&) {
  // RFC 6582 §3.2: acknowledgements of the window that was already reduced do not grow the new one.
  if (w_.sent_before_reduction(sent_at)) return;
  double rest = w_.slow_start(static_cast<double>(acked.count()));  // RFC 5681 §3.1 eq. 2
  // RFC 3465 §2.1 / RFC 5681 §3.1 (the byte-counting variant of eq. 3): one MSS per cwnd bytes acknowledged.
  bytes_acked_ += rest;
  while (bytes_acked_ >= w_.cwnd()) {
    bytes_acked_ -= w_.cwnd();
    w_.grow(w_.mss_bytes());
  }
}

void NewReno::on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView&) {
  if (w_.on_congestion_event(now, sent_at, persistent, kBeta) != WindowState::Reduction::Ignored) bytes_acked_ = 0;
}

}  // namespace progmp::transport::cc

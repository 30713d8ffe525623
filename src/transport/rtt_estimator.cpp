#include "progmp/transport/rtt_estimator.hpp"

#include <algorithm>

namespace progmp::transport {

Duration RttEstimator::clamp(Duration d) const { return std::clamp(d, min_rto_, max_rto_); }

void RttEstimator::sample(Duration r) {
  if (r < Duration::zero()) return;
  latest_ = r;
  min_rtt_ = std::min(min_rtt_, r);
  if (!srtt_) {
    // RFC 6298 §2.2: SRTT <- R, RTTVAR <- R/2.
    srtt_ = r;
    rttvar_ = r / 2;
  } else {
    // RFC 6298 §2.3: RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT <- 7/8 SRTT + 1/8 R'.
    const Duration diff = *srtt_ > r ? *srtt_ - r : r - *srtt_;
    rttvar_ = (rttvar_ * 3 + diff) / 4;
    srtt_ = (*srtt_ * 7 + r) / 8;
  }
  // RTO <- SRTT + max(G, K·RTTVAR), G = 1 µs.
  rto_ = clamp(*srtt_ + std::max(Duration::micros(1), rttvar_ * 4));
}

void RttEstimator::back_off() { rto_ = clamp(rto_ * 2); }

}  // namespace progmp::transport

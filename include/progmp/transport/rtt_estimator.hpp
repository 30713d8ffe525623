// Round-trip time estimation and the retransmission timeout of one subflow, per RFC 6298.
//
// SRTT and RTTVAR follow RFC 6298 §2 (α = 1/8, β = 1/4, K = 4, clock granularity G = 1 µs), and the timeout is
// clamped to [min_rto, max_rto]. Two deliberate choices:
//   * min_rto defaults to 200 ms, as Linux uses, not RFC 6298's conservative 1 s (§2.4 "SHOULD"): the paper's
//     evaluation ran on Linux, and a 1 s floor would dominate every short-flow result.
//   * Karn's algorithm (§3, §5.7) is the caller's part: it samples only segments that were never retransmitted, and
//     the backoff set by back_off() stays until a new sample arrives.
#pragma once

#include <optional>

#include "progmp/transport/units.hpp"

namespace progmp::transport {

class RttEstimator {
 public:
  RttEstimator(Duration initial_rto, Duration min_rto, Duration max_rto)
      : initial_rto_(initial_rto), min_rto_(min_rto), max_rto_(max_rto), rto_(initial_rto) {}

  // One measurement (RFC 6298 §2.2, §2.3); negative samples are ignored. Clears the backoff.
  void sample(Duration rtt);
  // RFC 6298 §5.5: double the timeout after an expiry (capped at max_rto).
  void back_off();

  bool has_sample() const { return srtt_.has_value(); }
  Duration srtt() const { return srtt_.value_or(Duration::zero()); }
  Duration rttvar() const { return rttvar_; }
  Duration rto() const { return rto_; }
  Duration latest() const { return latest_; }
  Duration min_rtt() const { return min_rtt_; }

 private:
  Duration clamp(Duration d) const;

  Duration initial_rto_, min_rto_, max_rto_;
  std::optional<Duration> srtt_;
  Duration rttvar_{};
  Duration rto_;
  Duration latest_{};
  Duration min_rtt_ = Duration::max();
};

}  // namespace progmp::transport

// The loss-based window all four algorithms share: RFC 5681 slow start, the recovery epoch that limits reductions to
// one per window of data (RFC 6582 §3.2, expressed in send times as RFC 9002 §7.3.2 does), and the minimum windows.
// Each algorithm owns one WindowState and adds its congestion-avoidance increase and its reduction factor.
//
// The window is kept in fractional bytes because the coupled and CUBIC increases are fractions of a byte per ACK at
// large windows; truncating each one would stall growth. window() rounds down.
#pragma once

#include <algorithm>
#include <optional>

#include "progmp/transport/units.hpp"

namespace progmp::transport::cc {

class WindowState {
 public:
  enum class Reduction {
    Ignored,    // the lost packet was sent before the last reduction: its window already paid (RFC 6582 §3.2)
    Reduced,    // a new recovery epoch began; ssthresh and cwnd were reduced
    Collapsed,  // persistent congestion inside the current epoch: cwnd fell to the loss window, ssthresh kept
  };

  explicit WindowState(Bytes mss);

  Bytes mss() const { return mss_; }
  double mss_bytes() const { return static_cast<double>(mss_.count()); }
  double cwnd() const { return cwnd_; }
  Bytes window() const { return Bytes(static_cast<std::uint64_t>(cwnd_)); }
  Bytes ssthresh() const;
  bool in_slow_start() const { return cwnd_ < ssthresh_; }

  // RFC 6582 §3.2 at this interface: an acknowledgement or loss of a packet sent at or before the start of the
  // current recovery epoch belongs to the window that was already reduced.
  bool sent_before_reduction(Instant sent_at) const;

  // RFC 5681 §3.1 eq. 2 with RFC 3465 byte counting: cwnd += acked while cwnd < ssthresh, but not past ssthresh.
  // Returns the part of `acked` left over for congestion avoidance (non-zero only when the window crosses ssthresh).
  double slow_start(double acked);

  // Adds a congestion-avoidance increase (which may be negative, for OLIA), keeping cwnd ≥ 2·MSS.
  void grow(double delta);
  // RFC 5681 §4.1: cwnd := min(cwnd, initial window) after an idle period.
  void restart() { cwnd_ = std::min(cwnd_, static_cast<double>(kInitialWindowSegments) * mss_bytes()); }
  static constexpr double kInitialWindowSegments = 10;  // RFC 6928

  // Sets cwnd directly (CUBIC's target tracking), keeping cwnd ≥ 2·MSS.
  void set_cwnd(double bytes);

  // A congestion event for a packet sent at `sent_at`. New epoch: ssthresh = max(β·cwnd, 2·MSS) (RFC 5681 §3.1
  // eq. 4 with cwnd standing in for FlightSize, as RFC 9002 §7.3.2 does, since the controller does not see the
  // flight) and cwnd = ssthresh, or the 1·MSS loss window when `persistent`. Persistent inside the current epoch:
  // only cwnd collapses; ssthresh is held, as RFC 5681 §3.1 requires for a repeated timeout.
  Reduction on_congestion_event(Instant now, Instant sent_at, bool persistent, double beta);

 private:
  Bytes mss_;
  double cwnd_;
  double ssthresh_;  // +infinity until the first reduction
  std::optional<Instant> recovery_start_;
};

}  // namespace progmp::transport::cc

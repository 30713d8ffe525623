// The shared loss-based window (see window_state.hpp for the RFC sections each rule comes from).
#include "progmp/transport/cc/window_state.hpp"

#include <algorithm>
#include <limits>

#include "progmp/transport/cc/controller.hpp"

namespace progmp::transport::cc {

WindowState::WindowState(Bytes mss)
    : mss_(mss),
      cwnd_(static_cast<double>(mss.count() * Controller::kInitialWindowSegments)),
      ssthresh_(std::numeric_limits<double>::infinity()) {}

Bytes WindowState::ssthresh() const {
  if (ssthresh_ == std::numeric_limits<double>::infinity()) return Bytes::max();
  return Bytes(static_cast<std::uint64_t>(ssthresh_));
}

bool WindowState::sent_before_reduction(Instant sent_at) const {
  return recovery_start_.has_value() && sent_at <= *recovery_start_;
}

double WindowState::slow_start(double acked) {
  if (!in_slow_start()) return acked;
  const double room = ssthresh_ - cwnd_;
  const double used = std::min(acked, room);
  cwnd_ += used;
  return acked - used;
}

void WindowState::grow(double delta) { set_cwnd(cwnd_ + delta); }

void WindowState::set_cwnd(double bytes) {
  cwnd_ = std::max(bytes, mss_bytes() * static_cast<double>(Controller::kMinimumWindowSegments));
}

WindowState::Reduction WindowState::on_congestion_event(Instant now, Instant sent_at, bool persistent, double beta) {
  const double loss_window = mss_bytes() * static_cast<double>(Controller::kLossWindowSegments);
  if (sent_before_reduction(sent_at)) {
    if (!persistent) return Reduction::Ignored;
    cwnd_ = loss_window;
    recovery_start_ = now;
    return Reduction::Collapsed;
  }
  const double floor = mss_bytes() * static_cast<double>(Controller::kMinimumWindowSegments);
  ssthresh_ = std::max(cwnd_ * beta, floor);
  cwnd_ = persistent ? loss_window : ssthresh_;
  recovery_start_ = now;
  return Reduction::Reduced;
}

}  // namespace progmp::transport::cc

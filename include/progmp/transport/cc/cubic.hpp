// CUBIC (RFC 9438): after a reduction the window follows W_cubic(t) = C·(t − K)³ + W_max, concave up to the window
// of the last congestion event and convex beyond it, so it is independent of the RTT; below the Reno-friendly
// estimate W_est it grows like Reno (RFC 9438 §4.3). β = 0.7 and fast convergence (§4.7).
//
// Not modelled: HyStart++ (slow start is RFC 5681's) and the application-limited rule of §5.8, which belongs to the
// subflow (it must not report ACKs of an application-limited window as growth opportunities).
#pragma once

#include <optional>

#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/cc/window_state.hpp"

namespace progmp::transport::cc {

// RFC 9438 §4.2 eq. 2: K = ∛((W_max − cwnd_epoch) / C), windows in segments, K in seconds.
double cubic_k(double w_max_segments, double cwnd_epoch_segments);
// RFC 9438 §4.2 eq. 1: W_cubic(t) = C·(t − K)³ + W_max, in segments for t in seconds.
double cubic_window(double t_seconds, double k_seconds, double w_max_segments);

class Cubic final : public Controller {
 public:
  static constexpr double kC = 0.4;     // RFC 9438 §4.2, segments / s³
  static constexpr double kBeta = 0.7;  // RFC 9438 §4.6 β_cubic
  // RFC 9438 §4.3: α_cubic = 3(1 − β)/(1 + β) makes W_est grow like Reno with the same average window.
  static constexpr double kAlphaReno = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

  explicit Cubic(Bytes mss);

  std::string_view name() const override { return "cubic"; }
  void on_sent(Instant now, Bytes bytes) override;
  void on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView& all) override;
  void on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView& all) override;
  // The restart window, and a new cubic epoch at the next acknowledgement (the curve's time base would otherwise
  // include the idle period).
  void on_idle_restart() override {
    w_.restart();
    epoch_start_.reset();
  }
  Bytes window() const override { return w_.window(); }
  Bytes ssthresh() const override { return w_.ssthresh(); }
  bool in_slow_start() const override { return w_.in_slow_start(); }

  // The curve of the current congestion-avoidance stage (RFC 9438 §4.2); meaningful once it has begun.
  Bytes w_max() const { return Bytes(static_cast<std::uint64_t>(w_max_)); }
  Duration k() const { return Duration::nanos(static_cast<std::int64_t>(k_ * 1e9)); }
  std::optional<Instant> epoch_start() const { return epoch_start_; }

 private:
  void begin_epoch(Instant now);
  double w_cubic_bytes(double t_seconds) const;

  WindowState w_;
  double w_max_ = 0;       // bytes: the window just before the last reduction, after fast convergence
  double k_ = 0;           // seconds
  double cwnd_prior_ = 0;  // bytes: the window just before the last reduction (§4.3's switch of α)
  double w_est_ = 0;       // bytes: the Reno-friendly estimate of §4.3
  std::optional<Instant> epoch_start_;  // start of the current congestion-avoidance stage
  bool after_timeout_ = false;          // §4.8: the next stage starts with K = 0, W_max = cwnd_epoch
};

}  // namespace progmp::transport::cc

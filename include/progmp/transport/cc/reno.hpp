// NewReno: RFC 5681 slow start and congestion avoidance with appropriate byte counting (RFC 3465 §2.1), and RFC 6582
// recovery semantics at the level of the Controller interface (one halving per window of data). The baseline the
// coupled algorithms are measured against.
#pragma once

#include <cstdint>

#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/cc/window_state.hpp"

namespace progmp::transport::cc {

class NewReno final : public Controller {
 public:
  static constexpr double kBeta = 0.5;  // RFC 5681 §3.1 eq. 4: ssthresh = FlightSize / 2

  explicit NewReno(Bytes mss);

  std::string_view name() const override { return "reno"; }
  void on_sent(Instant now, Bytes bytes) override;
  void on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView& all) override;
  void on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView& all) override;
  void on_idle_restart() override { w_.restart(); }
  Bytes window() const override { return w_.window(); }
  Bytes ssthresh() const override { return w_.ssthresh(); }
  bool in_slow_start() const override { return w_.in_slow_start(); }

 private:
  WindowState w_;
  double bytes_acked_ = 0;  // RFC 3465 §2.1 "bytes_acked" counter of congestion avoidance
};

}  // namespace progmp::transport::cc

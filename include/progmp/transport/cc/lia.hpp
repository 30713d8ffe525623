// LIA, the Linked Increases Algorithm of MPTCP (RFC 6356): each subflow slow-starts and halves like NewReno, but its
// congestion-avoidance increase is coupled to all subflows of the connection, so that the connection as a whole
// takes no more than one TCP flow would on its best path and shifts traffic away from congested paths.
#pragma once

#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/cc/window_state.hpp"

namespace progmp::transport::cc {

// RFC 6356 §3: alpha = cwnd_total · max_i(cwnd_i / rtt_i²) / (Σ_i cwnd_i / rtt_i)². Exposed for tests and traces.
// An empty view gives 1 (a single flow).
double lia_alpha(const CoupledView& all);

class Lia final : public Controller {
 public:
  static constexpr double kBeta = 0.5;  // RFC 6356 §3: the decrease is unchanged from TCP

  explicit Lia(Bytes mss);

  std::string_view name() const override { return "lia"; }
  void on_sent(Instant now, Bytes bytes) override;
  void on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView& all) override;
  void on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView& all) override;
  void on_idle_restart() override { w_.restart(); }
  Bytes window() const override { return w_.window(); }
  Bytes ssthresh() const override { return w_.ssthresh(); }
  bool in_slow_start() const override { return w_.in_slow_start(); }

 private:
  WindowState w_;
};

}  // namespace progmp::transport::cc

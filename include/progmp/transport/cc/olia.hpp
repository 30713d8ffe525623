// OLIA, the Opportunistic Linked Increases Algorithm: R. Khalili, N. Gast, M. Popovic, J.-Y. Le Boudec, "MPTCP is
// not Pareto-optimal: performance issues and a possible solution", ACM CoNEXT 2012 and IEEE/ACM Transactions on
// Networking 21(5), 2013; also draft-khalili-mptcp-congestion-control-05 (2014).
//
// LIA (RFC 6356) trades optimal congestion balancing against responsiveness; OLIA keeps both by adding a term α_r
// that moves window from the paths with the largest windows (set M) to the presumably best paths that do not yet
// have the largest window (B \ M). Per ACK on path r, windows w in MSS:
//
//     w_r += (w_r / rtt_r²) / (Σ_p w_p / rtt_p)²  +  α_r / w_r
//
//     α_r = 1 / (|R| · |B \ M|)   if r ∈ B \ M
//         = −1 / (|R| · |M|)      if r ∈ M and B \ M ≠ ∅
//         = 0                     otherwise
//
// where R is the set of paths, M those with the largest window, and B those with the largest ℓ_r / rtt_r², ℓ_r
// being the bytes delivered on r between its last two losses, or since the last loss if that is more. (A TCP
// flow's rate x_r satisfies x_r² ∝ ℓ_r / rtt_r², so B are the paths a single TCP flow would do best on.) Slow
// start and the halving on loss are NewReno's. The window never goes below 2·MSS through a negative α_r.
#pragma once

#include <algorithm>

#include "progmp/transport/cc/controller.hpp"
#include "progmp/transport/cc/window_state.hpp"

namespace progmp::transport::cc {

// α_r of the subflow `all.self` (see above). 0 for a view of fewer than two subflows.
double olia_alpha(const CoupledView& all);

class Olia final : public Controller {
 public:
  static constexpr double kBeta = 0.5;

  explicit Olia(Bytes mss);

  std::string_view name() const override { return "olia"; }
  void on_sent(Instant now, Bytes bytes) override;
  void on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView& all) override;
  void on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView& all) override;
  void on_idle_restart() override { w_.restart(); }
  Bytes window() const override { return w_.window(); }
  Bytes ssthresh() const override { return w_.ssthresh(); }
  bool in_slow_start() const override { return w_.in_slow_start(); }
  Bytes inter_loss() const override { return std::max(l1_, l2_); }

 private:
  WindowState w_;
  Bytes l1_;  // delivered between the last two losses
  Bytes l2_;  // delivered since the last loss
};

}  // namespace progmp::transport::cc

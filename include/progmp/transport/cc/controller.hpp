// The congestion controller of one subflow, behind a narrow event interface (quinn's `Controller`): the subflow
// reports sends, acknowledgements and congestion events; the controller answers with a congestion window.
//
// Call protocol (one controller per subflow, owned by the subflow):
//   * on_sent      once per packet transmitted (new data or retransmission), with its wire payload size.
//   * on_ack       once per packet newly acknowledged, cumulatively or by SACK, in any order.
//   * on_congestion_event  once per packet declared lost (RFC 6675 / RFC 8985) with its send time; `persistent`
//                  after a retransmission timeout. The controller itself enforces "one reduction per window of data"
//                  (RFC 6582 §3.2): an event for a packet sent at or before the last reduction changes nothing,
//                  except that a persistent one still collapses the window.
//   * `now` never decreases across calls. The controller reads no clock and keeps no pointer to anything else.
// Coupled algorithms (LIA, OLIA) need every subflow's window and RTT; they get them as a CoupledView argument on each
// event, built by the connection, instead of reaching back through an owner pointer (htsim's MPTCP does that).
//
// Units: windows are in bytes; `mss` (fixed at construction) converts to segments where an RFC counts segments.
// Minimum window: 2·MSS after a loss (RFC 5681 §3.1 eq. 4), 1·MSS after persistent congestion (RFC 5681 §3.1 "loss
// window"). Initial window: 10·MSS (RFC 6928).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "progmp/transport/units.hpp"

namespace progmp::transport::cc {

// What one subflow contributes to the coupling of a connection's controllers.
struct SubflowWindow {
  Bytes cwnd;
  Duration srtt;     // RFC 6298 SRTT; zero means "no sample yet" and is treated as 1 µs by coupled algorithms
  Bytes inter_loss;  // OLIA's ℓ_r (bytes delivered between losses); Controller::inter_loss() of that subflow

  // srtt in seconds for the coupling formulas, with the "no sample yet" zero replaced by 1 µs so that no division
  // by zero can happen; such a subflow then looks very fast until its first sample, which errs toward coupling.
  double rtt_seconds() const { return srtt > Duration::zero() ? srtt.as_seconds() : 1e-6; }
  friend constexpr bool operator==(const SubflowWindow&, const SubflowWindow&) = default;
};

// Read-only view over all established subflows of the connection, including the one receiving the event.
// An empty view means "this subflow alone": coupled algorithms then behave exactly like NewReno.
struct CoupledView {
  std::span<const SubflowWindow> subflows;
  std::size_t self = 0;  // index of the event's subflow in `subflows`
};

class Controller {
 public:
  static constexpr std::uint64_t kInitialWindowSegments = 10;  // RFC 6928 §2
  static constexpr std::uint64_t kMinimumWindowSegments = 2;   // RFC 5681 §3.1 eq. 4
  static constexpr std::uint64_t kLossWindowSegments = 1;      // RFC 5681 §3.1, after an RTO

  virtual ~Controller() = default;

  virtual std::string_view name() const = 0;

  virtual void on_sent(Instant now, Bytes bytes) = 0;
  // `acked`: the packet's payload bytes. `rtt`: the subflow's smoothed RTT after this acknowledgement's sample.
  virtual void on_ack(Instant now, Instant sent_at, Bytes acked, Duration rtt, const CoupledView& all) = 0;
  virtual void on_congestion_event(Instant now, Instant sent_at, bool persistent, const CoupledView& all) = 0;

  // RFC 5681 §4.1 restart window: the subflow sent nothing for longer than its RTO, so its window no longer
  // reflects the path; cwnd := min(cwnd, initial window). ssthresh is kept.
  virtual void on_idle_restart() = 0;

  virtual Bytes window() const = 0;
  // Bytes::max() until the first reduction (RFC 5681 §3.1: "arbitrarily high").
  virtual Bytes ssthresh() const = 0;
  virtual bool in_slow_start() const = 0;
  // OLIA's ℓ_r; 0 for algorithms that do not track it.
  virtual Bytes inter_loss() const { return Bytes(0); }

  // This subflow's entry of a CoupledView.
  SubflowWindow coupling(Duration srtt) const { return SubflowWindow{window(), srtt, inter_loss()}; }
};

}  // namespace progmp::transport::cc

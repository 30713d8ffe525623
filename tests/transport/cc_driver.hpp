// Drives a congestion controller in virtual time for the cc tests: an ACK clock of full-sized segments over a path
// with a fixed RTT, as a window-limited sender sees it. Packets acknowledged at `now` were sent one RTT earlier
// plus 1 ns, so that they count as sent after a reduction made exactly one RTT before (RFC 6582 §3.2).
#pragma once

#include <cstdint>

#include "progmp/transport/cc/controller.hpp"

namespace progmp::transport::testing {

using namespace progmp::literals;

inline constexpr Bytes kMss = 1000_B;  // round numbers: windows read directly in segments
inline constexpr Duration kRtt = 100_ms;

inline Instant sent_for(Instant ack_time) { return ack_time - kRtt + 1_ns; }

inline double segments(Bytes b) { return static_cast<double>(b.count()) / static_cast<double>(kMss.count()); }

// Acknowledges `n` one-MSS packets at `now`.
inline void ack_segments(cc::Controller& c, Instant now, std::uint64_t n, const cc::CoupledView& view = {}) {
  for (std::uint64_t i = 0; i < n; ++i) c.on_ack(now, sent_for(now), kMss, kRtt, view);
}

// One round trip: the window's worth of packets sent in the previous round is acknowledged at `now`, then time
// moves on by one RTT.
inline void ack_round(cc::Controller& c, Instant& now, const cc::CoupledView& view = {}) {
  ack_segments(c, now, c.window() / kMss, view);
  now += kRtt;
}

// An ACK clock from `now` until `until`: each ACK arrives RTT / (window in segments) after the previous one, so the
// controller sees one window acknowledged per RTT at whatever rate its window allows.
inline void ack_clock_until(cc::Controller& c, Instant& now, Instant until) {
  while (now < until) {
    const std::int64_t n = static_cast<std::int64_t>(c.window() / kMss);
    now += kRtt / (n > 0 ? n : 1);
    c.on_ack(now, sent_for(now), kMss, kRtt, {});
  }
}

// A controller with β = 0.5 in congestion avoidance at exactly `cwnd` (a multiple of MSS, at least 5·MSS): slow
// start adds one MSS per acknowledged MSS up to 2·cwnd, then one loss halves it (RFC 5681 §3.1). Returns one RTT
// after the reduction, when the packets sent after it start being acknowledged.
inline void enter_avoidance_at(cc::Controller& c, Instant& now, Bytes cwnd) {
  ack_segments(c, now, (cwnd * 2 - c.window()) / kMss);
  now += kRtt;
  c.on_congestion_event(now, sent_for(now), false, {});
  now += kRtt;
}

}  // namespace progmp::transport::testing

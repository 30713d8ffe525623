// Random scheduler views for property and differential tests: up to 4 subflows with random properties, up to 11
// sent packets (some reinjected into RQ) and up to 11 unsent ones. `rich` also randomises the properties the basic
// view leaves at their defaults (DELAY_OUT, bandwidths, loss, SSTHRESH, ages, MSS) and sometimes uses extreme
// values, for engines whose arithmetic must agree with the interpreter's to the last bit.
#pragma once

#include <random>
#include <vector>

#include "view_records.hpp"

namespace progmp::testing {

inline ViewBuilder random_view(std::mt19937_64& rng, bool rich = false) {
  ViewBuilder vb;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto wild = [&](std::int64_t usual) -> std::int64_t {
    if (!rich || pick(8) != 0) return usual;
    static const std::int64_t kEdges[] = {0, -1, 1, INT64_MIN, INT64_MAX, -1000, 1000};
    return kEdges[pick(7)];
  };
  const int n_sf = pick(5);
  for (int i = 0; i < n_sf; ++i) {
    SubflowSnapshot& s = vb.subflow(1 + i * (1 + pick(3)), 1000 + pick(100000), pick(20), pick(20));
    s.queued = pick(3);
    s.lossy = pick(5) == 0;
    s.throttled = pick(5) == 0;
    s.is_backup = pick(4) == 0;
    s.has_delay_in = pick(2) == 0;
    s.delay_in_us = pick(5000);
    s.user = pick(10);
    if (rich) {
      s.rtt_us = wild(s.rtt_us);
      s.rtt_var_us = wild(pick(5000));
      s.ssthresh = wild(pick(3) == 0 ? 2147483647 : pick(100));
      s.lost_skbs = wild(pick(4));
      s.has_delay_out = pick(2) == 0;
      s.delay_out_us = wild(pick(5000));
      s.bw_out_send = wild(pick(1000000));
      s.bw_out_ack = wild(pick(1000000));
      s.bw = wild(pick(1000000));
      s.loss_rate = wild(pick(1000));
      s.user = wild(s.user);
    }
  }
  std::int64_t seq = 0;
  const int n_sent = pick(12), n_unsent = pick(12);
  for (int i = 0; i < n_sent; ++i) {
    std::vector<int> on;
    for (int k = 0; k < n_sf; ++k)
      if (pick(2)) on.push_back(k);
    PacketMeta& p = vb.sent(seq, on, 1 + pick(1400));
    seq += p.length;
    if (pick(4) == 0) vb.reinject(p);
    if (rich) {
      p.t_app_us = pick(10'000'000);
      p.user = wild(pick(3));
    }
  }
  for (int i = 0; i < n_unsent; ++i) {
    PacketMeta& p = vb.unsent(seq, 1 + pick(1400));
    p.user = pick(3);
    p.psh = pick(2) == 0;
    seq += p.length;
    if (rich) {
      p.t_app_us = pick(10'000'000);
      p.user = wild(p.user);
    }
  }
  vb.window_end = pick(3) == 0 ? kUnlimitedWindow : seq / 2;
  vb.now_us = pick(10'000'000);
  if (rich) {
    vb.window_end = wild(vb.window_end);
    vb.mss = pick(4) == 0 ? wild(536) : 1400;
  }
  return vb;
}

}  // namespace progmp::testing

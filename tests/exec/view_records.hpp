// Owns the records behind a SchedulerView, so tests (and the optimiser fuzz target, which has no test framework)
// can state a view in a few lines. Compiling and running helpers: view_builder.hpp.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "progmp/exec/engine.hpp"

namespace progmp::testing {

struct ViewBuilder {
  std::vector<SubflowSnapshot> subflows;
  std::deque<PacketMeta> packets;  // stable addresses
  std::vector<const PacketMeta*> q, qu, rq;
  std::int64_t now_us = 0;
  std::int64_t window_end = kUnlimitedWindow;
  std::int64_t mss = 1400;

  SubflowSnapshot& subflow(std::int64_t id, std::int64_t rtt_us = 10000, std::int64_t cwnd = 10,
                           std::int64_t in_flight = 0) {
    SubflowSnapshot s;
    s.id = id;
    s.rtt_us = rtt_us;
    s.cwnd = cwnd;
    s.skbs_in_flight = in_flight;
    s.slot = static_cast<std::uint8_t>(subflows.size());
    subflows.push_back(s);
    return subflows.back();
  }
  // A packet in Q (unsent).
  PacketMeta& unsent(std::int64_t seq, std::int64_t length = 1400) {
    packets.push_back(PacketMeta{seq, length, 0, 0, 0, false, true, false, false});
    q.push_back(&packets.back());
    return packets.back();
  }
  // A packet in QU, pushed on the subflows at the given positions (slots).
  PacketMeta& sent(std::int64_t seq, std::vector<int> on = {}, std::int64_t length = 1400) {
    std::uint64_t mask = 0;
    for (int i : on) mask |= std::uint64_t{1} << subflows.at(static_cast<std::size_t>(i)).slot;
    packets.push_back(PacketMeta{seq, length, 0, 0, mask, false, false, true, false});
    qu.push_back(&packets.back());
    return packets.back();
  }
  void reinject(const PacketMeta& p) { rq.push_back(&p); }

  SchedulerView view() const {
    SchedulerView v;
    v.subflows = subflows;
    v.q = q;
    v.qu = qu;
    v.rq = rq;
    v.now_us = now_us;
    v.window_end = window_end;
    v.mss = mss;
    return v;
  }
};

}  // namespace progmp::testing

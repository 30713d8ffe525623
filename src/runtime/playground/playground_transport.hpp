// The playground's model of the transport (runtime.md §14.3): subflow values straight from the view, the
// untransmitted copies of each packet (queued_on) for deduplication, and a queued PUSH incrementing the subflow's
// queued count. Nothing is ever transmitted, acknowledged or lost, and time does not advance.
#pragma once

#include <map>
#include <set>

#include "progmp/runtime/playground.hpp"
#include "progmp/runtime/transport.hpp"

namespace progmp::runtime {

class PlaygroundTransport final : public Transport {
 public:
  explicit PlaygroundTransport(const PlaygroundView& view) : view_(view) {
    for (const ViewSubflow& s : view.subflows) subflows_[static_cast<SubflowId>(s.id)] = s;
    for (const ViewPacket& p : view.packets) {
      for (std::int64_t id : p.queued_on) queued_on_[p.seq].insert(static_cast<SubflowId>(id));
    }
  }

  EnqueueResult enqueue(ConnId, SubflowId subflow, const PacketMeta& packet) override {
    if (!queued_on_[packet.seq].insert(subflow).second) return EnqueueResult::Deduplicated;
    ViewSubflow& s = subflows_.at(subflow);
    if (s.queued < INT64_MAX) ++s.queued;
    return EnqueueResult::Queued;
  }
  void arm_timer(ConnId, std::int64_t) override {}
  void cancel_timer(ConnId) override {}
  std::int64_t now_us(ConnId) override { return view_.time_ms * 1000; }
  void subflow_values(ConnId, SubflowId subflow, SubflowValues& out) override {
    const ViewSubflow& s = subflows_.at(subflow);
    out.srtt_us = s.rtt;
    out.rttvar_us = s.rtt_var;
    out.cwnd = s.cwnd;
    out.ssthresh = s.ssthresh;
    out.in_flight = s.skbs_in_flight;
    out.queued = s.queued;
    out.lost = s.lost_skbs;
    out.backup = s.is_backup;
    out.throttled = s.throttled;
    out.in_rto_recovery = s.lossy;
    out.delay_in_us = s.delay_in;
    out.delay_out_us = s.delay_out;
    out.delivery_rate = s.bw;
    out.loss_rate_permille = s.loss_rate;
  }
  std::int64_t window_end(ConnId) override { return view_.window_end; }
  std::int64_t mss(ConnId) override { return view_.mss; }

  const ViewSubflow& subflow(SubflowId id) const { return subflows_.at(id); }
  const std::set<SubflowId>& queued_on(std::int64_t seq) { return queued_on_[seq]; }

 private:
  const PlaygroundView& view_;
  std::map<SubflowId, ViewSubflow> subflows_;
  std::map<std::int64_t, std::set<SubflowId>> queued_on_;
};

}  // namespace progmp::runtime

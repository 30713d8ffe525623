// The read-only scheduler view one execution sees (runtime.md §7.1): the available subflows in ascending ID and the
// three queues in ascending SEQ, as spans over records the runtime owns. Building a view costs O(|SUBFLOWS|); no
// queue is copied. Engines never modify it: POP and SET visibility live in the engine's scratch state.
#pragma once

#include <cstdint>
#include <span>

namespace progmp {

inline constexpr int kMaxSubflows = 32;      // available at a time (runtime.md §3.2)
inline constexpr int kSentOnSlots = 64;      // bits of PacketMeta::sent_on (connection subflow slots)
inline constexpr std::int64_t kUnlimitedWindow = INT64_MAX;

// One member of SUBFLOWS with every value of language.md §9 as of the execution start.
struct SubflowSnapshot {
  std::int64_t id = 0;
  std::int64_t rtt_us = 0;
  std::int64_t rtt_var_us = 0;
  std::int64_t cwnd = 0;
  std::int64_t ssthresh = 2147483647;
  std::int64_t skbs_in_flight = 0;
  std::int64_t queued = 0;
  std::int64_t lost_skbs = 0;
  std::int64_t delay_in_us = 0;   // meaningful only if has_delay_in
  std::int64_t delay_out_us = 0;  // meaningful only if has_delay_out
  std::int64_t bw_out_send = 0;
  std::int64_t bw_out_ack = 0;
  std::int64_t bw = 0;
  std::int64_t loss_rate = 0;     // per mille
  std::int64_t user = 0;
  bool has_delay_in = false;
  bool has_delay_out = false;
  bool is_backup = false;
  bool throttled = false;
  bool lossy = false;
  std::uint8_t slot = 0;          // bit index of this subflow in PacketMeta::sent_on
};

// One unacknowledged packet (runtime.md §3.3). The runtime owns these records; their addresses are stable while the
// packet is unacknowledged, so engines name packets by pointer in the effect log.
struct PacketMeta {
  std::int64_t seq = 0;
  std::int64_t length = 0;
  std::int64_t user = 0;
  std::int64_t t_app_us = 0;      // connection clock at the send call (AGE_MS)
  std::uint64_t sent_on = 0;      // bit `SubflowSnapshot::slot` set = pushed to that subflow (SENT_ON)
  bool psh = false;
  // Runtime bookkeeping (runtime.md §4.1); engines read membership only through the view's spans.
  bool in_q = false;
  bool pushed = false;
  bool in_rq = false;
};

struct SchedulerView {
  std::span<const SubflowSnapshot> subflows;   // SUBFLOWS, ascending id
  std::span<const PacketMeta* const> q;        // Q, ascending seq
  std::span<const PacketMeta* const> qu;       // QU, ascending seq
  std::span<const PacketMeta* const> rq;       // RQ, ascending seq, every member also in qu
  std::int64_t now_us = 0;                     // connection clock; CURRENT_TIME_MS = now_us / 1000
  std::int64_t window_end = kUnlimitedWindow;  // WINDOW_END
  std::int64_t mss = 1400;                     // MSS

  bool sent_on(const PacketMeta& p, std::size_t subflow_pos) const {
    return (p.sent_on >> subflows[subflow_pos].slot) & 1u;
  }
};

}  // namespace progmp

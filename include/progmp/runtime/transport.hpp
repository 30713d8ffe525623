// What the runtime needs from a transport (runtime.md §15.2): the interface the runtime calls. The transport's
// calls into the runtime (§15.3) are the on_* members of Runtime.
//
// Protocol: during a round (inside Runtime::poll or an API call) the runtime calls only the members below; the
// transport appends copies to send queues and answers queries but transmits nothing until the round returns.
// All values must be consistent with each other at the moment they are read.
#pragma once

#include <cstdint>
#include <optional>

#include "progmp/exec/view.hpp"

namespace progmp::runtime {

using ConnId = std::uint64_t;     // chosen by the transport, unique within a runtime instance
using SubflowId = std::uint32_t;  // 1 … 2^31−1, increasing in creation order, never reused (§3.2)

// Per-subflow values of §15.1 as the transport sees them now. USER, BW_OUT_SEND and BW_OUT_ACK are the runtime's.
struct SubflowValues {
  std::int64_t srtt_us = 0;
  std::int64_t rttvar_us = 0;
  std::int64_t cwnd = 0;
  std::int64_t ssthresh = 2147483647;
  std::int64_t in_flight = 0;            // RFC 6675 pipe (SKBS_IN_FLIGHT)
  std::int64_t queued = 0;               // copies in the send queue not yet transmitted (QUEUED)
  std::int64_t lost = 0;                 // LOST_SKBS
  bool backup = false;                   // IS_BACKUP
  bool throttled = false;                // THROTTLED
  bool in_rto_recovery = false;          // LOSSY
  std::optional<std::int64_t> delay_in_us;
  std::optional<std::int64_t> delay_out_us;
  std::int64_t delivery_rate = 0;        // BW, bytes/s
  std::int64_t loss_rate_permille = 0;   // LOSS_RATE
};

enum class EnqueueResult : std::uint8_t {
  Queued,        // a copy was appended to the subflow's send queue
  Deduplicated,  // the subflow already held an untransmitted copy; nothing changed
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Appends a copy of `packet` to the send queue of `subflow` unless an untransmitted copy is already there.
  // The subflow is available (a member of SUBFLOWS) and the packet unacknowledged. The payload is read later
  // through Runtime::read_payload; `packet` stays valid until the packet is data-acknowledged.
  virtual EnqueueResult enqueue(ConnId conn, SubflowId subflow, const PacketMeta& packet) = 0;

  // Idle timer (§5): at most one per connection; arming replaces a pending one. When it fires the transport calls
  // Runtime::on_timer(conn) and then Runtime::poll(conn).
  virtual void arm_timer(ConnId conn, std::int64_t at_us) = 0;
  virtual void cancel_timer(ConnId conn) = 0;

  virtual std::int64_t now_us(ConnId conn) = 0;  // µs since the runtime's epoch; never decreases
  virtual void subflow_values(ConnId conn, SubflowId subflow, SubflowValues& out) = 0;
  virtual std::int64_t window_end(ConnId conn) = 0;  // kUnlimitedWindow when unlimited
  virtual std::int64_t mss(ConnId conn) = 0;         // data-level payload size, ≥ 1
};

}  // namespace progmp::runtime

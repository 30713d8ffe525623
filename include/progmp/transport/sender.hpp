// The sending side of the multipath transport (sans-IO): connections whose application data flows from this host
// to a peer Receiver over N subflows. It implements runtime::Transport, so the scheduler runtime decides which
// packet goes to which subflow; everything below that decision is here: per-subflow sequence numbers, SACK-based
// loss recovery (RFC 6675), RTT and RTO (RFC 6298, Karn), congestion control (cc/), the data-level receive window,
// the data-level retransmission timer, subflow establishment (JOIN), failure and recovery.
//
// Driving it (the simulator does this; a UDP driver will do the same with real time):
//   * every input carries `now`: handle_datagram(), handle_timeout(), and set_time() before an application call on
//     the runtime (send, set_register, ...). After processing an input completely the Sender calls
//     runtime.poll(conn) itself (runtime.md §15.3), so a datagram in gives at most one scheduling round.
//   * after any input, call poll_transmit() until it returns nothing, and re-arm one timer at next_timeout().
// Nothing is transmitted during a round: enqueue() only appends to send queues (runtime.md §15.3).
//
// Subflows: add_subflow() sends a JOIN on the interface; the subflow joins SUBFLOWS when the peer's ACK arrives
// (that round trip is the first RTT sample). After `max_consecutive_rtos` timeouts it fails: its queued and
// outstanding packets are reported (runtime.md §8) and dropped, and it probes its path with JOINs every
// probe_interval; the first answer recovers it (same runtime ID, fresh path ID, fresh congestion state).
// Data flows in one direction per connection (sender → receiver); the paper's experiments need no more.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/runtime/transport.hpp"
#include "progmp/transport/config.hpp"
#include "progmp/transport/transmit.hpp"
#include "progmp/transport/units.hpp"
#include "progmp/transport/wire.hpp"

namespace progmp::transport {

// Counters of one subflow, for metrics (bytes are payload bytes of DATA frames).
struct SubflowCounters {
  std::uint64_t bytes_sent = 0;           // first transmissions and retransmissions
  std::uint64_t retransmitted_bytes = 0;  // retransmissions only
  std::uint64_t segments_sent = 0;
  std::uint64_t segments_lost = 0;        // declared lost (SACK or timeout)
  std::uint64_t timeouts = 0;
  std::uint64_t failures = 0;
  double rtt_sum_ms = 0;                  // over RTT samples
  std::uint64_t rtt_samples = 0;
};

struct SenderCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_rejected = 0;   // malformed, unknown connection or path, or an impossible ACK
  std::uint64_t datagrams_out = 0;
  std::uint64_t wire_bytes_out = 0;
  std::uint64_t data_rto_reinjections = 0;
};

class Sender final : public runtime::Transport {
 public:
  explicit Sender(TransportConfig config = {});
  ~Sender() override;
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // The runtime this transport serves (it must have been constructed with *this). Call once, before open().
  void attach(runtime::Runtime& runtime) { rt_ = &runtime; }
  const TransportConfig& config() const { return config_; }

  // Opens a connection and its runtime side; `token` authenticates JOINs (the receiver must know it).
  // False if the ID is in use.
  bool open(runtime::ConnId conn, std::uint64_t token, Instant now);
  // Starts a subflow on local interface `interface`; returns its runtime ID (0 if the connection is unknown or
  // already has 32 usable subflows).
  runtime::SubflowId add_subflow(runtime::ConnId conn, std::uint32_t interface, bool backup, Instant now);
  // Removes a subflow for good (runtime on_subflow_removed).
  bool remove_subflow(runtime::ConnId conn, runtime::SubflowId subflow, Instant now);
  // The local backup preference (sent to the peer as a BACKUP frame).
  bool set_backup(runtime::ConnId conn, runtime::SubflowId subflow, bool backup, Instant now);
  // The simulator reports whether the subflow's local link queue is above the THROTTLED threshold.
  void set_throttled(runtime::ConnId conn, runtime::SubflowId subflow, bool throttled, Instant now);
  // The application's end of stream: no byte at or after `stream_end` will be sent. Calls Runtime::end_of_flow;
  // once every byte is acknowledged at the data level the Sender sends a FIN (a DATA frame of length 0 at
  // stream_end) on one subflow and retransmits it like data until it is acknowledged. False for an unknown
  // connection or a second close.
  bool close(runtime::ConnId conn, std::int64_t stream_end, Instant now);
  // True once the peer acknowledged the FIN: the stream is complete.
  bool closed(runtime::ConnId conn) const;
  // Sets the connection clock before an application call on the runtime.
  void set_time(Instant now) { now_ = now; }

  // ---- sans-IO inputs and outputs ----
  // A datagram from the network on `interface`. False if it was rejected (counted; nothing changed).
  bool handle_datagram(Instant now, std::uint32_t interface, std::span<const std::byte> datagram);
  void handle_timeout(Instant now);
  std::optional<Instant> next_timeout() const;
  // Writes the next datagram into `buffer` (at least max_datagram_size(mss) bytes).
  std::optional<Transmit> poll_transmit(Instant now, std::span<std::byte> buffer);

  // ---- inspection ----
  const SenderCounters& counters() const { return counters_; }
  // Counters of a subflow, nullptr if unknown.
  const SubflowCounters* subflow_counters(runtime::ConnId conn, runtime::SubflowId subflow) const;
  // Stream offset acknowledged at the data level (everything below reached the peer application).
  std::int64_t data_acked(runtime::ConnId conn) const;
  // True if the subflow is a member of SUBFLOWS now.
  bool subflow_available(runtime::ConnId conn, runtime::SubflowId subflow) const;

  // ---- runtime::Transport ----
  runtime::EnqueueResult enqueue(runtime::ConnId conn, runtime::SubflowId subflow,
                                 const PacketMeta& packet) override;
  void arm_timer(runtime::ConnId conn, std::int64_t at_us) override;
  void cancel_timer(runtime::ConnId conn) override;
  std::int64_t now_us(runtime::ConnId) override { return now_.ns_since_epoch() / 1000; }
  void subflow_values(runtime::ConnId conn, runtime::SubflowId subflow, runtime::SubflowValues& out) override;
  std::int64_t window_end(runtime::ConnId conn) override;
  std::int64_t mss(runtime::ConnId) override { return config_.mss; }

  struct Conn;    // defined in src/transport/sender_state.hpp
  struct Subflow;

 private:
  Conn* find(runtime::ConnId conn) const;
  Subflow* find_subflow(Conn& c, runtime::SubflowId id) const;
  bool process_ack(Conn& c, Subflow& s, const wire::Ack& ack, std::optional<Instant> peer_time, Instant now);
  void on_rto(Conn& c, Subflow& s, Instant now);
  void fail(Conn& c, Subflow& s, Instant now);
  // Into seq_scratch_: every unacknowledged packet with a copy queued or in flight (not SACKed) on `s`, ascending,
  // without duplicates (runtime.md §8), then drops those copies and the subflow's outstanding segments (a FIN among
  // them is sent again by another subflow).
  void take_affected(Conn& c, Subflow& s);

  TransportConfig config_;
  runtime::Runtime* rt_ = nullptr;
  Instant now_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::size_t next_conn_ = 0;  // round-robin start for poll_transmit
  SenderCounters counters_;
  std::vector<std::byte> payload_scratch_;
  std::vector<std::int64_t> seq_scratch_;
  struct Acked {
    Instant sent_at;
    std::uint32_t length;
  };
  std::vector<Acked> acked_scratch_;
};

}  // namespace progmp::transport

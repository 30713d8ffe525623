// The receiving side of one multipath connection (sans-IO): accepts the subflows the sender JOINs, acknowledges
// every subflow on its own (cumulative ACK + SACK, delayed ACKs) and reassembles the data stream at the data level.
//
// Delivery rule (the paper's receiver fix): a byte is handed to the application as soon as every byte before it
// has arrived on any subflow, without waiting for in-order arrival within a subflow. Each byte is delivered exactly
// once and in stream order; duplicates (redundant copies, retransmissions) are discarded.
//
// Flow control: the data-level window is [data_ack, data_ack + rcv_buf_bytes); out-of-window data is dropped. The
// application is assumed to read immediately (DeliverySink), so the window end moves with data_ack.
// Memory: a ring of rcv_buf_bytes holds out-of-order data; the steady state allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "progmp/transport/config.hpp"
#include "progmp/transport/ids.hpp"
#include "progmp/transport/transmit.hpp"
#include "progmp/transport/units.hpp"

namespace progmp::transport {

// Where in-order data goes. Calls arrive in stream order with contiguous offsets.
class DeliverySink {
 public:
  virtual void on_data(std::uint64_t offset, std::span<const std::byte> bytes) = 0;

 protected:
  ~DeliverySink() = default;
};

struct ReceiverCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_rejected = 0;  // malformed, other connection, unknown path, bad token
  std::uint64_t duplicate_bytes = 0;     // payload bytes already received (redundant copies, retransmissions)
  std::uint64_t out_of_window_bytes = 0;
  std::uint64_t acks_sent = 0;
};

class Receiver {
 public:
  Receiver(ConnectionId connection, std::uint64_t token, TransportConfig config = {});

  void set_sink(DeliverySink* sink) { sink_ = sink; }

  // A datagram from the network on `interface`; false if rejected (counted; nothing changed).
  bool handle_datagram(Instant now, std::uint32_t interface, std::span<const std::byte> datagram);
  void handle_timeout(Instant now);
  std::optional<Instant> next_timeout() const;
  std::optional<Transmit> poll_transmit(Instant now, std::span<std::byte> buffer);

  // Asks the sender to treat the subflow on `path` as backup (or not): a BACKUP frame with the next ACK.
  bool set_backup(PathId path, bool backup);

  std::uint64_t delivered() const { return data_ack_; }  // bytes delivered in order = the data ACK
  // True once the sender's FIN arrived and every byte before it was delivered: the stream is complete.
  bool stream_finished() const { return fin_offset_ && data_ack_ >= *fin_offset_; }
  const ReceiverCounters& counters() const { return counters_; }
  std::size_t paths() const { return paths_.size(); }

 private:
  struct Range {
    std::uint64_t start, end;
  };
  struct PathState {
    PathId id{};
    std::uint32_t interface = 0;
    std::uint64_t cumulative = 0;  // next subflow seq expected
    std::vector<Range> sacked;     // received above cumulative, ascending, disjoint, not adjacent
    std::uint32_t unacked = 0;     // in-order segments not yet acknowledged
    bool ack_now = false;
    std::optional<Instant> ack_deadline;
    Instant echo;                  // TIMESTAMP of the datagram that triggers the next ACK
    Instant echo_arrival;
    std::optional<bool> backup_to_send;
  };

  PathState* find_path(PathId id);
  void on_data(PathState& p, std::uint64_t subflow_seq, std::uint64_t offset, std::span<const std::byte> payload,
               Instant now);
  void store(std::uint64_t offset, std::span<const std::byte> payload);
  void deliver();

  ConnectionId connection_;
  std::uint64_t token_;
  TransportConfig config_;
  DeliverySink* sink_ = nullptr;
  std::vector<PathState> paths_;
  std::size_t next_path_ = 0;  // round-robin start for poll_transmit
  std::uint64_t data_ack_ = 0;
  std::optional<std::uint64_t> fin_offset_;
  std::vector<std::byte> ring_;  // out-of-order data, indexed by offset mod size
  std::vector<Range> have_;      // received data ranges above data_ack_, ascending, disjoint, not adjacent
  ReceiverCounters counters_;
};

}  // namespace progmp::transport

// The receiving half of a connection's data level (private to src/transport): reassembles the peer's stream from
// DATA frames of any subflow and holds it until the application reads it.
//
// Delivery rule (the paper's receiver fix): a byte becomes readable as soon as every byte before it has arrived on
// any subflow, without waiting for in-order arrival within a subflow. Each byte is readable exactly once and in
// stream order; duplicates (redundant copies, retransmissions) are discarded.
//
// Flow control: the window is [read, read + capacity): bytes the application has not read yet occupy it, so a slow
// reader closes the window and the sender stops (the simulator's application reads at once, which makes the window
// [received, received + capacity) as before). Out-of-window data is dropped. Memory: one ring of `capacity` bytes
// holds both out-of-order and unread data; the steady state allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "subflow.hpp"

namespace progmp::transport {

class ReceiveStream {
 public:
  explicit ReceiveStream(std::uint64_t capacity);

  // Stores a DATA frame's payload at `offset`. Counts duplicate and out-of-window bytes. Returns true if the
  // contiguous prefix grew (new readable bytes).
  bool on_data(std::uint64_t offset, std::span<const std::byte> payload);
  // The peer's end of stream at `offset` (a FIN). A different second offset is a protocol violation (false).
  bool on_fin(std::uint64_t offset);

  // Copies readable bytes into `out`; returns the count.
  std::size_t read(std::span<std::byte> out);

  std::uint64_t received() const { return received_; }     // bytes arrived in order = the data ACK
  std::uint64_t read_offset() const { return read_; }
  std::uint64_t readable() const { return received_ - read_; }
  std::uint64_t window_end() const { return read_ + ring_.size(); }
  std::uint64_t capacity() const { return ring_.size(); }
  // True once the FIN and every byte before it arrived.
  bool finished() const { return fin_ && received_ >= *fin_; }
  // True once finished and everything was read.
  bool drained() const { return finished() && read_ >= received_; }
  std::uint64_t duplicate_bytes() const { return duplicate_bytes_; }
  std::uint64_t out_of_window_bytes() const { return out_of_window_bytes_; }

 private:
  void store(std::uint64_t offset, std::span<const std::byte> payload);

  std::vector<std::byte> ring_;  // indexed by offset mod size
  std::vector<SeqRange> have_;   // received ranges above received_, ascending, disjoint, not adjacent
  std::uint64_t received_ = 0;
  std::uint64_t read_ = 0;
  std::optional<std::uint64_t> fin_;
  std::uint64_t duplicate_bytes_ = 0;
  std::uint64_t out_of_window_bytes_ = 0;
};

// Inserts [start, end) into an ascending, disjoint, non-adjacent range list, merging neighbours.
void insert_range(std::vector<SeqRange>& v, std::uint64_t start, std::uint64_t end);

}  // namespace progmp::transport

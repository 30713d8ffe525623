// One direction of a network link: drop-tail queue → serialisation at `rate` (or at Mahimahi trace opportunities)
// → random loss → propagation `delay` + jitter → the next sink. A packet sink and an event source.
//
// Semantics (docs/simulator.md has the long form):
//   * Queue limit: a packet is dropped on arrival if it would make the queue (including the packet being
//     serialised) exceed queue_pkts packets or queue_bytes bytes; 0 means no limit for that dimension.
//   * Loss is decided when a packet finishes serialisation, so lost packets still used the bottleneck's capacity.
//   * Jitter: each packet gets an extra delay uniform in [0, jitter], but never leaves before the previous one
//     (delivery time = max(own time, previous delivery)), so jitter never reorders — as with a FIFO link, and unlike
//     netem's default.
//   * Changes (LinkChange) apply at their time; a rate change takes effect from the next packet to start
//     serialisation; a delay change applies to packets finishing serialisation afterwards (clamped, no reordering).
//   * Down: arriving packets and packets still queued are dropped (counted in dropped_down); packets already
//     propagating are delivered. Up: accepts packets again.
#pragma once

#include <optional>
#include <vector>

#include "progmp/sim/loss_model.hpp"
#include "progmp/sim/mahimahi_trace.hpp"
#include "progmp/sim/packet.hpp"
#include "progmp/transport/ring.hpp"

namespace progmp::sim {

struct LinkConfig {
  DataRate rate{};
  Duration delay{};
  Duration jitter{};
  std::uint64_t queue_pkts = 0;  // 0 = unlimited
  Bytes queue_bytes{0};          // 0 = unlimited
  LossModel loss{};
  const MahimahiTrace* trace = nullptr;  // if set, replaces `rate`; must outlive the link
};

// A scheduled change: every engaged field replaces the link's current setting at `at`.
struct LinkChange {
  Instant at{};
  std::optional<DataRate> rate{};
  std::optional<Duration> delay{};
  std::optional<LossModel> loss{};
  std::optional<bool> up{};
};

struct LinkCounters {
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t dropped_queue = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_down = 0;
  std::uint64_t delivered_packets = 0;
  std::uint64_t delivered_bytes = 0;
};

class Link final : public PacketSink, public EventHandler {
 public:
  // The width of one delivered-throughput bin.
  static constexpr Duration kSeriesInterval = Duration::millis(100);

  // `rng` should be Rng::stream(seed, id of this link). `next` must outlive the link.
  Link(LinkConfig config, Rng rng, PacketSink& next);
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Dropped packets (queue overflow, loss, down) are handed to `drops` instead of vanishing (nullptr: they vanish).
  // The testbed's link emulator gives the kernel a DROP verdict for each. `drops` must outlive the link.
  void set_drop_sink(PacketSink* drops) { drops_ = drops; }

  // Schedules the changes on `sim`; call once before running. Changes must be sorted by time.
  void schedule(Simulator& sim, std::vector<LinkChange> changes);

  void receive(Simulator& sim, Packet packet) override;
  void on_event(Simulator& sim, std::uint64_t tag) override;

  const LinkCounters& counters() const { return counters_; }
  // Current occupancy including the packet being serialised (THROTTLED reads this).
  std::size_t queued_packets() const { return queue_.size(); }
  Bytes queued_bytes() const { return queued_bytes_; }
  bool up() const { return up_; }
  const LinkConfig& config() const { return config_; }
  // Delivered Mbit/s per kSeriesInterval bin, from time 0 to the last delivery.
  std::vector<double> delivered_mbit_series() const;

 private:
  enum Tag : std::uint64_t { kTxDone = 0, kDeliver = 1, kFirstChange = 2 };
  void start_transmission(Simulator& sim);
  void drop_queue(Simulator& sim);
  void drop(Simulator& sim, Packet&& packet) {
    if (drops_ != nullptr) drops_->receive(sim, std::move(packet));
  }

  LinkConfig config_;
  LossProcess loss_;
  PacketSink* next_;
  PacketSink* drops_ = nullptr;
  std::optional<MahimahiTrace::Cursor> cursor_;
  bool up_ = true;
  bool busy_ = false;
  transport::Ring<Packet> queue_;  // front is being serialised when busy_
  Bytes queued_bytes_{0};
  struct InFlight {
    Instant at;
    Packet packet;
  };
  transport::Ring<InFlight> in_flight_;  // delivery times are non-decreasing (no reordering)
  Instant last_delivery_;
  Rng jitter_rng_;
  std::vector<LinkChange> changes_;
  LinkCounters counters_;
  std::vector<std::uint64_t> series_bytes_;
};

}  // namespace progmp::sim

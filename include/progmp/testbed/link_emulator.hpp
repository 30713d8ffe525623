// The testbed's link emulator, without its I/O: the simulator's own Link (drop-tail queue, serialisation at a rate,
// random loss, propagation delay, jitter, up/down and [[path.change]] schedules; semantics in sim/link.hpp) applied to
// real packets, so that one scenario file means the same paths in the simulator and on the testbed.
//
// The driver (nfqueue_driver.hpp) holds each packet in the kernel (NFQUEUE) and tells this class about it with the
// packet's IP length; this class decides when the packet leaves (Accept) or that it is lost (Drop), and the driver
// passes the verdict to the kernel. Time is the driver's clock as an Instant since the emulation's epoch (the moment
// that [[path.change]] at_s values count from). Every packet gets exactly one verdict.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "progmp/sim/link.hpp"

namespace progmp::testbed {

enum class Verdict { Accept, Drop };

class VerdictSink {
 public:
  // `link` is the index given to LinkEmulator, `packet` the driver's id for the packet.
  virtual void verdict(std::uint32_t link, std::uint32_t packet, Verdict v) = 0;

 protected:
  ~VerdictSink() = default;
};

struct EmulatedLink {
  sim::LinkConfig config;
  std::vector<sim::LinkChange> changes;  // sorted by time
  std::uint64_t rng_stream = 0;          // sim::element_id of the link's name, as the simulator derives it
};

class LinkEmulator {
 public:
  // `out` must outlive the emulator. Loss draws come from sim::Rng::stream(seed, link.rng_stream). The changes
  // wait for start_changes().
  LinkEmulator(const std::vector<EmulatedLink>& links, std::uint64_t seed, VerdictSink& out);
  ~LinkEmulator();
  LinkEmulator(const LinkEmulator&) = delete;
  LinkEmulator& operator=(const LinkEmulator&) = delete;

  // Schedules the links' changes relative to `epoch` (their at_s count from there); call at most once.
  void start_changes(transport::Instant epoch);

  // A packet of `ip_bytes` arrived on `link` at `now` (not before the previous call's time). Releases what is due
  // first; may give this packet's Drop verdict at once (queue full, link down).
  void packet(transport::Instant now, std::uint32_t link, std::uint32_t packet, std::uint32_t ip_bytes);
  // Gives the verdicts of every packet due by `now`.
  void advance(transport::Instant now);
  // When the next verdict (or path change) is due; false when nothing is pending.
  bool next_deadline(transport::Instant& at);

  std::size_t links() const;
  const sim::LinkCounters& counters(std::uint32_t link) const;

 private:
  struct Lane;
  sim::Simulator sim_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<std::vector<sim::LinkChange>> changes_;
};

}  // namespace progmp::testbed

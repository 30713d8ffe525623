// LinkEmulator: one sim::Link per emulated link, on a Simulator that follows the driver's clock.
#include "progmp/testbed/link_emulator.hpp"

#include "progmp/sim/rng.hpp"

namespace progmp::testbed {

// A link with the two ends its packets can reach: the far side (Accept) or the floor (Drop).
struct LinkEmulator::Lane {
  struct End final : sim::PacketSink {
    End(VerdictSink& out, std::uint32_t link, Verdict v) : out(out), link(link), verdict(v) {}
    void receive(sim::Simulator&, sim::Packet p) override {
      out.verdict(link, static_cast<std::uint32_t>(p.id), verdict);
    }
    VerdictSink& out;
    std::uint32_t link;
    Verdict verdict;
  };
  Lane(const EmulatedLink& l, std::uint32_t index, std::uint64_t seed, VerdictSink& out)
      : accept(out, index, Verdict::Accept),
        drop(out, index, Verdict::Drop),
        link(l.config, sim::Rng::stream(seed, l.rng_stream), accept) {
    link.set_drop_sink(&drop);
  }
  End accept, drop;
  sim::Link link;
};

LinkEmulator::LinkEmulator(const std::vector<EmulatedLink>& links, std::uint64_t seed, VerdictSink& out) {
  lanes_.reserve(links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    lanes_.push_back(std::make_unique<Lane>(links[i], static_cast<std::uint32_t>(i), seed, out));
    changes_.push_back(links[i].changes);
  }
}

void LinkEmulator::start_changes(transport::Instant epoch) {
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    std::vector<sim::LinkChange> shifted = changes_[i];
    for (sim::LinkChange& c : shifted) c.at = epoch + (c.at - transport::Instant::epoch());
    lanes_[i]->link.schedule(sim_, std::move(shifted));
  }
}

LinkEmulator::~LinkEmulator() = default;

void LinkEmulator::packet(transport::Instant now, std::uint32_t link, std::uint32_t packet, std::uint32_t ip_bytes) {
  advance(now);
  sim::Packet p;
  p.path = link;
  p.size = transport::Bytes(ip_bytes);
  p.id = packet;
  lanes_.at(link)->link.receive(sim_, std::move(p));
}

void LinkEmulator::advance(transport::Instant now) { sim_.run_until(now); }

bool LinkEmulator::next_deadline(transport::Instant& at) { return sim_.next_event_time(at); }

std::size_t LinkEmulator::links() const { return lanes_.size(); }

const sim::LinkCounters& LinkEmulator::counters(std::uint32_t link) const { return lanes_.at(link)->link.counters(); }

}  // namespace progmp::testbed

// A host of the simulation (private to src/sim): one transport Endpoint attached to the simulated network. It is
// the simulator's driver of the endpoint, doing exactly what the UDP driver does with sockets (docs/transport.md):
// datagrams from its links go to handle_datagram, its timer to handle_timeout, and after every input it drains
// poll_transmit onto the outgoing link of the datagram's interface and re-arms one timer at next_timeout.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "progmp/sim/link.hpp"
#include "progmp/sim/packet.hpp"
#include "progmp/sim/simulator.hpp"
#include "progmp/transport/endpoint.hpp"

namespace progmp::sim {

class Host final : public PacketSink, public EventHandler {
 public:
  // `outgoing[i]` carries what the endpoint sends on interface i; `peer_address(i)` is the address the peer's
  // datagrams arriving on interface i come from. `after_input` runs after every input is processed and before the
  // output is drained (the session reads events and feeds workloads there).
  Host(Simulator& sim, transport::Endpoint& endpoint, std::uint32_t network_overhead);

  void add_interface(Link& outgoing, const transport::Address& peer_address);
  void set_after_input(std::function<void()> f) { after_input_ = std::move(f); }

  // Drains the endpoint's output onto the links and re-arms its timer; call after an application call.
  void flush();

  transport::Endpoint& endpoint() { return endpoint_; }

  // ---- simulator callbacks ----
  void receive(Simulator& sim, Packet packet) override;
  void on_event(Simulator& sim, std::uint64_t tag) override;

 private:
  struct Armed {
    EventId id;
    Instant at;
  };
  std::vector<std::byte> take_buffer();
  // A delivered packet's buffer is reused for a later datagram, so the steady state allocates no payloads.
  void recycle(Packet& p);
  void input_done();

  Simulator& sim_;
  transport::Endpoint& endpoint_;
  std::uint32_t network_overhead_;
  std::vector<Link*> outgoing_;
  std::vector<transport::Address> peers_;
  std::vector<std::byte> tx_buffer_;
  std::vector<std::vector<std::byte>> pool_;
  std::optional<Armed> timer_;
  std::function<void()> after_input_;
};

}  // namespace progmp::sim

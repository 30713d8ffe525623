#include "host.hpp"

#include <algorithm>

namespace progmp::sim {

Host::Host(Simulator& sim, transport::Endpoint& endpoint, std::uint32_t network_overhead)
    : sim_(sim), endpoint_(endpoint), network_overhead_(network_overhead) {
  tx_buffer_.resize(transport::max_datagram_size(endpoint.config().transport.mss) + 256);
}

void Host::add_interface(Link& outgoing, const transport::Address& peer_address) {
  outgoing_.push_back(&outgoing);
  peers_.push_back(peer_address);
}

std::vector<std::byte> Host::take_buffer() {
  if (pool_.empty()) return {};
  std::vector<std::byte> v = std::move(pool_.back());
  pool_.pop_back();
  return v;
}

void Host::recycle(Packet& p) {
  if (pool_.size() < 4096) pool_.push_back(std::move(p.payload));
}

void Host::receive(Simulator&, Packet packet) {
  const transport::Route from{packet.path, peers_[packet.path]};
  endpoint_.handle_datagram(sim_.now(), from, packet.payload);
  recycle(packet);
  input_done();
}

void Host::on_event(Simulator&, std::uint64_t) {
  timer_.reset();
  endpoint_.handle_timeout(sim_.now());
  input_done();
}

void Host::input_done() {
  if (after_input_) after_input_();
  flush();
}

void Host::flush() {
  while (auto t = endpoint_.poll_transmit(sim_.now(), tx_buffer_)) {
    if (t->route.interface >= outgoing_.size()) continue;  // an address the network does not have
    Packet p;
    p.path = t->route.interface;
    p.size = Bytes(t->size + network_overhead_);
    p.payload = take_buffer();
    p.payload.assign(tx_buffer_.begin(), tx_buffer_.begin() + static_cast<std::ptrdiff_t>(t->size));
    outgoing_[t->route.interface]->receive(sim_, std::move(p));
  }
  const std::optional<Instant> want = endpoint_.next_timeout();
  if (timer_ && want && timer_->at == *want) return;
  if (timer_) sim_.cancel(timer_->id);
  timer_.reset();
  if (want) {
    const Instant at = std::max(*want, sim_.now());
    timer_ = Armed{sim_.schedule_at(at, *this, 0), at};
  }
}

}  // namespace progmp::sim

// Link: queue, serialisation, loss, propagation (semantics in link.hpp).
#include "progmp/sim/link.hpp"

#include <algorithm>
#include <utility>

namespace progmp::sim {

Link::Link(LinkConfig config, Rng rng, PacketSink& next)
    : config_(config),
      loss_(config.loss, Rng(rng.next_u64())),
      next_(&next),
      jitter_rng_(rng.next_u64()) {
  if (config_.trace != nullptr) cursor_.emplace(*config_.trace);
}

void Link::schedule(Simulator& sim, std::vector<LinkChange> changes) {
  changes_ = std::move(changes);
  for (std::size_t i = 0; i < changes_.size(); ++i) {
    sim.schedule_at(std::max(changes_[i].at, sim.now()), *this, kFirstChange + i);
  }
}

void Link::receive(Simulator& sim, Packet packet) {
  ++counters_.packets_in;
  counters_.bytes_in += packet.size.count();
  if (!up_) {
    ++counters_.dropped_down;
    drop(sim, std::move(packet));
    return;
  }
  const bool over_pkts = config_.queue_pkts != 0 && queue_.size() + 1 > config_.queue_pkts;
  const bool over_bytes =
      config_.queue_bytes.count() != 0 && (queued_bytes_ + packet.size).count() > config_.queue_bytes.count();
  if (over_pkts || over_bytes) {
    ++counters_.dropped_queue;
    drop(sim, std::move(packet));
    return;
  }
  queued_bytes_ += packet.size;
  queue_.push_back(std::move(packet));
  if (!busy_) start_transmission(sim);
}

void Link::start_transmission(Simulator& sim) {
  busy_ = true;
  Instant done;
  if (cursor_) {
    done = cursor_->next(sim.now());
  } else {
    const Duration tx = config_.rate.transmission_time(queue_.front().size);
    // Rate 0 stalls the link until a change raises it; the change handler restarts transmission.
    if (tx == Duration::max()) {
      busy_ = false;
      return;
    }
    done = sim.now() + tx;
  }
  sim.schedule_at(done, *this, kTxDone);
}

void Link::drop_queue(Simulator& sim) {
  // The packet being serialised stays (its kTxDone event is pending) and is dropped when it completes.
  const std::size_t keep = busy_ ? 1 : 0;
  while (queue_.size() > keep) {
    queued_bytes_ -= queue_.back().size;
    Packet p = std::move(queue_.back());
    queue_.pop_back();
    ++counters_.dropped_down;
    drop(sim, std::move(p));
  }
}

void Link::on_event(Simulator& sim, std::uint64_t tag) {
  if (tag == kTxDone) {
    Packet p = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= p.size;
    busy_ = false;
    if (!up_) {
      ++counters_.dropped_down;
      drop(sim, std::move(p));
    } else if (loss_.lose()) {
      ++counters_.dropped_loss;
      drop(sim, std::move(p));
    } else {
      Duration extra = Duration::zero();
      if (config_.jitter > Duration::zero()) {
        extra = Duration::nanos(static_cast<std::int64_t>(jitter_rng_.below(
            static_cast<std::uint64_t>(config_.jitter.ns()) + 1)));
      }
      const Instant at = std::max(sim.now() + config_.delay + extra, last_delivery_);
      last_delivery_ = at;
      in_flight_.push_back(InFlight{at, std::move(p)});
      sim.schedule_at(at, *this, kDeliver);
    }
    if (!queue_.empty()) start_transmission(sim);
    return;
  }
  if (tag == kDeliver) {
    Packet p = std::move(in_flight_.front().packet);
    in_flight_.pop_front();
    ++counters_.delivered_packets;
    counters_.delivered_bytes += p.size.count();
    const auto bin = static_cast<std::size_t>(sim.now().ns_since_epoch() / kSeriesInterval.ns());
    if (bin >= series_bytes_.size()) series_bytes_.resize(bin + 1, 0);
    series_bytes_[bin] += p.size.count();
    next_->receive(sim, std::move(p));
    return;
  }
  const LinkChange& c = changes_[tag - kFirstChange];
  if (c.rate) config_.rate = *c.rate;
  if (c.delay) config_.delay = *c.delay;
  if (c.loss) {
    config_.loss = *c.loss;
    loss_.set_model(*c.loss);
  }
  if (c.up) {
    up_ = *c.up;
    if (!up_) drop_queue(sim);
  }
  if (up_ && !busy_ && !queue_.empty()) start_transmission(sim);
}

std::vector<double> Link::delivered_mbit_series() const {
  std::vector<double> out;
  out.reserve(series_bytes_.size());
  for (std::uint64_t b : series_bytes_) out.push_back(static_cast<double>(b) * 8.0 / kSeriesInterval.as_seconds() / 1e6);
  return out;
}

}  // namespace progmp::sim

// A Sender and a Receiver joined by N simple paths (fixed one-way delay, a serialisation rate, a drop rule) on a
// hand-rolled event loop: enough network to test the transport without the simulator component.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/transport/receiver.hpp"
#include "progmp/transport/sender.hpp"

namespace progmp::transport::test {

struct PairPath {
  Duration delay = Duration::millis(10);
  std::uint64_t rate_bps = 100'000'000;
  bool backup = false;
};

class Pair : public DeliverySink {
 public:
  static constexpr runtime::ConnId kConn = 7;
  static constexpr std::uint64_t kToken = 42;

  // drop(interface, to_receiver, index of the datagram on that path and direction, now) → true drops it.
  using DropRule = std::function<bool(std::uint32_t, bool, std::uint64_t, Instant)>;

  explicit Pair(std::vector<PairPath> paths, TransportConfig cfg = {})
      : cfg_(cfg), paths_(std::move(paths)), sender(cfg_), rt(sender), receiver(ConnectionId{kConn}, kToken, cfg_) {
    rt.set_log([](std::string_view) {});
    sender.attach(rt);
    receiver.set_sink(this);
    sender.open(kConn, kToken, now);
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      ids.push_back(sender.add_subflow(kConn, static_cast<std::uint32_t>(i), paths_[i].backup, now));
      busy_until_.push_back({now, now});
      counts_.push_back({0, 0});
    }
    buf_.resize(max_datagram_size(cfg_.mss) + 512);
    pump();
  }

  // Sends `n` bytes whose value is a function of their stream offset; returns the accepted count.
  std::size_t send(std::size_t n, std::int64_t user = 0) {
    std::vector<std::byte> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = pattern(offset_ + i);
    sender.set_time(now);
    const std::size_t accepted = rt.send(kConn, data, runtime::SendOptions{user, true}).accepted;
    offset_ += accepted;
    pump();
    return accepted;
  }

  void run_until(Instant t) {
    while (true) {
      Instant next = t;
      bool have = false;
      auto consider = [&](std::optional<Instant> x) {
        if (x && *x <= next) {
          next = *x;
          have = true;
        }
      };
      if (!flights_.empty()) consider(flights_.front().at);
      consider(sender.next_timeout());
      consider(receiver.next_timeout());
      if (!have) break;
      now = std::max(now, next);
      if (!flights_.empty() && flights_.front().at <= now) {
        std::pop_heap(flights_.begin(), flights_.end(), later);
        Flight f = std::move(flights_.back());
        flights_.pop_back();
        if (f.to_receiver) receiver.handle_datagram(now, f.interface, f.bytes);
        else sender.handle_datagram(now, f.interface, f.bytes);
      } else {
        if (sender.next_timeout() && *sender.next_timeout() <= now) sender.handle_timeout(now);
        if (receiver.next_timeout() && *receiver.next_timeout() <= now) receiver.handle_timeout(now);
      }
      pump();
    }
    now = std::max(now, t);
  }
  void run_for(Duration d) { run_until(now + d); }

  void on_data(std::uint64_t offset, std::span<const std::byte> bytes) override {
    if (offset != delivered) intact = false;
    for (std::size_t i = 0; i < bytes.size(); ++i)
      if (bytes[i] != pattern(offset + i)) intact = false;
    delivered = offset + bytes.size();
  }

  std::uint64_t offset() const { return offset_; }
  // Drains both endpoints' output; call after an API call on either endpoint (as a driver does after any input).
  void pump() {
    bool any = true;
    while (any) {
      any = false;
      while (auto t = sender.poll_transmit(now, buf_)) emit(true, *t), any = true;
      while (auto t = receiver.poll_transmit(now, buf_)) emit(false, *t), any = true;
    }
  }

  static std::byte pattern(std::uint64_t o) { return static_cast<std::byte>((o * 7 + 3) % 253); }

  DropRule drop;
  Instant now;
  TransportConfig cfg_;
  std::vector<PairPath> paths_;
  Sender sender;
  runtime::Runtime rt;
  Receiver receiver;
  std::vector<runtime::SubflowId> ids;
  std::uint64_t delivered = 0;
  bool intact = true;
  std::uint64_t dropped = 0;

 private:
  struct Flight {
    Instant at;
    std::uint64_t order;
    bool to_receiver;
    std::uint32_t interface;
    std::vector<std::byte> bytes;
  };
  static bool later(const Flight& a, const Flight& b) { return a.at != b.at ? a.at > b.at : a.order > b.order; }

  void emit(bool to_receiver, const Transmit& t) {
    auto& count = to_receiver ? counts_[t.interface].first : counts_[t.interface].second;
    const std::uint64_t index = count++;
    const PairPath& p = paths_[t.interface];
    Instant& busy = to_receiver ? busy_until_[t.interface].first : busy_until_[t.interface].second;
    const Instant start = std::max(now, busy);
    busy = start + Duration::nanos(static_cast<std::int64_t>((t.size + 28) * 8 * 1'000'000'000ULL / p.rate_bps));
    if (drop && drop(t.interface, to_receiver, index, now)) {
      ++dropped;
      return;
    }
    flights_.push_back(Flight{busy + p.delay, order_++, to_receiver, t.interface,
                              std::vector<std::byte>(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(t.size))});
    std::push_heap(flights_.begin(), flights_.end(), later);
  }

  std::vector<Flight> flights_;
  std::vector<std::pair<Instant, Instant>> busy_until_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> counts_;
  std::vector<std::byte> buf_;
  std::uint64_t order_ = 0;
  std::uint64_t offset_ = 0;
};

}  // namespace progmp::transport::test

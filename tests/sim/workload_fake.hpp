// A stand-in for the simulated hosts in workload tests: an AppSocket with a send buffer of `buffer` bytes and a
// delivery model on the real Simulator. Each accepted send() call is serialised at `rate` bytes/s (0 = instantly,
// calls queue FIFO) and reaches the receiving application `delay` after its last byte was serialised; its buffer
// space is freed at that moment (the ACK is taken as instantaneous). Every delivery calls on_delivered and then
// on_writable of every runner, in the order given. Send calls and register writes are logged as text.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "progmp/sim/simulator.hpp"
#include "progmp/sim/workload.hpp"

namespace progmp::sim::testing {

struct SendCall {
  std::int64_t t_ns;
  std::uint64_t offset, asked, accepted;
  std::int64_t user;
  bool push;
};
struct RegisterWrite {
  std::int64_t t_ns;
  int k;
  std::int64_t value;
};

class FakeNet final : public AppSocket, public EventHandler {
 public:
  FakeNet(Simulator& sim, std::uint64_t buffer, Duration delay, double rate_bytes_per_s = 0)
      : sim_(sim), buffer_(buffer), delay_(delay), rate_(rate_bytes_per_s) {}

  void add(WorkloadRunner& r) { runners_.push_back(&r); }
  void start() {
    for (WorkloadRunner* r : runners_) r->start(sim_, *this);
  }

  Instant now() const override { return sim_.now(); }
  std::uint64_t send(std::uint64_t length, std::int64_t user, bool push) override {
    const std::uint64_t n = std::min(length, buffer_ - (offset_ - delivered_));
    calls.push_back(SendCall{sim_.now().ns_since_epoch(), offset_, length, n, user, push});
    log.push_back(stamp() + "send " + std::to_string(offset_) + "+" + std::to_string(n) + "/" +
                  std::to_string(length) + " u" + std::to_string(user) + (push ? " push" : ""));
    if (n == 0) return 0;
    offset_ += n;
    Instant done = sim_.now();
    if (rate_ > 0) {
      done = std::max(done, wire_free_) +
             Duration::nanos(std::llround(static_cast<double>(n) * 1e9 / rate_));
      wire_free_ = done;
    }
    ends_.push_back(offset_);
    sim_.schedule_at(done + delay_, *this, ends_.size() - 1);
    return n;
  }
  std::uint64_t stream_offset() const override { return offset_; }
  void set_register(int k, std::int64_t value) override {
    registers.push_back(RegisterWrite{sim_.now().ns_since_epoch(), k, value});
    log.push_back(stamp() + "R" + std::to_string(k) + "=" + std::to_string(value));
  }

  void on_event(Simulator& sim, std::uint64_t tag) override {
    delivered_ = std::max(delivered_, ends_[tag]);
    for (WorkloadRunner* r : runners_) r->on_delivered(sim, delivered_);
    for (WorkloadRunner* r : runners_) r->on_writable(sim, *this);
  }

  std::uint64_t delivered() const { return delivered_; }
  // Accepted bytes of the calls made in [from_s, to_s).
  std::uint64_t accepted_between(double from_s, double to_s) const {
    std::uint64_t n = 0;
    for (const SendCall& c : calls)
      if (c.t_ns >= std::llround(from_s * 1e9) && c.t_ns < std::llround(to_s * 1e9)) n += c.accepted;
    return n;
  }

  std::vector<SendCall> calls;
  std::vector<RegisterWrite> registers;
  std::vector<std::string> log;  // "12.000 send 0+1000/1000 u1 push", "12.000 R1=1000"

 private:
  std::string stamp() const {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f ", static_cast<double>(sim_.now().ns_since_epoch()) / 1e6);
    return b;
  }

  Simulator& sim_;
  std::uint64_t buffer_;
  Duration delay_;
  double rate_;
  Instant wire_free_;
  std::uint64_t offset_ = 0, delivered_ = 0;
  std::vector<std::uint64_t> ends_;
  std::vector<WorkloadRunner*> runners_;
};

inline Instant at_ms(double ms) { return Instant::epoch() + Duration::nanos(std::llround(ms * 1e6)); }

}  // namespace progmp::sim::testing

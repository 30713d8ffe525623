// What every workload shares: ordered writes that survive a full send buffer, completion tracking by stream
// offset, and the application signals of [[workload.signal]].
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/workload.hpp"

namespace progmp::sim::detail {

inline Instant at_seconds(double s) { return Instant::epoch() + Duration::nanos(static_cast<std::int64_t>(s * 1e9)); }
inline double ms_between(Instant a, Instant b) { return static_cast<double>((b - a).ns()) / 1e6; }

class WorkloadBase : public WorkloadRunner {
 public:
  explicit WorkloadBase(std::vector<RegisterSignal> signals) : signals_(std::move(signals)) {}

  void start(Simulator& sim, AppSocket& app) final;
  void on_writable(Simulator& sim, AppSocket& app) final { drain(sim, app); }
  void on_delivered(Simulator& sim, std::uint64_t offset) final;
  void on_event(Simulator& sim, std::uint64_t tag) final;
  std::uint64_t app_bytes() const final { return app_bytes_; }

 protected:
  // Subclass events use tags below kSignalTag.
  static constexpr std::uint64_t kSignalTag = std::uint64_t{1} << 32;

  virtual void begin(Simulator& sim, AppSocket& app) = 0;
  virtual void event(Simulator& sim, AppSocket& app, std::uint64_t tag) = 0;
  // Every byte of write `id` has been accepted by the connection; its last byte is at end_offset − 1.
  virtual void written(Simulator&, AppSocket&, std::uint64_t /*id*/, std::uint64_t /*end_offset*/) {}
  // Every byte of write `id` (and everything before it) has reached the receiving application.
  virtual void completed(Simulator& sim, std::uint64_t id) = 0;

  // Queues a write of `length` bytes; writes leave in order, as fast as the send buffer allows. A zero-length
  // write completes as soon as everything written before it has.
  void write(Simulator& sim, AppSocket& app, std::uint64_t length, std::int64_t user, bool push, std::uint64_t id);
  bool writes_pending() const { return !pending_.empty(); }
  AppSocket& app() { return *app_; }
  std::uint64_t delivered_offset() const { return delivered_; }

 private:
  struct Pending {
    std::uint64_t remaining;
    std::int64_t user;
    bool push;
    std::uint64_t id;
  };
  struct Watch {
    std::uint64_t end;
    std::uint64_t id;
  };
  void drain(Simulator& sim, AppSocket& app);
  void complete_ready(Simulator& sim);

  std::vector<RegisterSignal> signals_;
  AppSocket* app_ = nullptr;
  std::deque<Pending> pending_;
  std::deque<Watch> watches_;  // end offsets increase
  std::uint64_t app_bytes_ = 0;
  std::uint64_t delivered_ = 0;
};

}  // namespace progmp::sim::detail

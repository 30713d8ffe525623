// What every workload shares: an application-side FIFO of writes that survives a full send buffer, completion
// tracking by stream offset, the count of its own delivered bytes on a shared stream, and the application signals
// of [[workload.signal]].
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "progmp/sim/scenario.hpp"
#include "progmp/sim/workload.hpp"

namespace progmp::sim::detail {

// Seconds of the scenario file → virtual time (rounded to the nanosecond).
Instant at_seconds(double s);
inline double ms_between(Instant a, Instant b) { return static_cast<double>((b - a).ns()) / 1e6; }

class WorkloadBase : public WorkloadRunner {
 public:
  explicit WorkloadBase(std::vector<RegisterSignal> signals) : signals_(std::move(signals)) {}

  // Schedules the signals, then begin(); signals therefore run before a workload action at the same instant.
  void start(Simulator& sim, AppSocket& app) final;
  void on_writable(Simulator& sim, AppSocket& app) final;
  void on_delivered(Simulator& sim, std::uint64_t offset) final;
  void on_event(Simulator& sim, std::uint64_t tag) final;
  std::uint64_t app_bytes() const final { return app_bytes_; }

 protected:
  // Subclass events use tags below kSignalTag.
  static constexpr std::uint64_t kSignalTag = std::uint64_t{1} << 32;
  // Largest single send() call (a bigger write is offered in pieces of this size).
  static constexpr std::uint64_t kMaxCall = 64 * 1024;

  virtual void begin(Simulator& sim, AppSocket& app) = 0;
  virtual void event(Simulator& sim, AppSocket& app, std::uint64_t tag) = 0;
  // Write `id` is at the head of the FIFO and about to be offered to the connection for the first time.
  virtual void writing(Simulator&, AppSocket&, std::uint64_t /*id*/) {}
  // Every byte of write `id` has been accepted; its last byte is at end_offset − 1.
  virtual void written(Simulator&, AppSocket&, std::uint64_t /*id*/, std::uint64_t /*end_offset*/) {}
  // Every byte of write `id` (and so everything written before it) has reached the receiving application.
  virtual void completed(Simulator& sim, std::uint64_t id) = 0;

  // Queues a write of `length` bytes tagged `user`; writes leave in FIFO order, as fast as the send buffer allows,
  // in send() calls of at most kMaxCall bytes; `push` is passed with the write's last call only. A zero-length
  // write completes as soon as everything written before it has.
  void write(Simulator& sim, std::uint64_t length, std::int64_t user, bool push, std::uint64_t id);
  bool writes_pending() const { return !pending_.empty(); }
  AppSocket& app() { return *app_; }
  // Bytes of this workload's own writes that the receiving application holds (exact on a shared stream).
  std::uint64_t delivered_bytes() const;

 private:
  struct Pending {
    std::uint64_t remaining;
    std::int64_t user;
    bool push;
    bool started;
    std::uint64_t id;
  };
  struct Watch {
    std::uint64_t end;
    std::uint64_t id;
  };
  struct Range {
    std::uint64_t begin, end;
  };
  // Offers queued writes (unless blocked) and reports completions until nothing changes; re-entrant calls (a
  // callback that writes) only ask the running pump for another round. A delivery alone never calls send().
  void pump(Simulator& sim);
  void drain(Simulator& sim);
  void complete_ready(Simulator& sim);

  std::vector<RegisterSignal> signals_;
  AppSocket* app_ = nullptr;
  std::deque<Pending> pending_;
  std::deque<Watch> watches_;  // end offsets increase
  std::deque<Range> ranges_;   // own accepted bytes not yet fully delivered (adjacent sends merged)
  std::uint64_t app_bytes_ = 0;
  std::uint64_t delivered_ = 0;      // stream offset the receiver holds
  std::uint64_t own_delivered_ = 0;  // own bytes of ranges already dropped from ranges_
  bool busy_ = false;     // pump() is running
  bool again_ = false;    // a callback queued work while pump() ran
  bool offer_ = false;    // there may be something to offer to the connection
  bool blocked_ = false;  // the last send() took less than offered: wait for on_writable
};

}  // namespace progmp::sim::detail

// The discrete-event core: virtual time, an event queue ordered by (time, insertion sequence), schedule/cancel and
// the run loops. A Simulator is an ordinary object passed by reference (no singleton), so many can run per process.
//
// Design choice (allocation-free steady state): an event is a (EventHandler*, tag) pair, not a std::function. The
// handler is a long-lived element (a link, a source) that switches on the 64-bit tag. Event records live in a slot
// pool recycled through a free list, and the heap holds 24-byte entries {time, seq, slot, generation}; once the pool
// and heap have grown to the peak number of pending events, scheduling allocates nothing.
// Cancel bumps the slot's generation, so the stale heap entry is skipped when it surfaces (lazy deletion).
#pragma once

#include <cstdint>
#include <vector>

#include "progmp/transport/units.hpp"

namespace progmp::sim {

using transport::Bytes;
using transport::DataRate;
using transport::Duration;
using transport::Instant;

class Simulator;

// Something that receives events it scheduled. `tag` is whatever the handler passed to schedule().
class EventHandler {
 public:
  virtual void on_event(Simulator& sim, std::uint64_t tag) = 0;

 protected:
  ~EventHandler() = default;
};

// Identifies a pending event for cancel(); a default-constructed id refers to nothing.
struct EventId {
  std::uint32_t slot = UINT32_MAX;
  std::uint32_t generation = 0;
};

class Simulator {
 public:
  Instant now() const { return now_; }
  std::uint64_t events_processed() const { return processed_; }
  std::size_t pending() const { return live_; }

  // Precondition: at >= now() (an event in the past would break causality; asserted).
  EventId schedule_at(Instant at, EventHandler& handler, std::uint64_t tag = 0);
  EventId schedule_in(Duration d, EventHandler& handler, std::uint64_t tag = 0) {
    return schedule_at(now_ + d, handler, tag);
  }
  // True if the event was pending and is now cancelled; false if it already ran, was cancelled, or is empty.
  bool cancel(EventId id);

  // Runs every event with time <= t in order, then sets now() to t (if t is later than now()).
  void run_until(Instant t);
  // Runs until no event is pending. Returns the number of events run by this call.
  std::uint64_t run_until_idle();
  // Runs the single next event; false if none is pending.
  bool step();
  // The time of the next pending event; false if none is pending. (A driver that follows a real clock sleeps
  // until then: the testbed's link emulator.)
  bool next_event_time(Instant& at);

 private:
  struct Slot {
    EventHandler* handler = nullptr;
    std::uint64_t tag = 0;
    std::uint32_t generation = 0;
    std::uint32_t next_free = UINT32_MAX;
  };
  struct Entry {
    std::int64_t time;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
  void push(Entry e);
  Entry pop();
  // Drops cancelled entries from the top so heap_.front() is live (or the heap is empty).
  void skip_stale();
  void fire(const Entry& e);

  Instant now_;
  std::uint64_t seq_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::uint32_t free_ = UINT32_MAX;
};

}  // namespace progmp::sim

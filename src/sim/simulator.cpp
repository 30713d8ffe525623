// Event queue: a hand-written binary min-heap over (time, seq) with a pooled slot table (see simulator.hpp).
#include "progmp/sim/simulator.hpp"

#include <cassert>

namespace progmp::sim {

EventId Simulator::schedule_at(Instant at, EventHandler& handler, std::uint64_t tag) {
  assert(at >= now_);
  std::uint32_t idx;
  if (free_ != UINT32_MAX) {
    idx = free_;
    free_ = slots_[idx].next_free;
  } else {
    idx = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[idx];
  s.handler = &handler;
  s.tag = tag;
  push(Entry{at.ns_since_epoch(), seq_++, idx, s.generation});
  ++live_;
  return EventId{idx, s.generation};
}

bool Simulator::cancel(EventId id) {
  if (id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (s.generation != id.generation || s.handler == nullptr) return false;
  ++s.generation;
  s.handler = nullptr;
  s.next_free = free_;
  free_ = id.slot;
  --live_;
  return true;
}

void Simulator::push(Entry e) {
  heap_.push_back(e);
  std::size_t i = heap_.size() - 1;
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!later(heap_[parent], e)) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

Simulator::Entry Simulator::pop() {
  Entry top = heap_.front();
  Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n > 0) {
    std::size_t i = 0;
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && later(heap_[child], heap_[child + 1])) ++child;
      if (!later(last, heap_[child])) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = last;
  }
  return top;
}

void Simulator::skip_stale() {
  while (!heap_.empty() && slots_[heap_.front().slot].generation != heap_.front().generation) pop();
}

void Simulator::fire(const Entry& e) {
  Slot& s = slots_[e.slot];
  EventHandler* h = s.handler;
  const std::uint64_t tag = s.tag;
  // Release the slot before the call so the handler can reschedule into it.
  ++s.generation;
  s.handler = nullptr;
  s.next_free = free_;
  free_ = e.slot;
  --live_;
  now_ = Instant::from_nanos(e.time);
  ++processed_;
  h->on_event(*this, tag);
}

bool Simulator::step() {
  skip_stale();
  if (heap_.empty()) return false;
  fire(pop());
  return true;
}

bool Simulator::next_event_time(Instant& at) {
  skip_stale();
  if (heap_.empty()) return false;
  at = Instant::from_nanos(heap_.front().time);
  return true;
}

void Simulator::run_until(Instant t) {
  for (;;) {
    skip_stale();
    if (heap_.empty() || heap_.front().time > t.ns_since_epoch()) break;
    fire(pop());
  }
  if (t > now_) now_ = t;
}

std::uint64_t Simulator::run_until_idle() {
  const std::uint64_t before = processed_;
  while (step()) {
  }
  return processed_ - before;
}

}  // namespace progmp::sim

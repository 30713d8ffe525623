// A FIFO over a power-of-two ring that doubles when full and never shrinks: the container of the simulator's link
// queues and of the endpoint's event queue. Unlike std::deque, whose chunk-wise storage allocates and frees as
// elements flow through, a Ring stops allocating once it has grown to the peak occupancy, which keeps per-packet
// paths allocation-free.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace progmp::transport {

template <class T>
class Ring {
 public:
  Ring() : slots_(16) {}

  std::size_t size() const { return tail_ - head_; }
  bool empty() const { return head_ == tail_; }
  T& front() { return slots_[head_ & mask()]; }
  const T& front() const { return slots_[head_ & mask()]; }
  T& back() { return slots_[(tail_ - 1) & mask()]; }
  const T& back() const { return slots_[(tail_ - 1) & mask()]; }

  void push_back(T value) {
    if (size() == slots_.size()) grow();
    slots_[tail_++ & mask()] = std::move(value);
  }
  // The element's storage stays in the ring (moved-from), so buffers it owns can be reused.
  void pop_front() { ++head_; }
  void pop_back() { --tail_; }
  void clear() { head_ = tail_ = 0; }

  // The i-th element from the front.
  T& operator[](std::size_t i) { return slots_[(head_ + i) & mask()]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) & mask()]; }

  // Removes every element for which `pred` is true, keeping the order of the others (no allocation).
  template <class Pred>
  void erase_if(Pred pred) {
    std::size_t kept = head_;
    for (std::size_t i = head_; i != tail_; ++i) {
      if (pred(slots_[i & mask()])) continue;
      if (kept != i) slots_[kept & mask()] = std::move(slots_[i & mask()]);
      ++kept;
    }
    tail_ = kept;
  }

 private:
  std::size_t mask() const { return slots_.size() - 1; }
  void grow() {
    std::vector<T> bigger(slots_.size() * 2);
    for (std::size_t i = head_; i != tail_; ++i) bigger[i - head_] = std::move(slots_[i & mask()]);
    tail_ -= head_;
    head_ = 0;
    slots_.swap(bigger);
  }

  std::vector<T> slots_;
  std::size_t head_ = 0, tail_ = 0;
};

}  // namespace progmp::transport

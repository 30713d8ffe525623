// One of the queues Q, QU, RQ: packet pointers in ascending SEQ, kept between executions so that a view is made of
// spans over them, never copies (runtime.md §7.1). Removal at the front (the common POP and data-ack case) only
// moves a head index; storage is compacted when an insertion needs room. Capacity is reserved when packets are
// created (Connection::send), so that settling and applying never allocate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "progmp/exec/view.hpp"

namespace progmp::runtime {

class PacketQueue {
 public:
  std::span<const PacketMeta* const> span() const { return {items_.data() + head_, items_.size() - head_}; }
  std::size_t size() const { return items_.size() - head_; }
  bool empty() const { return size() == 0; }
  const PacketMeta* front() const { return items_[head_]; }

  // Room for `n` members without allocating on later insertions.
  void reserve(std::size_t n) {
    if (items_.capacity() - head_ < n) {
      compact();
      items_.reserve(std::max(n, items_.capacity() * 2));  // geometric: many small sends stay amortised O(1)
    }
  }

  // Inserts at the SEQ position (usually the end).
  void insert(const PacketMeta* p) {
    if (items_.size() == items_.capacity() && head_ > 0) compact();
    if (empty() || items_.back()->seq < p->seq) {
      items_.push_back(p);
      return;
    }
    auto it = std::lower_bound(items_.begin() + static_cast<std::ptrdiff_t>(head_), items_.end(), p->seq,
                               [](const PacketMeta* a, std::int64_t seq) { return a->seq < seq; });
    items_.insert(it, p);
  }

  // Removes `p` if present.
  void erase(const PacketMeta* p) {
    if (empty()) return;
    if (items_[head_] == p) {
      ++head_;
      if (head_ == items_.size()) clear();
      return;
    }
    auto it = std::lower_bound(items_.begin() + static_cast<std::ptrdiff_t>(head_), items_.end(), p->seq,
                               [](const PacketMeta* a, std::int64_t seq) { return a->seq < seq; });
    if (it != items_.end() && *it == p) items_.erase(it);
  }

  // Removes leading members while `pred(member)` holds.
  template <class Pred>
  void erase_front_while(Pred pred) {
    while (!empty() && pred(items_[head_])) ++head_;
    if (empty()) clear();
  }

  // Removes every member for which `pred` holds (O(size)).
  template <class Pred>
  void erase_if(Pred pred) {
    compact();
    std::erase_if(items_, pred);
  }

  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  void compact() {
    if (head_ == 0) return;
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  std::vector<const PacketMeta*> items_;
  std::size_t head_ = 0;
};

}  // namespace progmp::runtime

// An allocator that keeps the blocks its container frees and hands them out again (private to src/runtime). With
// it, a std::deque that stays around one size — the packet table, where packets arrive at the back and leave at
// the front — stops allocating once it has reached that size: the per-packet path allocates nothing (style anchor
// 5), while the deque keeps what the runtime needs from it, stable element addresses.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace progmp::runtime {

struct BlockPool {
  static constexpr std::size_t kMaxKept = 64;
  std::vector<std::pair<std::size_t, void*>> free;  // (size, block)
  BlockPool() { free.reserve(kMaxKept); }
  ~BlockPool() {
    for (auto& [size, block] : free) ::operator delete(block);
  }
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
};

template <class T>
class RecyclingAllocator {
 public:
  using value_type = T;

  RecyclingAllocator() : pool_(std::make_shared<BlockPool>()) {}
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>& other) noexcept : pool_(other.pool_) {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    auto& free = pool_->free;
    for (std::size_t i = free.size(); i-- > 0;) {
      if (free[i].first != bytes) continue;
      void* block = free[i].second;
      free[i] = free.back();
      free.pop_back();
      return static_cast<T*>(block);
    }
    return static_cast<T*>(::operator new(bytes));
  }

  void deallocate(T* p, std::size_t n) noexcept {
    auto& free = pool_->free;
    if (free.size() < BlockPool::kMaxKept) free.emplace_back(n * sizeof(T), p);  // within the reserved capacity
    else ::operator delete(p);
  }

  template <class U>
  friend bool operator==(const RecyclingAllocator& a, const RecyclingAllocator<U>& b) {
    return a.pool_ == b.pool_;
  }

 private:
  template <class U>
  friend class RecyclingAllocator;
  std::shared_ptr<BlockPool> pool_;
};

}  // namespace progmp::runtime

// Replaces the global operator new/delete of a test binary with versions that count the allocations of each thread,
// for the "allocates nothing" tests (runtime.md §10.2). Include it in exactly one source file of a test binary.
//
// Counting per thread keeps the measurement to the code under test: the default engine compiles programs on a
// background thread (tiered execution), and LLVM allocates there freely. Every form of new and delete is replaced,
// so that no allocation made by one form is ever released by another (AddressSanitizer checks that).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>

namespace progmp::testing {

namespace counting_new_detail {
inline thread_local std::uint64_t allocations = 0;

inline void* allocate(std::size_t n, std::size_t align) noexcept {
  ++allocations;
  if (n == 0) n = 1;
  if (align <= alignof(std::max_align_t)) return std::malloc(n);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}
}  // namespace counting_new_detail

// Allocations made by the calling thread so far.
inline std::uint64_t thread_allocations() { return counting_new_detail::allocations; }

}  // namespace progmp::testing

// GCC warns that free() may not match new; both sides are replaced together here, so they do match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  if (void* p = progmp::testing::counting_new_detail::allocate(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = progmp::testing::counting_new_detail::allocate(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return progmp::testing::counting_new_detail::allocate(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return progmp::testing::counting_new_detail::allocate(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return progmp::testing::counting_new_detail::allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return progmp::testing::counting_new_detail::allocate(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#pragma GCC diagnostic pop

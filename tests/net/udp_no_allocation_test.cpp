// The steady state of the data path allocates nothing: after warm-up, send() (plain, GSO and fallback batches) and
// receive() into a reused RecvBatch make no heap allocation. Global operator new/delete are replaced in this file
// (so for the whole net_tests binary) by malloc/free with a counter that is only armed inside the measured region;
// every non-aligned form is replaced so that allocation and deallocation always pair under AddressSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "net/loopback.hpp"
#include "progmp/net/udp_socket.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void* counted_allocate(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  return nullptr;
}

void* allocate_or_throw(std::size_t size) {
  if (void* p = counted_allocate(size)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate_or_throw(size); }
void* operator new[](std::size_t size) { return allocate_or_throw(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_allocate(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace progmp::net {
namespace {

using Out = UdpSocket::OutMessage;

// Sends the batch, then receives until all its datagrams are in; returns the datagrams received.
std::size_t round_trip(UdpSocket& sender, UdpSocket& receiver, RecvBatch& batch, std::span<const Out> out,
                       std::size_t datagrams) {
  std::size_t sent = 0;
  while (sent < out.size()) sent += sender.send(out.subspan(sent));
  std::size_t got = 0;
  for (int spins = 0; got < datagrams && spins < 1000; ++spins) {
    testing::wait_readable(receiver.fd(), 100);
    const std::size_t n = receiver.receive(batch);
    for (std::size_t i = 0; i < n; ++i) {
      UdpSocket::for_each_datagram(batch[i], [&](std::span<const std::byte>) { ++got; });
    }
  }
  return got;
}

TEST(UdpNoAllocation, SteadyStateSendAndReceiveAllocateNothing) {
  UdpSocket sender = testing::bind_socket("127.0.0.1:0");
  UdpSocket gro_receiver = testing::bind_socket("127.0.0.1:0");
  UdpSocket plain_receiver = testing::bind_socket("127.0.0.1:0", testing::without_gro());
  RecvBatch batch;

  const auto small = testing::payload(1, 1200);
  const auto train = testing::payload(2, 32 * 1200);
  std::vector<Out> plain(32, Out{&plain_receiver.local_address(), small});
  const Out gso[] = {Out{&gro_receiver.local_address(), train, 1200},
                     Out{&plain_receiver.local_address(), train, 1200}};

  // Warm-up: lazily created kernel and library state.
  ASSERT_EQ(round_trip(sender, plain_receiver, batch, plain, 32), 32u);

  g_allocations = 0;
  g_counting = true;
  std::size_t got = 0;
  for (int i = 0; i < 50; ++i) {
    got += round_trip(sender, plain_receiver, batch, plain, 32);
    got += round_trip(sender, gro_receiver, batch, std::span<const Out>(gso, 1), 32);
    got += round_trip(sender, plain_receiver, batch, std::span<const Out>(gso + 1, 1), 32);
  }
  sender.disable_gso();  // the fallback path: one datagram per segment
  for (int i = 0; i < 10; ++i) got += round_trip(sender, gro_receiver, batch, std::span<const Out>(gso, 1), 32);
  g_counting = false;

  EXPECT_EQ(got, 50u * 96u + 10u * 32u);
  EXPECT_EQ(g_allocations.load(), 0);

  // The counter works: an allocation in the armed region is seen.
  g_counting = true;
  auto* probe = new std::vector<int>(3);
  g_counting = false;
  delete probe;
  EXPECT_GE(g_allocations.load(), 1);
}

}  // namespace
}  // namespace progmp::net

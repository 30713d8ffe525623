// Poller, Timer and Waker: deadlines on the monotonic clock fire no earlier than asked and are reported by epoll,
// past deadlines fire at once, disarming cancels, and a wake from another thread ends a blocking wait.
#include "progmp/net/poller.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <chrono>
#include <thread>

#include "net/loopback.hpp"
#include "progmp/net/clock.hpp"

namespace progmp::net {
namespace {

constexpr std::int64_t kMs = 1'000'000;

template <class T>
T must(std::optional<T> value, const std::string& error) {
  if (!value) {
    ADD_FAILURE() << error;
    std::abort();
  }
  return std::move(*value);
}

Poller make_poller() {
  std::string error;
  return must(Poller::create(error), error);
}
Timer make_timer() {
  std::string error;
  return must(Timer::create(error), error);
}
Waker make_waker() {
  std::string error;
  return must(Waker::create(error), error);
}

TEST(Timer, FiresNoEarlierThanItsDeadlineAndThePollerReportsIt) {
  Poller poller = make_poller();
  Timer timer = make_timer();
  ASSERT_TRUE(poller.add(timer.fd(), EPOLLIN, 42));
  const std::int64_t deadline = monotonic_now_ns() + 20 * kMs;
  timer.arm_at(deadline);
  EXPECT_FALSE(timer.consume());
  PollEvent events[4];
  std::size_t n = 0;
  while (n == 0) n = poller.wait(events, 1000);  // retries only on EINTR
  const std::int64_t woke = monotonic_now_ns();
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(events[0].token, 42u);
  EXPECT_TRUE(events[0].events & EPOLLIN);
  EXPECT_GE(woke, deadline);
  EXPECT_LT(woke, deadline + 500 * kMs);
  EXPECT_TRUE(timer.consume());
  EXPECT_FALSE(timer.consume());
  EXPECT_EQ(poller.wait(events, 0), 0u);
}

TEST(Timer, ADeadlineInThePastFiresAtOnce) {
  Poller poller = make_poller();
  Timer timer = make_timer();
  ASSERT_TRUE(poller.add(timer.fd(), EPOLLIN, 1));
  PollEvent events[4];
  for (std::int64_t at : {monotonic_now_ns() - 1000 * kMs, std::int64_t{0}, std::int64_t{-5}}) {
    timer.arm_at(at);
    const std::int64_t start = monotonic_now_ns();
    ASSERT_EQ(poller.wait(events, 1000), 1u) << at;
    EXPECT_LT(monotonic_now_ns() - start, 100 * kMs);
    EXPECT_TRUE(timer.consume());
  }
}

TEST(Timer, DisarmPreventsFiring) {
  Poller poller = make_poller();
  Timer timer = make_timer();
  ASSERT_TRUE(poller.add(timer.fd(), EPOLLIN, 1));
  timer.arm_at(monotonic_now_ns() + 20 * kMs);
  timer.disarm();
  PollEvent events[4];
  EXPECT_EQ(poller.wait(events, 60), 0u);
  EXPECT_FALSE(timer.consume());
  // Re-arming later replaces the deadline.
  timer.arm_at(monotonic_now_ns() + 500 * kMs);
  timer.arm_at(monotonic_now_ns() + 5 * kMs);
  const std::int64_t start = monotonic_now_ns();
  ASSERT_EQ(poller.wait(events, 1000), 1u);
  EXPECT_LT(monotonic_now_ns() - start, 400 * kMs);
}

TEST(Waker, AWakeFromAnotherThreadEndsABlockingWait) {
  Poller poller = make_poller();
  Waker waker = make_waker();
  ASSERT_TRUE(poller.add(waker.fd(), EPOLLIN, 7));
  PollEvent events[4];
  EXPECT_EQ(poller.wait(events, 0), 0u);
  const std::int64_t start = monotonic_now_ns();
  std::thread other([&waker] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    waker.wake();
    waker.wake();
  });
  std::size_t n = 0;
  while (n == 0 && monotonic_now_ns() - start < 5000 * kMs) n = poller.wait(events, 5000);
  other.join();
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(events[0].token, 7u);
  EXPECT_GE(monotonic_now_ns() - start, 25 * kMs);
  waker.drain();
  EXPECT_EQ(poller.wait(events, 0), 0u);
  waker.drain();  // draining an idle waker is harmless
}

TEST(Poller, ReportsSocketsAndHonoursModifyAndRemove) {
  Poller poller = make_poller();
  UdpSocket a = testing::bind_socket("127.0.0.1:0");
  UdpSocket b = testing::bind_socket("127.0.0.1:0");
  ASSERT_TRUE(poller.add(b.fd(), EPOLLIN, 99));
  EXPECT_FALSE(poller.add(b.fd(), EPOLLIN, 99));  // already registered
  PollEvent events[4];
  EXPECT_EQ(poller.wait(events, 0), 0u);
  const auto bytes = testing::payload(1, 10);
  const UdpSocket::OutMessage out[] = {{&b.local_address(), bytes}};
  ASSERT_EQ(a.send(out), 1u);
  ASSERT_EQ(poller.wait(events, 1000), 1u);
  EXPECT_EQ(events[0].token, 99u);
  ASSERT_TRUE(poller.modify(b.fd(), EPOLLIN | EPOLLOUT, 100));
  ASSERT_EQ(poller.wait(events, 1000), 1u);
  EXPECT_EQ(events[0].token, 100u);
  EXPECT_EQ(events[0].events, static_cast<std::uint32_t>(EPOLLIN | EPOLLOUT));
  ASSERT_TRUE(poller.remove(b.fd()));
  EXPECT_FALSE(poller.remove(b.fd()));
  EXPECT_EQ(poller.wait(events, 0), 0u);
  EXPECT_EQ(poller.wait(std::span<PollEvent>(), 0), 0u);
}

TEST(Poller, MovedFromWrappersCloseNothingTwice) {
  Poller a = make_poller();
  const int fd = a.fd();
  Poller b = std::move(a);
  EXPECT_EQ(b.fd(), fd);
  EXPECT_EQ(a.fd(), -1);  // NOLINT(bugprone-use-after-move)
  Timer t = make_timer();
  Timer u = std::move(t);
  EXPECT_GE(u.fd(), 0);
}

}  // namespace
}  // namespace progmp::net

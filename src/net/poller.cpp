#include "progmp/net/poller.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace progmp::net {

// ---- FileDescriptor ----------------------------------------------------------------------------------------------

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

// ---- Poller ------------------------------------------------------------------------------------------------------

std::optional<Poller> Poller::create(std::string& error) {
  const int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    error = std::string("epoll_create1: ") + std::strerror(errno);
    return std::nullopt;
  }
  return Poller(fd);
}

bool Poller::add(int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = token;
  return epoll_ctl(fd_.get(), EPOLL_CTL_ADD, fd, &e) == 0;
}

bool Poller::modify(int fd, std::uint32_t events, std::uint64_t token) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = token;
  return epoll_ctl(fd_.get(), EPOLL_CTL_MOD, fd, &e) == 0;
}

bool Poller::remove(int fd) { return epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr) == 0; }

std::size_t Poller::wait(std::span<PollEvent> out, int timeout_ms) {
  constexpr std::size_t kMax = 64;
  epoll_event events[kMax];
  const int capacity = static_cast<int>(std::min(out.size(), kMax));
  if (capacity == 0) return 0;
  const int n = epoll_wait(fd_.get(), events, capacity, timeout_ms);
  if (n <= 0) return 0;  // timeout, EINTR (or EBADF/EINVAL, which a valid Poller cannot get)
  for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = PollEvent{events[i].data.u64, events[i].events};
  return static_cast<std::size_t>(n);
}

// ---- Timer -------------------------------------------------------------------------------------------------------

std::optional<Timer> Timer::create(std::string& error) {
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    error = std::string("timerfd_create(CLOCK_MONOTONIC): ") + std::strerror(errno);
    return std::nullopt;
  }
  return Timer(fd);
}

void Timer::arm_at(std::int64_t monotonic_ns) {
  // An all-zero it_value would disarm; any time at or before now (including 1 ns after boot) fires at once.
  if (monotonic_ns < 1) monotonic_ns = 1;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(monotonic_ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(monotonic_ns % 1'000'000'000);
  timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Timer::disarm() {
  itimerspec spec{};
  timerfd_settime(fd_.get(), 0, &spec, nullptr);
}

bool Timer::consume() {
  std::uint64_t expirations = 0;
  return ::read(fd_.get(), &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations) &&
         expirations > 0;
}

// ---- Waker -------------------------------------------------------------------------------------------------------

std::optional<Waker> Waker::create(std::string& error) {
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    error = std::string("eventfd: ") + std::strerror(errno);
    return std::nullopt;
  }
  return Waker(fd);
}

void Waker::wake() {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: the fd is readable already, which is all a wake needs.
  [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

void Waker::drain() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &count, sizeof count);
}

}  // namespace progmp::net

// The driver's event loop primitives, as thin RAII wrappers over Linux file descriptors so that one epoll_wait
// covers everything a loop waits for: sockets (Poller), the transport's next deadline (Timer, absolute
// CLOCK_MONOTONIC time, the same clock as monotonic_now_ns()), and requests from other threads (Waker).
// Each is created with a static create(error) (nullopt + a one-line message with strerror when the kernel refuses,
// e.g. out of file descriptors), is move-only, and closes its descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace progmp::net {

struct PollEvent {
  std::uint64_t token;   // as given to add()
  std::uint32_t events;  // EPOLLIN, EPOLLOUT, EPOLLERR, ...
};

// Owns its descriptor; -1 when moved from.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// epoll (EPOLL_CLOEXEC), level-triggered unless EPOLLET is passed.
class Poller {
 public:
  static std::optional<Poller> create(std::string& error);

  bool add(int fd, std::uint32_t events, std::uint64_t token);
  bool modify(int fd, std::uint32_t events, std::uint64_t token);
  bool remove(int fd);
  // Waits up to timeout_ms (-1 = forever, 0 = poll) and fills `out`; returns the count. A signal (EINTR) gives 0.
  // At most 64 events per call.
  std::size_t wait(std::span<PollEvent> out, int timeout_ms);

  int fd() const { return fd_.get(); }

 private:
  explicit Poller(int fd) : fd_(fd) {}
  FileDescriptor fd_;
};

// timerfd on CLOCK_MONOTONIC, non-blocking: readable once the deadline has passed.
class Timer {
 public:
  static std::optional<Timer> create(std::string& error);

  // Absolute deadline in monotonic_now_ns() time; a deadline in the past fires at once. Re-arming replaces the
  // previous deadline and forgets an unconsumed expiration.
  void arm_at(std::int64_t monotonic_ns);
  void disarm();
  // Reads the expiration count: true if the timer had fired since the last consume() or arm_at().
  bool consume();

  int fd() const { return fd_.get(); }

 private:
  explicit Timer(int fd) : fd_(fd) {}
  FileDescriptor fd_;
};

// eventfd, non-blocking: wake() from any thread makes fd() readable until drain().
class Waker {
 public:
  static std::optional<Waker> create(std::string& error);

  void wake();
  void drain();

  int fd() const { return fd_.get(); }

 private:
  explicit Waker(int fd) : fd_(fd) {}
  FileDescriptor fd_;
};

}  // namespace progmp::net

// One non-blocking UDP socket of the driver, tuned for a transport that does its own reliability and pacing:
//  - batched I/O (sendmmsg/recvmmsg) with every buffer preallocated, so the steady state allocates nothing;
//  - UDP GSO (UDP_SEGMENT) to hand the kernel one large buffer that it splits into equal datagrams, and UDP GRO to
//    receive runs of datagrams of one flow as one super-datagram; both are optional and are used only where the
//    kernel accepts them (a refused GSO send falls back to one datagram per segment, transparently);
//  - no IP fragmentation ever (PMTUDISC_PROBE): the transport chooses its datagram size and probes the path itself;
//  - kernel receive-queue drops counted (SO_RXQ_OVFL), because they are losses the transport cannot see otherwise;
//  - errors that UDP makes normal (ICMP-reported unreachability, a route that comes and goes) never stop the loop:
//    they are counted and kept in last_error(), and the datagram counts as sent (a lost datagram).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "progmp/net/socket_address.hpp"

namespace progmp::net {

struct UdpSocketOptions {
  std::string device;  // SO_BINDTODEVICE when non-empty: pin the path to an interface (multipath over several NICs)
  // Bytes; SO_RCVBUFFORCE/SO_SNDBUFFORCE first (root may exceed net.core.*mem_max), then SO_RCVBUF/SO_SNDBUF.
  // 0 keeps the system default.
  int recv_buffer = 8 << 20;
  int send_buffer = 8 << 20;
  bool gso = true;
  bool gro = true;
};

// Preallocated storage for one recvmmsg call: `messages` buffers of `buffer_bytes` (64 KiB so that a GRO
// super-datagram fits), their source addresses and control data. Owned by the caller and reused for every receive.
class RecvBatch {
 public:
  explicit RecvBatch(std::size_t messages = 32, std::size_t buffer_bytes = 65536);
  ~RecvBatch();
  RecvBatch(RecvBatch&&) noexcept;
  RecvBatch& operator=(RecvBatch&&) noexcept;
  RecvBatch(const RecvBatch&) = delete;
  RecvBatch& operator=(const RecvBatch&) = delete;

  struct Message {
    const SocketAddress& from;
    std::span<const std::byte> bytes;
    std::uint16_t segment_size;  // from the UDP_GRO cmsg: bytes is a run of datagrams of this size; 0 = one datagram
  };

  std::size_t capacity() const { return from_.size(); }
  std::size_t size() const { return count_; }  // messages received by the last receive()
  Message operator[](std::size_t i) const;

 private:
  friend class UdpSocket;
  struct Kernel;  // the mmsghdr/iovec/control arrays handed to recvmmsg

  std::size_t buffer_bytes_;
  std::vector<std::byte> storage_;  // capacity() × buffer_bytes_
  std::vector<SocketAddress> from_;
  std::vector<std::uint32_t> lengths_;
  std::vector<std::uint16_t> segment_sizes_;
  std::vector<std::uint32_t> order_;  // slot of the i-th delivered message (truncated datagrams are left out)
  std::size_t count_ = 0;
  std::unique_ptr<Kernel> kernel_;
};

class UdpSocket {
 public:
  struct OutMessage {
    const SocketAddress* to;
    std::span<const std::byte> bytes;
    // > 0 and < bytes.size(): GSO, the kernel splits bytes into datagrams of segment_size (the last may be shorter).
    std::uint16_t segment_size = 0;
  };

  struct Counters {
    std::uint64_t datagrams_sent = 0;      // datagrams handed to the kernel (a GSO buffer counts its segments)
    std::uint64_t datagrams_received = 0;  // datagrams read (a GRO super-datagram counts its segments)
    std::uint64_t send_errors = 0;         // messages or segments skipped after a hard send error
    std::uint64_t gso_fallbacks = 0;       // times the kernel refused GSO (at most once per socket: it latches off)
    std::uint64_t receive_errors = 0;      // recvmmsg errors other than EAGAIN/EINTR, and truncated datagrams
  };

  // Callers keep one GSO message within these (the kernel's UDP_MAX_SEGMENTS and the 64 KiB IP limit); a longer
  // message is still sent correctly, in several GSO sends.
  static constexpr std::size_t kMaxGsoSegments = 64;
  static constexpr std::size_t kMaxGsoBytes = 65000;
  // Datagrams (or GSO buffers) per sendmmsg call.
  static constexpr std::size_t kSendBatch = 64;

  // Creates, configures and binds a socket to `local` (port 0 = ephemeral). nullopt with a one-line `error` naming
  // the address and strerror when the socket cannot be created, configured as required, or bound.
  static std::optional<UdpSocket> bind(const SocketAddress& local, const UdpSocketOptions& options, std::string& error);

  UdpSocket(UdpSocket&&) noexcept;
  UdpSocket& operator=(UdpSocket&&) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  const SocketAddress& local_address() const { return local_; }  // as bound (getsockname: port 0 resolved)
  bool gso_enabled() const { return gso_; }
  bool gro_enabled() const { return gro_; }
  void disable_gso() { gso_ = false; }  // the fallback latch: from now on every segment is its own datagram

  // Sends messages in order, batched. Returns how many were sent completely (0..n): it stops at EAGAIN/ENOBUFS and
  // the caller retries the rest when the fd is writable. A message that was only partly sent when the kernel pushed
  // back (it needed several sends: single datagrams after a GSO fallback, or several GSO chunks) counts as unsent, so
  // a retry repeats its first segments: duplicates, which the transport tolerates, rather than losses.
  // A hard error (EMSGSIZE, ENETUNREACH, EPERM, ECONNREFUSED, ...) is retried once, since it may be a stale ICMP
  // report about an earlier datagram; if it recurs, the offending message (or segment) is skipped, counted in
  // send_errors and last_error(), and counts as sent: a lost datagram.
  std::size_t send(std::span<const OutMessage> messages);

  // Fills `batch`; returns the number of messages (0 when nothing is pending). Errors other than EAGAIN/EINTR return
  // 0 with last_error() set: ICMP errors on UDP must not break the event loop.
  std::size_t receive(RecvBatch& batch);

  // Calls f(std::span<const std::byte>) for each datagram of a GRO super-datagram (split at segment_size), or once.
  template <class F>
  static void for_each_datagram(const RecvBatch::Message& m, F&& f) {
    if (m.segment_size == 0 || m.segment_size >= m.bytes.size()) {
      f(m.bytes);
      return;
    }
    for (std::size_t offset = 0; offset < m.bytes.size(); offset += m.segment_size) {
      f(m.bytes.subspan(offset, std::min<std::size_t>(m.segment_size, m.bytes.size() - offset)));
    }
  }

  std::uint64_t kernel_drops() const { return kernel_drops_; }  // from SO_RXQ_OVFL, updated by receive()
  const Counters& counters() const { return counters_; }
  std::string last_error() const { return last_error_; }

 private:
  struct SendState;  // the mmsghdr/iovec/cmsg arrays of one sendmmsg call, allocated once at bind

  UdpSocket(int fd, SocketAddress local);
  void record_send_error(int err, const SocketAddress* to);

  int fd_ = -1;
  SocketAddress local_;
  bool gso_ = false;
  bool gro_ = false;
  std::uint64_t kernel_drops_ = 0;
  std::uint32_t last_drop_mark_ = 0;  // the kernel's 32-bit running drop count at the last receive
  Counters counters_;
  std::string last_error_;
  std::unique_ptr<SendState> send_state_;
};

}  // namespace progmp::net

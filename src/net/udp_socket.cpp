#include "progmp/net/udp_socket.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace progmp::net {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

bool set_int(int fd, int level, int name, int value) { return setsockopt(fd, level, name, &value, sizeof value) == 0; }

std::size_t segments_in(std::size_t length, std::size_t segment) {
  if (segment == 0 || length <= segment) return 1;
  return (length + segment - 1) / segment;
}

}  // namespace

// ---- RecvBatch ---------------------------------------------------------------------------------------------------

struct RecvBatch::Kernel {
  // UDP_GRO (int) and SO_RXQ_OVFL (u32) need CMSG_SPACE(4) each; the rest is headroom so that an unexpected control
  // message truncates nothing we read.
  static constexpr std::size_t kControl = 128;
  union Control {
    cmsghdr align;
    char bytes[kControl];
  };
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;
  std::vector<sockaddr_storage> names;
  std::vector<Control> control;
};

RecvBatch::RecvBatch(std::size_t messages, std::size_t buffer_bytes)
    : buffer_bytes_(buffer_bytes == 0 ? 1 : buffer_bytes),
      storage_((messages == 0 ? 1 : messages) * buffer_bytes_),
      from_(messages == 0 ? 1 : messages),
      lengths_(from_.size()),
      segment_sizes_(from_.size()),
      order_(from_.size()),
      kernel_(std::make_unique<Kernel>()) {
  const std::size_t n = from_.size();
  kernel_->headers.resize(n);
  kernel_->iov.resize(n);
  kernel_->names.resize(n);
  kernel_->control.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    kernel_->iov[i].iov_base = storage_.data() + i * buffer_bytes_;
    kernel_->iov[i].iov_len = buffer_bytes_;
    msghdr& h = kernel_->headers[i].msg_hdr;
    h.msg_name = &kernel_->names[i];
    h.msg_iov = &kernel_->iov[i];
    h.msg_iovlen = 1;
    h.msg_control = kernel_->control[i].bytes;
  }
}

RecvBatch::~RecvBatch() = default;
RecvBatch::RecvBatch(RecvBatch&&) noexcept = default;
RecvBatch& RecvBatch::operator=(RecvBatch&&) noexcept = default;

RecvBatch::Message RecvBatch::operator[](std::size_t i) const {
  const std::uint32_t slot = order_[i];
  return Message{from_[slot], std::span<const std::byte>(storage_.data() + slot * buffer_bytes_, lengths_[slot]),
                 segment_sizes_[slot]};
}

// ---- UdpSocket ---------------------------------------------------------------------------------------------------

struct UdpSocket::SendState {
  // One sendmmsg entry: a whole message, one GSO chunk of it, or (without GSO) one of its segments.
  struct Entry {
    std::size_t message;
    std::size_t offset;
    std::size_t length;
    std::uint16_t segment;  // GSO segment size when the entry carries the UDP_SEGMENT cmsg, else 0
  };
  static constexpr std::size_t kControl = CMSG_SPACE(sizeof(std::uint16_t));
  union Control {
    cmsghdr align;
    char bytes[kControl];
  };
  std::array<mmsghdr, kSendBatch> headers{};
  std::array<iovec, kSendBatch> iov{};
  std::array<Control, kSendBatch> control{};
  std::array<Entry, kSendBatch> entries{};
};

UdpSocket::UdpSocket(int fd, SocketAddress local)
    : fd_(fd), local_(local), send_state_(std::make_unique<SendState>()) {}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      local_(other.local_),
      gso_(other.gso_),
      gro_(other.gro_),
      kernel_drops_(other.kernel_drops_),
      last_drop_mark_(other.last_drop_mark_),
      counters_(other.counters_),
      last_error_(std::move(other.last_error_)),
      send_state_(std::move(other.send_state_)) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    local_ = other.local_;
    gso_ = other.gso_;
    gro_ = other.gro_;
    kernel_drops_ = other.kernel_drops_;
    last_drop_mark_ = other.last_drop_mark_;
    counters_ = other.counters_;
    last_error_ = std::move(other.last_error_);
    send_state_ = std::move(other.send_state_);
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<UdpSocket> UdpSocket::bind(const SocketAddress& local, const UdpSocketOptions& options,
                                         std::string& error) {
  const std::string where = local.to_string();
  if (local.family() != AF_INET && local.family() != AF_INET6) {
    error = "cannot bind a UDP socket to " + where + ": not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  const int fd = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) {
    error = "socket() for " + where + ": " + errno_text(errno);
    return std::nullopt;
  }
  auto fail = [&](const std::string& what) -> std::optional<UdpSocket> {
    error = what + " for " + where + ": " + errno_text(errno);
    ::close(fd);
    return std::nullopt;
  };

  const bool v6 = local.is_ipv6();
  // One socket per family: an IPv6 socket must not also receive IPv4-mapped traffic.
  if (v6 && !set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) return fail("setsockopt(IPV6_V6ONLY)");

  if (!options.device.empty()) {
    if (options.device.size() >= IFNAMSIZ) {
      ::close(fd);
      error = "device name '" + options.device + "' for " + where + " is longer than " + std::to_string(IFNAMSIZ - 1) +
              " bytes";
      return std::nullopt;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.device.c_str(),
                   static_cast<socklen_t>(options.device.size() + 1)) != 0) {
      return fail("SO_BINDTODEVICE '" + options.device + "'");
    }
  }

  // Large buffers absorb bursts between event-loop turns; FORCE lets root exceed net.core.{r,w}mem_max.
  if (options.recv_buffer > 0 && !set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, options.recv_buffer) &&
      !set_int(fd, SOL_SOCKET, SO_RCVBUF, options.recv_buffer)) {
    return fail("setsockopt(SO_RCVBUF, " + std::to_string(options.recv_buffer) + ")");
  }
  if (options.send_buffer > 0 && !set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, options.send_buffer) &&
      !set_int(fd, SOL_SOCKET, SO_SNDBUF, options.send_buffer)) {
    return fail("setsockopt(SO_SNDBUF, " + std::to_string(options.send_buffer) + ")");
  }

  // DF set, never fragment locally, and ignore the kernel's PMTU cache: an oversized send fails with EMSGSIZE
  // instead of being fragmented, and ICMP "fragmentation needed" does not make later sends fail.
  if (v6) {
    if (!set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE)) {
      return fail("setsockopt(IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE)");
    }
    if (!set_int(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1)) return fail("setsockopt(IPV6_DONTFRAG)");
  } else if (!set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)) {
    return fail("setsockopt(IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)");
  }

  if (!set_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1)) return fail("setsockopt(SO_RXQ_OVFL)");

  if (::bind(fd, local.data(), local.size()) != 0) return fail("bind");

  sockaddr_storage bound{};
  socklen_t bound_length = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) != 0) return fail("getsockname");

  UdpSocket socket(fd, SocketAddress(reinterpret_cast<const sockaddr*>(&bound), bound_length));
  // Optional features: a kernel (< 4.18 for GSO, < 5.0 for GRO) that refuses them just leaves them off. The GSO
  // probe sets the socket-wide default segment size to 0 (none), so only per-message cmsgs use GSO.
  socket.gso_ = options.gso && set_int(fd, SOL_UDP, UDP_SEGMENT, 0);
  socket.gro_ = options.gro && set_int(fd, SOL_UDP, UDP_GRO, 1);
  return socket;
}

void UdpSocket::record_send_error(int err, const SocketAddress* to) {
  ++counters_.send_errors;
  last_error_ = "send from " + local_.to_string() + " to " + (to != nullptr ? to->to_string() : "(none)") + ": " +
                errno_text(err);
}

std::size_t UdpSocket::send(std::span<const OutMessage> messages) {
  SendState& s = *send_state_;
  const std::size_t n = messages.size();
  std::size_t next = 0;    // first message not completely sent
  std::size_t offset = 0;  // bytes of messages[next] already sent (GSO chunks or single segments)

  auto usable = [this](const OutMessage& m) { return m.to != nullptr && m.to->family() == local_.family(); };
  bool retried = false;  // the entry at the cursor already failed once
  // Moves the cursor past entry e.
  auto advance_past = [&](const SendState::Entry& e) {
    retried = false;
    offset = e.offset + e.length;
    next = e.message;
    if (offset >= messages[e.message].bytes.size()) {
      next = e.message + 1;
      offset = 0;
    }
  };

  while (next < n) {
    // A message without a destination of the socket's family is a caller error: skip it like a hard error.
    if (!usable(messages[next])) {
      ++counters_.send_errors;
      const SocketAddress* to = messages[next].to;
      last_error_ = "send from " + local_.to_string() + " to " + (to != nullptr ? to->to_string() : "(none)") +
                    ": destination is not of the socket's address family";
      ++next;
      offset = 0;
      retried = false;
      continue;
    }

    // Fill up to kSendBatch entries from the cursor on.
    std::size_t k = 0;
    std::size_t i = next;
    std::size_t off = offset;
    while (k < kSendBatch && i < n && usable(messages[i])) {
      const OutMessage& m = messages[i];
      const std::size_t total = m.bytes.size();
      const std::size_t segment = m.segment_size;
      std::size_t chunk = total;
      if (segment > 0 && segment < total) {
        if (gso_) {
          const std::size_t per_chunk = std::max<std::size_t>(1, std::min(kMaxGsoSegments, kMaxGsoBytes / segment));
          chunk = per_chunk * segment;
        } else {
          chunk = segment;
        }
      }
      const std::size_t length = std::min(chunk, total - off);
      const bool gso = gso_ && segment > 0 && length > segment;

      SendState::Entry& e = s.entries[k];
      e = SendState::Entry{i, off, length, static_cast<std::uint16_t>(gso ? segment : 0)};
      s.iov[k].iov_base = const_cast<std::byte*>(m.bytes.data() + off);
      s.iov[k].iov_len = length;
      msghdr& h = s.headers[k].msg_hdr;
      h.msg_name = const_cast<sockaddr*>(m.to->data());
      h.msg_namelen = m.to->size();
      h.msg_iov = &s.iov[k];
      h.msg_iovlen = 1;
      h.msg_flags = 0;
      if (gso) {
        h.msg_control = s.control[k].bytes;
        h.msg_controllen = SendState::kControl;
        cmsghdr* c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        const std::uint16_t size = e.segment;
        std::memcpy(CMSG_DATA(c), &size, sizeof size);
      } else {
        h.msg_control = nullptr;
        h.msg_controllen = 0;
      }
      ++k;
      off += length;
      if (off >= total) {
        ++i;
        off = 0;
      }
    }

    const int sent = ::sendmmsg(fd_, s.headers.data(), static_cast<unsigned>(k), 0);
    if (sent < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) return next;
      const SendState::Entry& first = s.entries[0];
      if (first.segment != 0 && (err == EIO || err == EINVAL)) {
        // The kernel (or the route's device) refuses GSO: latch it off and resend the same bytes segment by segment.
        disable_gso();
        ++counters_.gso_fallbacks;
        last_error_ = "GSO refused on " + local_.to_string() + " (" + errno_text(err) + "); sending single datagrams";
        continue;
      }
      // An error may be stale: an ICMP report about an earlier datagram (ECONNREFUSED, EHOSTUNREACH with
      // IP_RECVERR) fails the next send whatever its destination, and reading it clears it. So the entry is tried
      // once more and skipped only if it fails again.
      if (!retried) {
        retried = true;
        last_error_ = "send from " + local_.to_string() + " to " + messages[first.message].to->to_string() + ": " +
                      errno_text(err);
        continue;
      }
      record_send_error(err, messages[first.message].to);
      advance_past(first);
      continue;
    }
    for (int j = 0; j < sent; ++j) {
      const SendState::Entry& e = s.entries[static_cast<std::size_t>(j)];
      counters_.datagrams_sent += segments_in(e.length, e.segment);
    }
    if (sent > 0) advance_past(s.entries[static_cast<std::size_t>(sent - 1)]);
  }
  return n;
}

std::size_t UdpSocket::receive(RecvBatch& batch) {
  RecvBatch::Kernel& kernel = *batch.kernel_;
  const std::size_t capacity = batch.capacity();
  for (std::size_t i = 0; i < capacity; ++i) {
    msghdr& h = kernel.headers[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_controllen = RecvBatch::Kernel::kControl;
    h.msg_flags = 0;
  }
  batch.count_ = 0;
  const int received = ::recvmmsg(fd_, kernel.headers.data(), static_cast<unsigned>(capacity), 0, nullptr);
  if (received < 0) {
    const int err = errno;
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
      ++counters_.receive_errors;
      last_error_ = "receive on " + local_.to_string() + ": " + errno_text(err);
    }
    return 0;
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(received); ++i) {
    msghdr& h = kernel.headers[i].msg_hdr;
    std::uint16_t segment = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
        int size = 0;
        std::memcpy(&size, CMSG_DATA(c), sizeof size);
        segment = static_cast<std::uint16_t>(size);
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        // The socket's running 32-bit drop count when this datagram was queued; accumulate its increments.
        std::uint32_t mark = 0;
        std::memcpy(&mark, CMSG_DATA(c), sizeof mark);
        kernel_drops_ += static_cast<std::uint32_t>(mark - last_drop_mark_);
        last_drop_mark_ = mark;
      }
    }
    batch.from_[i] = SocketAddress(reinterpret_cast<const sockaddr*>(&kernel.names[i]), h.msg_namelen);
    if ((h.msg_flags & MSG_TRUNC) != 0) {
      ++counters_.receive_errors;
      last_error_ = "datagram from " + batch.from_[i].to_string() + " to " + local_.to_string() +
                    " truncated to the batch's " + std::to_string(batch.buffer_bytes_) + "-byte buffer; dropped";
      continue;
    }
    const std::uint32_t length = kernel.headers[i].msg_len;
    batch.lengths_[i] = length;
    batch.segment_sizes_[i] = segment;
    batch.order_[batch.count_++] = static_cast<std::uint32_t>(i);
    counters_.datagrams_received += segments_in(length, segment);
  }
  return batch.count_;
}

}  // namespace progmp::net

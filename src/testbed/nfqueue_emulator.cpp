// NFQUEUE driver of the link emulator (see nfqueue_emulator.hpp).
#include "progmp/testbed/nfqueue_emulator.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#ifdef PROGMP_HAVE_NFQUEUE
#include <arpa/inet.h>         // ntohl
#include <linux/netfilter.h>  // NF_ACCEPT, NF_DROP
#include <sys/socket.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfnetlink/libnfnetlink.h>
#endif

namespace progmp::testbed {
namespace {

transport::Instant monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return transport::Instant::from_nanos(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the reader is gone: nothing left to tell
    done += static_cast<std::size_t>(n);
  }
}

int fail(const NfqueueEmulatorOptions& o, const std::string& what) {
  write_all(o.status_fd, "error: " + what + "\n");
  return 1;
}

}  // namespace

#ifndef PROGMP_HAVE_NFQUEUE

bool nfqueue_emulator_available(std::string& reason) {
  reason = "this build has no link emulator (libnetfilter-queue-dev was missing when it was configured)";
  return false;
}

int run_nfqueue_emulator(const NfqueueEmulatorOptions& options) {
  std::string reason;
  nfqueue_emulator_available(reason);
  return fail(options, reason);
}

#else

bool nfqueue_emulator_available(std::string& reason) {
  reason.clear();
  return true;
}

namespace {

// The IP packet's length from its first bytes (the kernel copies only the header to us).
std::uint32_t ip_length(const unsigned char* p, int n) {
  if (n >= 4 && (p[0] >> 4) == 4) return (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
  if (n >= 6 && (p[0] >> 4) == 6) return 40 + ((static_cast<std::uint32_t>(p[4]) << 8) | p[5]);
  return static_cast<std::uint32_t>(n > 0 ? n : 0);
}

class Driver final : public VerdictSink {
 public:
  explicit Driver(const NfqueueEmulatorOptions& o) : o_(o), emulator_(o.links, o.seed, *this) {}

  ~Driver() {
    for (nfq_q_handle* q : queues_)
      if (q != nullptr) nfq_destroy_queue(q);
    if (handle_ != nullptr) nfq_close(handle_);
    if (timer_ >= 0) ::close(timer_);
    if (epoll_ >= 0) ::close(epoll_);
  }

  int run() {
    if (!open_queues()) return 1;
    write_all(o_.status_fd, "ready\n");
    const int rc = loop();
    report();
    return rc;
  }

  void verdict(std::uint32_t link, std::uint32_t packet, Verdict v) override {
    nfq_set_verdict(queues_[link], packet, v == Verdict::Accept ? NF_ACCEPT : NF_DROP, 0, nullptr);
  }

 private:
  bool open_queues() {
    handle_ = nfq_open();
    if (handle_ == nullptr) return fail_bool("nfq_open failed: " + std::string(std::strerror(errno)));
    for (std::size_t i = 0; i < o_.links.size(); ++i) {
      const auto num = static_cast<std::uint16_t>(o_.first_queue + i);
      nfq_q_handle* q = nfq_create_queue(handle_, num, &Driver::on_packet, this);
      if (q == nullptr)
        return fail_bool("cannot bind NFQUEUE " + std::to_string(num) + " (is another program bound to it?): " +
                         std::strerror(errno));
      queues_.push_back(q);
      // 64 bytes hold any IPv4 or IPv6 header: the length is all the emulator reads.
      if (nfq_set_mode(q, NFQNL_COPY_PACKET, 64) < 0) return fail_bool("nfq_set_mode failed");
      // The kernel queue must never be the bottleneck: the emulated queue decides the drops.
      nfq_set_queue_maxlen(q, 65536);
    }
    nfnl_rcvbufsiz(nfq_nfnlh(handle_), 32u << 20);
    const int fd = nfq_fd(handle_);
    const int one = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (timer_ < 0 || epoll_ < 0) return fail_bool("timerfd/epoll: " + std::string(std::strerror(errno)));
    for (int watched : {fd, timer_, o_.control_fd}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = watched;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, watched, &ev) < 0)
        return fail_bool("epoll_ctl: " + std::string(std::strerror(errno)));
    }
    return true;
  }

  bool fail_bool(const std::string& what) {
    fail(o_, what);
    return false;
  }

  static int on_packet(nfq_q_handle* q, nfgenmsg*, nfq_data* data, void* self_ptr) {
    auto* self = static_cast<Driver*>(self_ptr);
    const nfqnl_msg_packet_hdr* h = nfq_get_msg_packet_hdr(data);
    if (h == nullptr) return 0;
    const std::uint32_t id = ntohl(h->packet_id);
    unsigned char* payload = nullptr;
    const int n = nfq_get_payload(data, &payload);
    std::uint32_t link = 0;
    while (link < self->queues_.size() && self->queues_[link] != q) ++link;
    if (link == self->queues_.size()) return 0;
    self->emulator_.packet(monotonic_now(), link, id, ip_length(payload, n));
    return 0;
  }

  int loop() {
    alignas(8) static char buffer[1 << 16];
    const int fd = nfq_fd(handle_);
    bool started = false;
    for (;;) {
      arm_timer();
      epoll_event events[4];
      const int n = epoll_wait(epoll_, events, 4, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(o_, "epoll_wait: " + std::string(std::strerror(errno)));
      }
      for (int e = 0; e < n; ++e) {
        const int ready = events[e].data.fd;
        if (ready == fd) {
          for (;;) {
            const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got < 0) break;  // EAGAIN, or ENOBUFS without NETLINK_NO_ENOBUFS: read on
            nfq_handle_packet(handle_, buffer, static_cast<int>(got));
          }
        } else if (ready == timer_) {
          std::uint64_t expirations = 0;
          [[maybe_unused]] const ssize_t r = ::read(timer_, &expirations, sizeof expirations);
        } else if (ready == o_.control_fd) {
          std::int64_t epoch_ns = 0;
          const ssize_t got = ::read(o_.control_fd, &epoch_ns, sizeof epoch_ns);
          if (got == 0) return 0;  // EOF: stop
          if (got == static_cast<ssize_t>(sizeof epoch_ns) && !started) {
            started = true;
            emulator_.start_changes(transport::Instant::from_nanos(epoch_ns));
          }
        }
      }
      emulator_.advance(monotonic_now());
    }
  }

  void arm_timer() {
    transport::Instant at;
    itimerspec spec{};
    if (emulator_.next_deadline(at)) {
      const std::int64_t ns = std::max<std::int64_t>(at.ns_since_epoch(), 1);
      spec.it_value.tv_sec = ns / 1'000'000'000;
      spec.it_value.tv_nsec = ns % 1'000'000'000;
    }
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  void report() {
    std::string out;
    for (std::uint32_t i = 0; i < emulator_.links(); ++i) {
      const sim::LinkCounters& c = emulator_.counters(i);
      out += "link " + std::to_string(i) + " in " + std::to_string(c.packets_in) + " " + std::to_string(c.bytes_in) +
             " queue_drops " + std::to_string(c.dropped_queue) + " loss_drops " + std::to_string(c.dropped_loss) +
             " down_drops " + std::to_string(c.dropped_down) + " delivered " + std::to_string(c.delivered_packets) +
             " " + std::to_string(c.delivered_bytes) + "\n";
    }
    write_all(o_.status_fd, out);
  }

  const NfqueueEmulatorOptions& o_;
  LinkEmulator emulator_;
  nfq_handle* handle_ = nullptr;
  std::vector<nfq_q_handle*> queues_;
  int timer_ = -1;
  int epoll_ = -1;
};

}  // namespace

int run_nfqueue_emulator(const NfqueueEmulatorOptions& options) {
  Driver d(options);
  return d.run();
}

#endif

}  // namespace progmp::testbed

// The link emulator's driver: packets held by the kernel's NFQUEUE, released on the real clock.
//
// The testbed installs, in the receiving namespace of each emulated link,
//   iptables -t mangle -A PREROUTING -i IFACE -j NFQUEUE --queue-num Q
// so every IP packet arriving over that veth waits in queue Q until this program gives its verdict: it runs the
// LinkEmulator (link_emulator.hpp) on CLOCK_MONOTONIC with epoll and an absolute timerfd, and accepts each packet when
// it has crossed the emulated link, or drops it. Emulating at the receiver's ingress (never the sender's egress)
// keeps the sender's own small-queue limits out of the picture, as on a real path.
//
// This is Linux-only and needs CAP_NET_ADMIN in the namespace (root in the testbed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "progmp/testbed/link_emulator.hpp"

namespace progmp::testbed {

struct NfqueueEmulatorOptions {
  std::vector<EmulatedLink> links;  // link i is served by queue first_queue + i
  std::uint16_t first_queue = 1;
  std::uint64_t seed = 1;
  // Protocol with the process that started the emulator (both fds are pipe ends the emulator owns):
  //  - status_fd: "ready\n" once every queue is bound (or "error: ...\n" and the emulator returns 1); at the end
  //    one line per link: "link I in PKTS BYTES queue_drops N loss_drops N down_drops N delivered PKTS BYTES\n".
  //  - control_fd: 8 bytes, the epoch (CLOCK_MONOTONIC nanoseconds) from which the links' changes count; then EOF
  //    (the other end closed) stops the emulator. Packets that arrive before the epoch pass through the links
  //    without their changes.
  int status_fd = -1;
  int control_fd = -1;
};

// Whether this build has the NFQUEUE emulator (libnetfilter_queue); false with the reason.
bool nfqueue_emulator_available(std::string& reason);

// Runs until control_fd reaches EOF (returns 0) or an error (returns 1, reported on status_fd).
int run_nfqueue_emulator(const NfqueueEmulatorOptions& options);

}  // namespace progmp::testbed

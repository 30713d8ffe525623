// UdpSocket on loopback: binding (v4, v6, devices), batched send/receive with contents, order and sources checked,
// GSO to GRO and non-GRO receivers, the GSO fallback (forced by the kernel itself), hard errors and ICMP errors that
// must not stop the loop, and kernel receive-queue drops.
#include "progmp/net/udp_socket.hpp"

#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <vector>

#include "net/loopback.hpp"

namespace progmp::net {
namespace {

using testing::address;
using testing::bind_socket;
using testing::payload;
using testing::receive_datagrams;
using Out = UdpSocket::OutMessage;

TEST(UdpSocket, BindsLoopbackAddressesOnEphemeralPorts) {
  for (const char* text : {"127.0.0.1:0", "127.0.0.2:0", "[::1]:0"}) {
    UdpSocket s = bind_socket(text);
    EXPECT_GE(s.fd(), 0);
    EXPECT_NE(s.local_address().port(), 0) << text;
    EXPECT_EQ(s.local_address(), address(text).with_port(s.local_address().port())) << text;
  }
  std::string error;
  auto v6 = UdpSocket::bind(address("[::1]:0"), {}, error);
  ASSERT_TRUE(v6) << error;
  int v6only = 0;
  socklen_t length = sizeof v6only;
  ASSERT_EQ(getsockopt(v6->fd(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &length), 0);
  EXPECT_EQ(v6only, 1);
  int pmtu = 0;
  length = sizeof pmtu;
  ASSERT_EQ(getsockopt(v6->fd(), IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, &length), 0);
  EXPECT_EQ(pmtu, IPV6_PMTUDISC_PROBE);
}

TEST(UdpSocket, BindingATakenPortFailsWithTheAddress) {
  UdpSocket first = bind_socket("127.0.0.1:0");
  std::string error;
  const SocketAddress taken = first.local_address();
  EXPECT_FALSE(UdpSocket::bind(taken, {}, error));
  EXPECT_EQ(error, "bind for " + taken.to_string() + ": Address already in use");
}

TEST(UdpSocket, MoveTransfersTheDescriptor) {
  UdpSocket a = bind_socket("127.0.0.1:0");
  const int fd = a.fd();
  UdpSocket b = std::move(a);
  EXPECT_EQ(b.fd(), fd);
  EXPECT_EQ(a.fd(), -1);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  UdpSocket c = bind_socket("127.0.0.1:0");
  c = std::move(b);
  EXPECT_EQ(c.fd(), fd);
}

void check_batch_of_ten(const char* from_text, const char* to_text) {
  UdpSocket sender = bind_socket(from_text);
  UdpSocket receiver = bind_socket(to_text);
  std::vector<std::vector<std::byte>> payloads;
  std::vector<Out> out;
  for (std::uint32_t i = 0; i < 10; ++i) payloads.push_back(payload(i, 100 + 37 * i));
  for (const auto& p : payloads) out.push_back(Out{&receiver.local_address(), p});
  ASSERT_EQ(sender.send(out), 10u) << sender.last_error();
  EXPECT_EQ(sender.counters().datagrams_sent, 10u);

  RecvBatch batch;
  const auto got = receive_datagrams(receiver, batch, 10);
  ASSERT_EQ(got.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].bytes, payloads[i]) << "datagram " << i;
    EXPECT_EQ(got[i].from, sender.local_address());
    EXPECT_EQ(got[i].segment_size, 0);
  }
  EXPECT_EQ(receiver.counters().datagrams_received, 10u);
  EXPECT_EQ(receiver.kernel_drops(), 0u);
}

TEST(UdpSocket, BatchOfTenArrivesInOrderV4) { check_batch_of_ten("127.0.0.1:0", "127.0.0.2:0"); }
TEST(UdpSocket, BatchOfTenArrivesInOrderV6) { check_batch_of_ten("[::1]:0", "[::1]:0"); }

TEST(UdpSocket, MoreMessagesThanOneSendmmsgAndMoreThanOneRecvBatch) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  constexpr std::size_t kCount = 150;  // > kSendBatch, > RecvBatch capacity
  std::vector<std::vector<std::byte>> payloads;
  std::vector<Out> out;
  for (std::uint32_t i = 0; i < kCount; ++i) payloads.push_back(payload(1000 + i, 64));
  for (const auto& p : payloads) out.push_back(Out{&receiver.local_address(), p});
  ASSERT_EQ(sender.send(out), kCount);
  RecvBatch batch(16);
  const auto got = receive_datagrams(receiver, batch, kCount);
  ASSERT_EQ(got.size(), kCount);
  for (std::size_t i = 0; i < kCount; ++i) EXPECT_EQ(got[i].bytes, payloads[i]);
}

TEST(UdpSocket, EmptyDatagramIsADatagram) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  const Out out[] = {Out{&receiver.local_address(), {}}};
  ASSERT_EQ(sender.send(out), 1u);
  RecvBatch batch(4);
  const auto got = receive_datagrams(receiver, batch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].bytes.empty());
}

// 20 × 1200 bytes and a 700-byte tail: 21 datagrams.
struct GsoCase {
  std::vector<std::byte> bytes = payload(77, 20 * 1200 + 700);
  std::span<const std::byte> datagram(std::size_t i) const {
    return std::span<const std::byte>(bytes).subspan(i * 1200, std::min<std::size_t>(1200, bytes.size() - i * 1200));
  }
  void check(const std::vector<testing::Received>& got, const UdpSocket& sender) const {
    ASSERT_EQ(got.size(), 21u);
    for (std::size_t i = 0; i < 21; ++i) {
      const auto expected = datagram(i);
      EXPECT_EQ(got[i].bytes, std::vector<std::byte>(expected.begin(), expected.end())) << "datagram " << i;
      EXPECT_EQ(got[i].from, sender.local_address());
    }
    EXPECT_EQ(got.back().bytes.size(), 700u);
  }
};

TEST(UdpSocket, GsoAndGroAreUsableOnLoopback) {
  UdpSocket s = bind_socket("127.0.0.1:0");
  EXPECT_TRUE(s.gso_enabled());
  EXPECT_TRUE(s.gro_enabled());
  UdpSocket off = bind_socket("127.0.0.1:0", testing::without_offloads());
  EXPECT_FALSE(off.gso_enabled());
  EXPECT_FALSE(off.gro_enabled());
}

TEST(UdpSocket, GsoSendToGroReceiverArrivesAsOneSuperDatagram) {
  for (const char* family : {"127.0.0.1:0", "[::1]:0"}) {
    UdpSocket sender = bind_socket(family);
    UdpSocket receiver = bind_socket(family);
    if (!sender.gso_enabled() || !receiver.gro_enabled()) GTEST_SKIP() << "kernel without UDP GSO/GRO";
    GsoCase c;
    const Out out[] = {Out{&receiver.local_address(), c.bytes, 1200}};
    ASSERT_EQ(sender.send(out), 1u) << sender.last_error();
    EXPECT_EQ(sender.counters().datagrams_sent, 21u);
    EXPECT_EQ(sender.counters().gso_fallbacks, 0u);
    RecvBatch batch;
    std::size_t messages = 0;
    const auto got = receive_datagrams(receiver, batch, 21, 2000, &messages);
    c.check(got, sender);
    EXPECT_EQ(messages, 1u) << family;  // loopback keeps the GSO buffer whole for a GRO socket
    EXPECT_EQ(got.front().segment_size, 1200) << family;
    EXPECT_EQ(receiver.counters().datagrams_received, 21u);
  }
}

TEST(UdpSocket, GsoSendToNonGroReceiverArrivesAsSeparateDatagrams) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0", testing::without_gro());
  GsoCase c;
  const Out out[] = {Out{&receiver.local_address(), c.bytes, 1200}};
  ASSERT_EQ(sender.send(out), 1u) << sender.last_error();
  RecvBatch batch;
  std::size_t messages = 0;
  const auto got = receive_datagrams(receiver, batch, 21, 2000, &messages);
  c.check(got, sender);
  EXPECT_EQ(messages, 21u);
  for (const auto& d : got) EXPECT_EQ(d.segment_size, 0);
}

TEST(UdpSocket, DisabledGsoSendsTheSameDatagramsOneByOne) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  sender.disable_gso();
  EXPECT_FALSE(sender.gso_enabled());
  GsoCase c;
  const Out out[] = {Out{&receiver.local_address(), c.bytes, 1200}};
  ASSERT_EQ(sender.send(out), 1u) << sender.last_error();
  EXPECT_EQ(sender.counters().datagrams_sent, 21u);
  RecvBatch batch;
  std::size_t messages = 0;
  const auto got = receive_datagrams(receiver, batch, 21, 2000, &messages);
  c.check(got, sender);
  EXPECT_EQ(messages, 21u);  // separate datagrams, even to a GRO socket
}

TEST(UdpSocket, KernelRefusingGsoFallsBackTransparently) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  if (!sender.gso_enabled()) GTEST_SKIP() << "kernel without UDP GSO";
  // Without UDP checksums the kernel cannot segment: udp_send_skb refuses GSO with EINVAL.
  int one = 1;
  ASSERT_EQ(setsockopt(sender.fd(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), 0);
  GsoCase c;
  const auto before = payload(5, 300);
  const Out out[] = {Out{&receiver.local_address(), before}, Out{&receiver.local_address(), c.bytes, 1200},
                     Out{&receiver.local_address(), c.bytes, 1200}};
  ASSERT_EQ(sender.send(out), 3u) << sender.last_error();
  EXPECT_FALSE(sender.gso_enabled());
  EXPECT_EQ(sender.counters().gso_fallbacks, 1u);
  EXPECT_EQ(sender.counters().send_errors, 0u);
  EXPECT_EQ(sender.counters().datagrams_sent, 43u);
  EXPECT_NE(sender.last_error().find("GSO refused"), std::string::npos) << sender.last_error();
  RecvBatch batch;
  auto got = receive_datagrams(receiver, batch, 43);
  ASSERT_EQ(got.size(), 43u);
  EXPECT_EQ(got[0].bytes, before);
  c.check(std::vector<testing::Received>(got.begin() + 1, got.begin() + 22), sender);
  c.check(std::vector<testing::Received>(got.begin() + 22, got.end()), sender);
}

TEST(UdpSocket, GsoMessagesBeyondTheKernelLimitsAreChunked) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0", testing::without_gro());
  // 150 segments of 100 bytes: more than kMaxGsoSegments in one message.
  const auto bytes = payload(9, 150 * 100);
  const Out out[] = {Out{&receiver.local_address(), bytes, 100}};
  ASSERT_EQ(sender.send(out), 1u) << sender.last_error();
  EXPECT_EQ(sender.counters().gso_fallbacks, 0u);
  EXPECT_EQ(sender.gso_enabled(), bind_socket("127.0.0.1:0").gso_enabled());
  RecvBatch batch;
  const auto got = receive_datagrams(receiver, batch, 150);
  ASSERT_EQ(got.size(), 150u);
  for (std::size_t i = 0; i < 150; ++i) {
    EXPECT_TRUE(std::equal(got[i].bytes.begin(), got[i].bytes.end(), bytes.begin() + static_cast<long>(i * 100)));
  }
}

TEST(UdpSocket, BindToDeviceLoWorksAndAMissingDeviceIsAClearError) {
  UdpSocket sender = bind_socket("127.0.0.1:0", testing::on_device("lo"));
  char name[IFNAMSIZ] = {};
  socklen_t length = sizeof name;
  ASSERT_EQ(getsockopt(sender.fd(), SOL_SOCKET, SO_BINDTODEVICE, name, &length), 0);
  EXPECT_STREQ(name, "lo");
  UdpSocket receiver = bind_socket("127.0.0.1:0", testing::on_device("lo"));
  const auto bytes = payload(3, 500);
  const Out out[] = {Out{&receiver.local_address(), bytes}};
  ASSERT_EQ(sender.send(out), 1u);
  RecvBatch batch(4);
  const auto got = receive_datagrams(receiver, batch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, bytes);

  std::string error;
  EXPECT_FALSE(UdpSocket::bind(address("127.0.0.1:0"), testing::on_device("nosuchdev0"), error));
  EXPECT_EQ(error, "SO_BINDTODEVICE 'nosuchdev0' for 127.0.0.1:0: No such device");
  EXPECT_FALSE(UdpSocket::bind(address("127.0.0.1:0"), testing::on_device("a-very-long-device-name"), error));
  EXPECT_EQ(error, "device name 'a-very-long-device-name' for 127.0.0.1:0 is longer than 15 bytes");
}

TEST(UdpSocket, HardErrorsSkipOnlyTheOffendingMessage) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  const auto first = payload(1, 100);
  const auto too_big = payload(2, 65508);  // one byte over the IPv4 UDP maximum: EMSGSIZE
  const auto last = payload(3, 100);
  const SocketAddress v6 = address("[::1]:9");
  const Out out[] = {Out{&receiver.local_address(), first}, Out{&receiver.local_address(), too_big}, Out{&v6, last},
                     Out{nullptr, last}, Out{&receiver.local_address(), last}};
  ASSERT_EQ(sender.send(out), 5u);
  EXPECT_EQ(sender.counters().send_errors, 3u);
  EXPECT_EQ(sender.counters().datagrams_sent, 2u);
  EXPECT_EQ(sender.last_error(), "send from " + sender.local_address().to_string() +
                                     " to (none): destination is not of the socket's address family");
  RecvBatch batch(8);
  const auto got = receive_datagrams(receiver, batch, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, first);
  EXPECT_EQ(got[1].bytes, last);

  const Out oversized[] = {Out{&receiver.local_address(), too_big}};
  ASSERT_EQ(sender.send(oversized), 1u);
  EXPECT_EQ(sender.last_error(), "send from " + sender.local_address().to_string() + " to " +
                                     receiver.local_address().to_string() + ": Message too long");
}

TEST(UdpSocket, IcmpErrorsFromAClosedPortNeverStopTheLoop) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  SocketAddress closed;
  {
    UdpSocket gone = bind_socket("127.0.0.1:0");
    closed = gone.local_address();
  }
  // Make the kernel report ICMP port unreachable on this unconnected socket (the driver does not enable this; a
  // future one, or a connected socket, would see the same errors).
  int one = 1;
  ASSERT_EQ(setsockopt(sender.fd(), IPPROTO_IP, IP_RECVERR, &one, sizeof one), 0);

  RecvBatch batch(8);
  constexpr int kRounds = 20;
  std::vector<std::vector<std::byte>> sent;
  for (int round = 0; round < kRounds; ++round) {
    const auto probe = payload(100 + round, 50);
    const Out to_closed[] = {Out{&closed, probe}};
    ASSERT_EQ(sender.send(to_closed), 1u) << sender.last_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let the ICMP error arrive
    if (round % 2 == 0) {
      EXPECT_EQ(sender.receive(batch), 0u);  // the error surfaces here, or at the next send
    }
    sent.push_back(payload(200 + round, 50));
    const Out to_live[] = {Out{&receiver.local_address(), sent.back()}};
    ASSERT_EQ(sender.send(to_live), 1u) << sender.last_error();
  }
  const auto got = receive_datagrams(receiver, batch, kRounds);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kRounds));
  for (int i = 0; i < kRounds; ++i)
    EXPECT_EQ(got[static_cast<std::size_t>(i)].bytes, sent[static_cast<std::size_t>(i)]);
  // The errors were seen, and swallowed: none made a live datagram get lost.
  EXPECT_NE(sender.last_error().find("Connection refused"), std::string::npos) << sender.last_error();
  EXPECT_GT(sender.counters().receive_errors, 0u);
  EXPECT_EQ(sender.counters().send_errors, 0u);
}

TEST(UdpSocket, KernelDropsAreCountedWhenTheReceiveBufferOverflows) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0", testing::with_recv_buffer(4096));
  const auto bytes = payload(4, 1200);
  std::vector<Out> out(64, Out{&receiver.local_address(), bytes});
  std::size_t sent = 0;
  for (int i = 0; i < 16; ++i) sent += sender.send(out);
  ASSERT_EQ(sent, 16u * 64u);

  RecvBatch batch;
  auto got = receive_datagrams(receiver, batch, sent, 200);
  EXPECT_LT(got.size(), sent);
  // Drops are reported with the next datagram queued after them.
  const Out one[] = {Out{&receiver.local_address(), bytes}};
  ASSERT_EQ(sender.send(one), 1u);
  const auto last = receive_datagrams(receiver, batch, 1);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_GT(receiver.kernel_drops(), 0u);
  EXPECT_EQ(receiver.kernel_drops() + got.size() + 1, sent + 1);
}

TEST(UdpSocket, ReceiveOnAnEmptySocketReturnsZero) {
  UdpSocket s = bind_socket("127.0.0.1:0");
  RecvBatch batch(2);
  EXPECT_EQ(s.receive(batch), 0u);
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_EQ(s.last_error(), "");
}

TEST(UdpSocket, TruncatedDatagramsAreDroppedAndReported) {
  UdpSocket sender = bind_socket("127.0.0.1:0");
  UdpSocket receiver = bind_socket("127.0.0.1:0");
  const auto big = payload(1, 600);
  const auto small = payload(2, 100);
  const Out out[] = {Out{&receiver.local_address(), big}, Out{&receiver.local_address(), small}};
  ASSERT_EQ(sender.send(out), 2u);
  RecvBatch batch(4, 512);
  const auto got = receive_datagrams(receiver, batch, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, small);
  EXPECT_EQ(receiver.counters().receive_errors, 1u);
  EXPECT_EQ(receiver.last_error(), "datagram from " + sender.local_address().to_string() + " to " +
                                       receiver.local_address().to_string() +
                                       " truncated to the batch's 512-byte buffer; dropped");
}

}  // namespace
}  // namespace progmp::net

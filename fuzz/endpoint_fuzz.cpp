// libFuzzer target for the transport endpoints' datagram handling: a Receiver (after a valid JOIN) and a Sender
// (with an open connection, one subflow and data queued) get arbitrary datagrams. Input format: records of
// [target byte: even → receiver, odd → sender][length, 2 bytes big-endian][datagram]; time advances 1 ms per record
// and both endpoints' timers and output are drained after each. Checks: no crash, hang or leak; delivery to the
// application stays contiguous from offset 0 and never exceeds what arrived; rejected datagrams change nothing the
// application can see. Seeds: fuzz/corpus/endpoint/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "progmp/runtime/runtime.hpp"
#include "progmp/transport/receiver.hpp"
#include "progmp/transport/sender.hpp"
#include "progmp/transport/wire.hpp"

namespace {

using namespace progmp::transport;

void require(bool ok) {
  if (!ok) std::abort();
}

struct Sink : DeliverySink {
  std::uint64_t next = 0;
  void on_data(std::uint64_t offset, std::span<const std::byte> bytes) override {
    require(offset == next);
    require(!bytes.empty());
    next += bytes.size();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TransportConfig cfg;
  cfg.rcv_buf_bytes = 64 * 1024;
  Receiver receiver(ConnectionId{1}, 42, cfg);
  Sink sink;
  receiver.set_sink(&sink);
  Sender sender(cfg);
  progmp::runtime::Runtime rt(sender);
  rt.set_log([](std::string_view) {});
  sender.attach(rt);
  Instant now;
  sender.open(1, 42, now);
  sender.add_subflow(1, 0, false, now);
  std::vector<std::byte> buf(max_datagram_size(cfg.mss) + 256);

  // A valid JOIN opens path 1 on the receiver, so DATA on it reaches the reassembly code.
  {
    auto w = wire::Writer::begin(buf, wire::Header{ConnectionId{1}, PathId{1}});
    w->append(wire::Join{42, false});
    require(receiver.handle_datagram(now, 0, w->bytes()));
  }
  rt.send(1, 20'000);

  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const bool to_sender = data[pos] & 1;
    const std::size_t len = std::min<std::size_t>((std::size_t{data[pos + 1]} << 8) | data[pos + 2], size - pos - 3);
    const std::span<const std::byte> d(reinterpret_cast<const std::byte*>(data + pos + 3), len);
    pos += 3 + len;
    now += Duration::millis(1);
    const std::uint64_t delivered_before = receiver.delivered();
    if (to_sender) {
      sender.handle_datagram(now, 0, d);
    } else if (!receiver.handle_datagram(now, 0, d)) {
      require(receiver.delivered() == delivered_before);
    }
    receiver.handle_timeout(now);
    sender.handle_timeout(now);
    while (receiver.poll_transmit(now, buf)) {
    }
    for (int i = 0; i < 64 && sender.poll_transmit(now, buf); ++i) {
    }
  }
  require(sink.next == receiver.delivered());
  return 0;
}

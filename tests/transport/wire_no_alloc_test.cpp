// Encoding and decoding allocate nothing (style anchor 5: no allocation per packet). Global operator new is replaced
// in this test binary by a counting version; a burst of encode/decode/iterate over prepared buffers must leave the
// counter unchanged, on the success and on the error path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "transport/wire_support.hpp"
#include "support/counting_new.hpp"

namespace progmp::transport::testing {
namespace {

TEST(WireNoAllocation, EncodeDecodeAndIterateDoNotAllocate) {
  const std::vector<std::byte> payload(1400, std::byte{7});
  wire::Ack ack;
  ack.cumulative = 10;
  ack.data_ack = 5000;
  ack.window_end = 90000;
  for (std::uint64_t i = 0; i < wire::kMaxSackBlocks; ++i) ack.add_sack(12 + 2 * i, 13 + 2 * i);
  std::vector<std::byte> buffer(1500);
  const auto malformed = ByteBuilder().header().u8(0x03).u64(0).u64(100).u64(99).bytes();

  std::size_t sink = 0;
  const std::uint64_t before = progmp::testing::thread_allocations();
  for (int i = 0; i < 100; ++i) {
    auto w = wire::Writer::begin(buffer, kHeader);
    sink += w->append(wire::Timestamp{Instant::from_nanos(i)}).has_value();
    sink += w->append(wire::Data{static_cast<std::uint64_t>(i), 1400u * i, std::span(payload).first(1000), false,
                                 true}).has_value();
    sink += w->append(ack).has_value();
    const wire::Decoded d = wire::decode(w->bytes());
    for (const wire::Frame& f : d.datagram().frames) sink += wire::encoded_size(f);
    const wire::Decoded bad = wire::decode(malformed);
    sink += bad.error().offset;
  }
  const std::uint64_t after = progmp::testing::thread_allocations();
  EXPECT_EQ(after, before);
  EXPECT_GT(sink, 0u);
}

}  // namespace
}  // namespace progmp::transport::testing

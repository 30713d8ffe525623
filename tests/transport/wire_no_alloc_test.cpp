// Encoding and decoding allocate nothing (style anchor 5: no allocation per packet): neither the frame codec
// (wire.hpp) nor the packet headers (packet.hpp). Global operator new is replaced in this test binary by a counting
// version; a burst of encode/decode/iterate over prepared buffers must leave the counter unchanged, on the success
// and on the error path.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <new>

#include "progmp/transport/packet.hpp"
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
  const auto malformed = ByteBuilder().u8(0x03).u64(0).u64(100).u64(99).bytes();

  std::size_t sink = 0;
  const std::uint64_t before = progmp::testing::thread_allocations();
  for (int i = 0; i < 100; ++i) {
    wire::FrameWriter w(buffer);
    sink += w.append(wire::Timestamp{Instant::from_nanos(i)}).has_value();
    sink += w.append(wire::Data{static_cast<std::uint64_t>(i), 1400u * i, std::span(payload).first(1000), false,
                                true}).has_value();
    sink += w.append(ack).has_value();
    sink += w.append(wire::Join{static_cast<std::uint32_t>(i + 1), false}).has_value();
    sink += w.append(wire::PathChallenge{static_cast<std::uint64_t>(i)}).has_value();
    sink += w.append(wire::Join{0, false}).has_value();  // refused: the error path of the writer
    sink += w.append_data(1, 2, 30, false, false).size();
    sink += w.append_data(1, 2, 0, false, false).size();  // refused
    const wire::DecodedFrames d = wire::decode_frames(w.bytes());
    for (const wire::Frame& f : d.frames()) sink += wire::encoded_size(f) + wire::ack_eliciting(wire::frame_type(f));
    const wire::DecodedFrames bad = wire::decode_frames(malformed);
    sink += bad.error().offset;
  }
  const std::uint64_t after = progmp::testing::thread_allocations();
  EXPECT_EQ(after, before);
  EXPECT_GT(sink, 0u);
}

TEST(PacketNoAllocation, WriteAndParseDoNotAllocate) {
  const std::vector<std::byte> handshake(300, std::byte{3});
  const std::vector<std::byte> token(40, std::byte{4});
  const std::array<std::byte, packet::kResetTokenSize> reset{};
  std::vector<std::byte> buffer(1500);
  const auto malformed = ByteBuilder().u8(0xA2).u8(0x01).u64(1).u64(2).u8(65).bytes();

  std::size_t sink = 0;
  const std::uint64_t before = progmp::testing::thread_allocations();
  for (int i = 0; i < 100; ++i) {
    const ConnectionId id{static_cast<std::uint64_t>(i)};
    std::size_t n = packet::write_protected_header(buffer, {id, PathId{1}, static_cast<std::uint64_t>(i)});
    sink += packet::parse(std::span(buffer).first(n + 40)).ok();
    n = packet::write_initiation(buffer, id, ConnectionId{7}, token, handshake);
    const packet::Parsed initiation = packet::parse(std::span(buffer).first(n));
    sink += std::get<packet::Initiation>(initiation.packet()).handshake.size();
    packet::ForeignInitiation foreign;
    sink += packet::parse_foreign_initiation(std::span(buffer).first(n), foreign);
    sink += packet::initiation_prologue(id, id).size();
    n = packet::write_response(buffer, id, handshake);
    sink += packet::parse(std::span(buffer).first(n)).ok();
    n = packet::write_retry(buffer, id, id, token);
    sink += packet::parse(std::span(buffer).first(n)).ok();
    n = packet::write_stateless_reset(buffer, id, reset);
    sink += packet::parse(std::span(buffer).first(n)).ok();
    n = packet::write_version_mismatch(buffer, id);
    sink += packet::parse(std::span(buffer).first(n)).ok();
    sink += packet::parse(malformed).error().offset;
  }
  const std::uint64_t after = progmp::testing::thread_allocations();
  EXPECT_EQ(after, before);
  EXPECT_GT(sink, 0u);
}

}  // namespace
}  // namespace progmp::transport::testing

// The wire codec: exact layouts, a round trip of every frame type, every DecodeError with its exact offset, the
// writer's refusals, and a randomised round-trip property (with mutations, the fuzz target's property in small).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>

#include "transport/wire_support.hpp"

namespace progmp::transport::testing {
namespace {

using namespace progmp::literals;
using wire::DecodeErrorCode;

std::span<const std::byte> as_span(const std::vector<std::byte>& v) { return v; }

// ---- layout ------------------------------------------------------------------------------------------------------

TEST(Wire, HeaderAndPingLayout) {
  const auto bytes = encode(kHeader, {wire::Ping{}});
  EXPECT_EQ(bytes, ByteBuilder().header().u8(0x01).bytes());
  EXPECT_EQ(bytes.size(), wire::kHeaderSize + 1);
  EXPECT_EQ(bytes[0], std::byte{0xA1});  // magic nibble 0xA, version 1
}

TEST(Wire, DataLayout) {
  const std::vector<std::byte> payload{std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}};
  const auto bytes = encode(kHeader, {wire::Data{7, 0x1000, payload, true, true}});
  // type 02 | flags FIN|PSH = 03 | seq 7 | offset 0x1000 | length 3 | payload
  const auto expected =
      ByteBuilder().header().u8(0x02).u8(0x03).u64(7).u64(0x1000).u16(3).u8(0xDE).u8(0xAD).u8(0xBE).bytes();
  EXPECT_EQ(bytes, expected);
}

TEST(Wire, AckLayout) {
  wire::Ack ack;
  ack.cumulative = 5;
  ack.data_ack = 6000;
  ack.window_end = 70000;
  ack.timestamp_echo = Instant::from_nanos(-2);  // two's complement on the wire
  ack.ack_delay_us = 250;
  ack.add_sack(8, 10);
  const auto bytes = encode(kHeader, {ack});
  const auto expected = ByteBuilder()
                            .header()
                            .u8(0x03)
                            .u64(5)
                            .u64(6000)
                            .u64(70000)
                            .u64(0xFFFFFFFFFFFFFFFE)
                            .u32(250)
                            .u8(1)
                            .u64(8)
                            .u64(10)
                            .bytes();
  EXPECT_EQ(bytes, expected);
}

TEST(Wire, SmallFramesLayout) {
  const auto bytes = encode(kHeader, {wire::Join{0x1122334455667788, true}, wire::Close{wire::CloseCode::FlowControl},
                                      wire::Reset{wire::CloseCode{0xCAFE}}, wire::Backup{true},
                                      wire::Timestamp{Instant::from_nanos(42)}, wire::Padding{3}});
  const auto expected = ByteBuilder()
                            .header()
                            .u8(0x04).u8(0x01).u64(0x1122334455667788)
                            .u8(0x05).u32(2)
                            .u8(0x06).u32(0xCAFE)
                            .u8(0x07).u8(0x01)
                            .u8(0x08).u64(42)
                            .zeros(3)
                            .bytes();
  EXPECT_EQ(bytes, expected);
}

// ---- round trips -------------------------------------------------------------------------------------------------

// Encodes, decodes and compares inside one scope: decoded DATA payloads are views into `bytes`.
void expect_round_trip(const std::vector<wire::Frame>& frames) {
  const auto bytes = encode(kHeader, frames);
  const wire::Decoded d = wire::decode(bytes);
  ASSERT_TRUE(d.ok()) << wire::describe(d.error());
  EXPECT_EQ(d.datagram().header, kHeader);
  EXPECT_EQ(d.datagram().bytes.size(), bytes.size());
  const auto decoded = frames_of(d.datagram());
  EXPECT_EQ(decoded, frames) << "first frame " << wire::frame_type_name(wire::frame_type(frames[0]));
  // Canonical encoding: re-encoding the decoded frames gives the same bytes.
  EXPECT_EQ(encode(kHeader, decoded), bytes);
}

TEST(Wire, RoundTripEveryFrameType) {
  const std::vector<std::byte> payload(1200, std::byte{0x5A});
  wire::Ack empty_ack;
  empty_ack.window_end = wire::kMaxStreamOffset;
  wire::Ack full_ack;
  full_ack.cumulative = 100;
  full_ack.data_ack = 1 << 20;
  full_ack.window_end = (1 << 20) + 65536;
  full_ack.timestamp_echo = Instant::from_nanos(123456789);
  full_ack.ack_delay_us = 0xFFFFFFFF;
  for (std::uint64_t i = 0; i < wire::kMaxSackBlocks; ++i) ASSERT_TRUE(full_ack.add_sack(102 + 3 * i, 104 + 3 * i));
  EXPECT_FALSE(full_ack.add_sack(1000, 1001));  // the 17th block does not fit

  const std::vector<std::vector<wire::Frame>> cases = {
      {wire::Padding{1}},
      {wire::Padding{200}},
      {wire::Ping{}},
      {wire::Data{0, 0, payload, false, false}},
      {wire::Data{~std::uint64_t{0}, wire::kMaxStreamOffset - 1200, payload, false, true}},
      {wire::Data{9, 4096, {}, true, false}},  // bare FIN
      {empty_ack},
      {full_ack},
      {wire::Join{0, false}},
      {wire::Join{~std::uint64_t{0}, true}},
      {wire::Close{wire::CloseCode::NoError}},
      {wire::Close{wire::CloseCode{0xFFFFFFFF}}},
      {wire::Reset{wire::CloseCode::ProtocolViolation}},
      {wire::Backup{false}},
      {wire::Backup{true}},
      {wire::Timestamp{Instant::from_nanos(INT64_MIN)}},
      {wire::Timestamp{Instant::from_nanos(INT64_MAX)}},
      // several frames in one datagram keep their order
      {wire::Timestamp{Instant::from_nanos(5)}, full_ack, wire::Data{1, 2, payload, false, true}, wire::Ping{},
       wire::Padding{17}},
  };
  for (const auto& frames : cases) expect_round_trip(frames);
}

TEST(Wire, HeaderRoundTripsExtremeIds) {
  const wire::Header h{ConnectionId{~std::uint64_t{0}}, PathId{~std::uint32_t{0}}};
  const auto bytes = encode(h, {wire::Ping{}});
  const wire::Decoded d = wire::decode(bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.datagram().header, h);
}

TEST(Wire, PayloadIsAViewIntoTheInput) {
  const std::vector<std::byte> payload(10, std::byte{1});
  const auto bytes = encode(kHeader, {wire::Ping{}, wire::Data{1, 0, payload, false, false}});
  const wire::Decoded d = wire::decode(bytes);
  ASSERT_TRUE(d.ok());
  const auto frames = frames_of(d.datagram());
  const auto& data = std::get<wire::Data>(frames[1]);
  // header 14 + PING 1 + DATA fixed part 20 = 35
  EXPECT_EQ(data.payload.data(), bytes.data() + 35);
  EXPECT_EQ(data.payload.size(), 10u);
}

TEST(Wire, AdjacentPaddingRunsDecodeAsOne) {
  // A run of zero bytes is one PADDING frame, however it was written.
  const auto bytes = encode(kHeader, {wire::Padding{2}, wire::Padding{3}, wire::Ping{}});
  const wire::Decoded d = wire::decode(bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(frames_of(d.datagram()), (std::vector<wire::Frame>{wire::Padding{5}, wire::Ping{}}));
}

TEST(Wire, EncodedSizeMatchesWrittenBytes) {
  const std::vector<std::byte> payload(77);
  wire::Ack ack;
  ack.add_sack(3, 4);
  ack.add_sack(6, 9);
  // fixed sizes from the diagram: DATA 20 + payload, ACK 38 + 16 per block, JOIN 10, CLOSE/RESET 5, BACKUP 2,
  // TIMESTAMP 9, PING 1, PADDING its length
  const std::vector<std::pair<wire::Frame, std::size_t>> cases = {
      {wire::Data{0, 0, payload, false, false}, 97}, {ack, 70}, {wire::Join{}, 10}, {wire::Close{}, 5},
      {wire::Reset{}, 5}, {wire::Backup{}, 2}, {wire::Timestamp{}, 9}, {wire::Ping{}, 1}, {wire::Padding{12}, 12}};
  for (const auto& [frame, size] : cases) {
    EXPECT_EQ(wire::encoded_size(frame), size) << wire::frame_type_name(wire::frame_type(frame));
    EXPECT_EQ(encode(kHeader, {frame}).size(), wire::kHeaderSize + size);
  }
}

// ---- writer refusals ---------------------------------------------------------------------------------------------

TEST(WireWriter, NeedsRoomForTheHeader) {
  std::array<std::byte, wire::kHeaderSize - 1> small{};
  EXPECT_FALSE(wire::Writer::begin(small, kHeader).has_value());
  std::array<std::byte, wire::kHeaderSize> exact{};
  auto w = wire::Writer::begin(exact, kHeader);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->size(), wire::kHeaderSize);
  EXPECT_EQ(w->remaining(), 0u);
  EXPECT_EQ(w->append(wire::Ping{}), wire::EncodeError::BufferTooSmall);
}

TEST(WireWriter, FrameThatDoesNotFitWritesNothing) {
  std::array<std::byte, wire::kHeaderSize + 25> buffer{};
  auto w = wire::Writer::begin(buffer, kHeader);
  ASSERT_TRUE(w.has_value());
  ASSERT_FALSE(w->append(wire::Ping{}).has_value());
  const std::vector<std::byte> payload(5);  // needs 25 bytes, 24 left
  EXPECT_EQ(w->append(wire::Data{0, 0, payload, false, false}), wire::EncodeError::BufferTooSmall);
  EXPECT_EQ(w->size(), wire::kHeaderSize + 1);
  const std::vector<std::byte> smaller(4);  // exactly 24
  EXPECT_FALSE(w->append(wire::Data{0, 0, smaller, false, false}).has_value());
  EXPECT_EQ(w->remaining(), 0u);
}

TEST(WireWriter, RefusesFramesTheDecoderWouldReject) {
  const std::vector<std::byte> payload(10);
  const std::vector<std::byte> huge(wire::kMaxDataLength + 1);
  wire::Ack below_cumulative;
  below_cumulative.cumulative = 10;
  below_cumulative.add_sack(10, 12);
  wire::Ack overlapping;
  overlapping.add_sack(5, 10);
  overlapping.add_sack(8, 12);
  wire::Ack empty_block;
  empty_block.add_sack(5, 5);
  wire::Ack window_below;
  window_below.data_ack = 100;
  window_below.window_end = 99;
  wire::Ack too_many;
  too_many.sack_count = wire::kMaxSackBlocks + 1;
  const std::vector<wire::Frame> invalid = {
      wire::Padding{0},
      wire::Data{0, 0, {}, false, false},                             // zero length without FIN
      wire::Data{0, wire::kMaxStreamOffset - 9, payload, false, false},  // offset + length = 2^63
      wire::Data{0, 0, huge, false, false},                           // length does not fit 16 bits
      below_cumulative, overlapping, empty_block, window_below, too_many,
  };
  std::vector<std::byte> buffer(70000);
  for (const wire::Frame& f : invalid) {
    auto w = wire::Writer::begin(buffer, kHeader);
    ASSERT_TRUE(w.has_value());
    EXPECT_EQ(w->append(f), wire::EncodeError::InvalidFrame) << wire::frame_type_name(wire::frame_type(f));
    EXPECT_EQ(w->size(), wire::kHeaderSize);
  }
}

// ---- decode errors -----------------------------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  std::vector<std::byte> bytes;
  DecodeErrorCode code;
  std::size_t offset;
};

// Offsets: the header is 14 bytes, so a frame's type byte is at 14 and its field at offset k (from the diagram)
// is at 14 + k.
std::vector<ErrorCase> error_cases() {
  constexpr std::uint64_t kTooFar = std::uint64_t{1} << 63;  // kMaxStreamOffset + 1
  auto h = [] { return ByteBuilder().header(); };
  auto ack_head = [&](std::uint64_t cumulative, std::uint64_t sacks) {
    return h().u8(0x03).u64(cumulative).u64(0).u64(1000).u64(0).u32(0).u8(sacks);
  };
  return {
      {"empty input", {}, DecodeErrorCode::Truncated, 0},
      {"header cut in the connection id", ByteBuilder().u8(0xA1).u8(0).u32(1).bytes(), DecodeErrorCode::Truncated, 2},
      {"header cut in the path id", ByteBuilder().u8(0xA1).u8(0).u64(1).u16(0).bytes(), DecodeErrorCode::Truncated,
       10},
      {"DATA cut in the subflow seq", h().u8(0x02).u8(0).u32(7).bytes(), DecodeErrorCode::Truncated, 16},
      {"DATA cut in the length", h().u8(0x02).u8(0).u64(1).u64(2).u8(0).bytes(), DecodeErrorCode::Truncated, 32},
      {"JOIN cut in the token", h().u8(0x04).u8(0).u32(0).bytes(), DecodeErrorCode::Truncated, 16},
      {"CLOSE cut in the code", h().u8(0x05).u16(0).bytes(), DecodeErrorCode::Truncated, 15},
      {"RESET without code", h().u8(0x06).bytes(), DecodeErrorCode::Truncated, 15},
      {"BACKUP without flags", h().u8(0x07).bytes(), DecodeErrorCode::Truncated, 15},
      {"TIMESTAMP cut", h().u8(0x08).u32(0).bytes(), DecodeErrorCode::Truncated, 15},
      {"ACK cut in the ack delay", h().u8(0x03).u64(0).u64(0).u64(0).u64(0).u16(0).bytes(),
       DecodeErrorCode::Truncated, 47},
      {"ACK with fewer blocks than its count", ack_head(0, 2).u64(1).u64(2).bytes(), DecodeErrorCode::Truncated, 68},
      {"bad magic", ByteBuilder().u8(0xB1).u8(0).u64(0).u32(0).u8(1).bytes(), DecodeErrorCode::BadMagic, 0},
      {"plain zero byte", ByteBuilder().u8(0).bytes(), DecodeErrorCode::BadMagic, 0},
      {"version 2", ByteBuilder().u8(0xA2).u8(0).u64(0).u32(0).u8(1).bytes(), DecodeErrorCode::UnknownVersion, 0},
      {"version 0", ByteBuilder().u8(0xA0).bytes(), DecodeErrorCode::UnknownVersion, 0},
      {"header flag", ByteBuilder().u8(0xA1).u8(0x80).u64(0).u32(0).u8(1).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"DATA flag 0x04", h().u8(0x02).u8(0x04).u64(0).u64(0).u16(1).u8(0).bytes(), DecodeErrorCode::ReservedBits, 15},
      {"JOIN flag 0x02", h().u8(0x04).u8(0x02).u64(0).bytes(), DecodeErrorCode::ReservedBits, 15},
      {"BACKUP flag 0x80", h().u8(0x07).u8(0x81).bytes(), DecodeErrorCode::ReservedBits, 15},
      {"header only", h().bytes(), DecodeErrorCode::EmptyDatagram, 14},
      {"frame type 0x09", h().u8(0x09).bytes(), DecodeErrorCode::UnknownFrameType, 14},
      {"frame type 0xFF after a PING", h().u8(0x01).u8(0xFF).bytes(), DecodeErrorCode::UnknownFrameType, 15},
      {"unknown type after padding", h().zeros(3).u8(0x42).bytes(), DecodeErrorCode::UnknownFrameType, 17},
      {"DATA of length 0 without FIN", h().u8(0x02).u8(0x02).u64(1).u64(0).u16(0).bytes(),
       DecodeErrorCode::ZeroLengthData, 32},
      {"DATA length one past the end", h().u8(0x02).u8(0).u64(1).u64(0).u16(10).zeros(9).bytes(),
       DecodeErrorCode::LengthBeyondDatagram, 32},
      {"DATA offset 2^63", h().u8(0x02).u8(0).u64(1).u64(kTooFar).u16(1).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 24},
      {"DATA offset + length past 2^63 - 1", h().u8(0x02).u8(0).u64(1).u64(kTooFar - 5).u16(5).zeros(5).bytes(),
       DecodeErrorCode::OffsetOverflow, 32},
      {"ACK data ack 2^63", h().u8(0x03).u64(0).u64(kTooFar).u64(kTooFar).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 23},
      {"ACK window end 2^63", h().u8(0x03).u64(0).u64(0).u64(kTooFar).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 31},
      {"ACK window end below data ack", h().u8(0x03).u64(0).u64(100).u64(99).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::WindowBelowDataAck, 31},
      {"17 SACK blocks", ack_head(0, 17).zeros(17 * 16).bytes(), DecodeErrorCode::TooManySackBlocks, 51},
      {"SACK at the cumulative ack", ack_head(10, 1).u64(10).u64(12).bytes(), DecodeErrorCode::SackBelowCumulative,
       52},
      {"SACK below the cumulative ack", ack_head(10, 1).u64(3).u64(5).bytes(), DecodeErrorCode::SackBelowCumulative,
       52},
      {"empty SACK block", ack_head(0, 1).u64(20).u64(20).bytes(), DecodeErrorCode::SackBlockEmpty, 60},
      {"reversed SACK block", ack_head(0, 1).u64(20).u64(19).bytes(), DecodeErrorCode::SackBlockEmpty, 60},
      {"adjacent SACK blocks", ack_head(0, 2).u64(20).u64(30).u64(30).u64(40).bytes(),
       DecodeErrorCode::SackOutOfOrder, 68},
      {"overlapping SACK blocks", ack_head(0, 2).u64(20).u64(30).u64(25).u64(35).bytes(),
       DecodeErrorCode::SackOutOfOrder, 68},
      {"unsorted SACK blocks", ack_head(0, 3).u64(20).u64(30).u64(50).u64(60).u64(40).u64(45).bytes(),
       DecodeErrorCode::SackOutOfOrder, 84},
      // The first problem in byte order wins: the bad flags come before the truncation.
      {"bad flags then truncated", h().u8(0x02).u8(0x10).bytes(), DecodeErrorCode::ReservedBits, 15},
  };
}

TEST(WireDecode, EveryErrorWithItsExactOffset) {
  for (const ErrorCase& c : error_cases()) {
    const wire::Decoded d = wire::decode(c.bytes);
    ASSERT_FALSE(d.ok()) << c.name;
    EXPECT_EQ(d.error().code, c.code) << c.name << ": got " << wire::describe(d.error());
    EXPECT_EQ(d.error().offset, c.offset) << c.name << ": got " << wire::describe(d.error());
    EXPECT_FALSE(d.error().message.empty()) << c.name;
    EXPECT_LE(d.error().offset, c.bytes.size()) << c.name;
  }
}

TEST(WireDecode, EveryErrorCodeIsExercised) {
  std::array<bool, static_cast<std::size_t>(DecodeErrorCode::SackOutOfOrder) + 1> seen{};
  for (const ErrorCase& c : error_cases()) seen[static_cast<std::size_t>(c.code)] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(seen[i]) << wire::decode_error_name(static_cast<DecodeErrorCode>(i)) << " has no test case";
  }
}

TEST(WireDecode, DescribeNamesCodeOffsetAndReason) {
  const wire::Decoded d = wire::decode(ByteBuilder().header().u8(0x02).u8(0).u32(7).bytes());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(wire::describe(d.error()), "wire: truncated at byte 16: a field extends past the end of the datagram");
}

TEST(WireDecode, ValidPrefixesOfAValidDatagramAreRejectedAsTruncated) {
  // Every proper prefix that ends inside a frame is reported as Truncated (or, for the bare header, as empty).
  wire::Ack ack;
  ack.add_sack(2, 4);
  const std::vector<std::byte> payload(3);
  const auto bytes = encode(kHeader, {ack, wire::Data{1, 2, payload, false, false}, wire::Join{5, false}});
  const std::size_t ack_end = wire::kHeaderSize + wire::encoded_size(ack);
  const std::size_t ends[] = {ack_end, ack_end + 23, bytes.size()};  // where each frame ends
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const wire::Decoded d = wire::decode(as_span(bytes).first(n));
    const bool at_frame_end = std::find(std::begin(ends), std::end(ends), n) != std::end(ends);
    if (at_frame_end) {
      EXPECT_TRUE(d.ok()) << n;
    } else if (n == wire::kHeaderSize) {
      EXPECT_EQ(d.error().code, DecodeErrorCode::EmptyDatagram);
    } else if (n < bytes.size() && !d.ok()) {
      // A DATA length that runs past the cut is the one non-Truncated way a prefix can fail.
      EXPECT_TRUE(d.error().code == DecodeErrorCode::Truncated ||
                  d.error().code == DecodeErrorCode::LengthBeyondDatagram)
          << n << ": " << wire::describe(d.error());
    } else {
      ADD_FAILURE() << "prefix of " << n << " bytes decoded";
    }
  }
}

// ---- randomised round trip ---------------------------------------------------------------------------------------

class RandomFrames {
 public:
  explicit RandomFrames(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t u64() { return rng_(); }
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }

  wire::Frame frame() {
    switch (below(9)) {
      case 0: return wire::Padding{1 + below(40)};
      case 1: return wire::Ping{};
      case 2: {
        const std::size_t length = below(4) == 0 ? 0 : 1 + below(300);
        const std::size_t start = below(payload_pool_.size() - 300);
        const std::uint64_t offset = below(4) == 0 ? wire::kMaxStreamOffset - length : u64() >> 2;
        return wire::Data{u64(), offset, std::span(payload_pool_).subspan(start, length),
                          length == 0 || below(2) == 0, below(2) == 0};
      }
      case 3: {
        wire::Ack a;
        a.cumulative = u64() >> 8;
        a.data_ack = u64() >> 2;
        a.window_end = a.data_ack + below(1 << 20);
        a.timestamp_echo = Instant::from_nanos(static_cast<std::int64_t>(u64()));
        a.ack_delay_us = static_cast<std::uint32_t>(u64());
        std::uint64_t at = a.cumulative;
        const std::uint64_t blocks = below(wire::kMaxSackBlocks + 1);
        for (std::uint64_t i = 0; i < blocks; ++i) {
          const std::uint64_t start = at + 1 + below(100);
          const std::uint64_t end = start + 1 + below(100);
          a.add_sack(start, end);
          at = end;
        }
        return a;
      }
      case 4: return wire::Join{u64(), below(2) == 0};
      case 5: return wire::Close{wire::CloseCode{static_cast<std::uint32_t>(u64())}};
      case 6: return wire::Reset{wire::CloseCode{static_cast<std::uint32_t>(below(8))}};
      case 7: return wire::Backup{below(2) == 0};
      default: return wire::Timestamp{Instant::from_nanos(static_cast<std::int64_t>(u64()))};
    }
  }

 private:
  std::mt19937_64 rng_;
  std::vector<std::byte> payload_pool_ = [] {
    std::vector<std::byte> v(4096);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::byte(i * 131 + 7);
    return v;
  }();
};

// Adjacent PADDING frames merge on decode (AdjacentPaddingRunsDecodeAsOne); the generator's expectation does the
// same.
std::vector<wire::Frame> merge_padding(const std::vector<wire::Frame>& frames) {
  std::vector<wire::Frame> out;
  for (const wire::Frame& f : frames) {
    if (!out.empty() && std::holds_alternative<wire::Padding>(f) && std::holds_alternative<wire::Padding>(out.back())) {
      std::get<wire::Padding>(out.back()).length += std::get<wire::Padding>(f).length;
    } else {
      out.push_back(f);
    }
  }
  return out;
}

TEST(WireProperty, RandomDatagramsRoundTrip) {
  RandomFrames gen(0x5EED);
  for (int i = 0; i < 3000; ++i) {
    const wire::Header h{ConnectionId{gen.u64()}, PathId{static_cast<std::uint32_t>(gen.u64())}};
    std::vector<wire::Frame> frames(1 + gen.below(8));
    for (auto& f : frames) f = gen.frame();
    const auto bytes = encode(h, frames);
    const wire::Decoded d = wire::decode(bytes);
    ASSERT_TRUE(d.ok()) << "datagram " << i << ": " << wire::describe(d.error());
    EXPECT_EQ(d.datagram().header, h);
    const auto decoded = frames_of(d.datagram());
    ASSERT_EQ(decoded, merge_padding(frames)) << "datagram " << i;
    EXPECT_EQ(encode(h, decoded), bytes) << "datagram " << i;
  }
}

TEST(WireProperty, MutatedDatagramsFailCleanlyOrRoundTrip) {
  // The fuzz target's property on a few thousand cheap mutants: flip, truncate or extend a valid datagram; the
  // decoder must either reject it at an offset within the input or accept it, in which case re-encoding gives the
  // same bytes.
  RandomFrames gen(0xF00D);
  int rejected = 0;
  for (int i = 0; i < 5000; ++i) {
    std::vector<wire::Frame> frames(1 + gen.below(4));
    for (auto& f : frames) f = gen.frame();
    auto bytes = encode(kHeader, frames);
    switch (gen.below(3)) {
      case 0: bytes[gen.below(bytes.size())] ^= std::byte(1u << gen.below(8)); break;
      case 1: bytes.resize(gen.below(bytes.size())); break;
      default: bytes.push_back(std::byte(gen.below(256))); break;
    }
    const wire::Decoded d = wire::decode(bytes);
    if (!d.ok()) {
      ++rejected;
      EXPECT_LE(d.error().offset, bytes.size());
      continue;
    }
    EXPECT_EQ(encode(d.datagram().header, frames_of(d.datagram())), bytes) << "mutant " << i;
  }
  EXPECT_GT(rejected, 1000);  // the mutations do reach the error paths
}

}  // namespace
}  // namespace progmp::transport::testing

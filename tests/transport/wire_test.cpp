// The frame codec (wire format version 2, the plaintext of a protected packet): exact layouts, a round trip of every
// frame type, every DecodeError with its exact offset, the writer's refusals, and randomised round-trip properties
// (with mutations, the fuzz target's property in small). Offsets are relative to the payload.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <ranges>

#include "transport/wire_support.hpp"

namespace progmp::transport::testing {
namespace {

using namespace progmp::literals;
using wire::DecodeErrorCode;
using wire::FrameType;

std::span<const std::byte> as_span(const std::vector<std::byte>& v) { return v; }

// ---- layout ------------------------------------------------------------------------------------------------------

TEST(Wire, PingLayout) {
  EXPECT_EQ(encode({wire::Ping{}}), ByteBuilder().u8(0x01).bytes());  // no header: the payload is the frames
}

TEST(Wire, DataLayout) {
  const std::vector<std::byte> payload{std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}};
  const auto bytes = encode({wire::Data{7, 0x1000, payload, true, true}});
  // type 02 | flags FIN|PSH = 03 | seq 7 | offset 0x1000 | length 3 | payload
  const auto expected = ByteBuilder().u8(0x02).u8(0x03).u64(7).u64(0x1000).u16(3).u8(0xDE).u8(0xAD).u8(0xBE).bytes();
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(encode({wire::Data{0x0102030405060708, 0x1112131415161718, payload, false, true}}),
            ByteBuilder().u8(0x02).u8(0x02).u64(0x0102030405060708).u64(0x1112131415161718).u16(3).u8(0xDE).u8(0xAD)
                .u8(0xBE).bytes());
  EXPECT_EQ(encode({wire::Data{1, 2, {}, true, false}}),  // bare FIN: flags 01, length 0, no payload
            ByteBuilder().u8(0x02).u8(0x01).u64(1).u64(2).u16(0).bytes());
}

TEST(Wire, AckLayout) {
  wire::Ack ack;
  ack.cumulative = 5;
  ack.data_ack = 6000;
  ack.window_end = 70000;
  ack.timestamp_echo = Instant::from_nanos(-2);  // two's complement on the wire
  ack.ack_delay_us = 250;
  ack.add_sack(8, 10);
  ack.add_sack(0x0102030405060708, 0x1112131415161718);
  const auto expected = ByteBuilder()
                            .u8(0x03)
                            .u64(5)
                            .u64(6000)
                            .u64(70000)
                            .u64(0xFFFFFFFFFFFFFFFE)
                            .u32(250)
                            .u8(2)
                            .u64(8)
                            .u64(10)
                            .u64(0x0102030405060708)
                            .u64(0x1112131415161718)
                            .bytes();
  EXPECT_EQ(encode({ack}), expected);
}

TEST(Wire, SmallFramesLayout) {
  const auto bytes = encode({wire::Join{0x11223344, true}, wire::Join{1, false},
                             wire::PathClose{0xA1B2C3D4, wire::CloseCode::FlowControl},
                             wire::ConnectionClose{wire::CloseCode{0xCAFE}}, wire::Backup{true}, wire::Backup{false},
                             wire::Timestamp{Instant::from_nanos(42)}, wire::PathChallenge{0x0102030405060708},
                             wire::PathResponse{0xF1F2F3F4F5F6F7F8}, wire::Padding{3}});
  const auto expected = ByteBuilder()
                            .u8(0x04).u8(0x01).u32(0x11223344)
                            .u8(0x04).u8(0x00).u32(1)
                            .u8(0x05).u32(0xA1B2C3D4).u32(2)
                            .u8(0x06).u32(0xCAFE)
                            .u8(0x07).u8(0x01)
                            .u8(0x07).u8(0x00)
                            .u8(0x08).u64(42)
                            .u8(0x09).u64(0x0102030405060708)
                            .u8(0x0A).u64(0xF1F2F3F4F5F6F7F8)
                            .zeros(3)
                            .bytes();
  EXPECT_EQ(bytes, expected);
}

TEST(Wire, CloseCodesHaveTheirNumbers) {
  const std::pair<wire::CloseCode, std::uint32_t> codes[] = {
      {wire::CloseCode::NoError, 0},     {wire::CloseCode::ProtocolViolation, 1}, {wire::CloseCode::FlowControl, 2},
      {wire::CloseCode::JoinRejected, 3}, {wire::CloseCode::Internal, 4},         {wire::CloseCode::IdleTimeout, 5},
      {wire::CloseCode::ApplicationAbort, 6}, {wire::CloseCode::NotAllowed, 7},   {wire::CloseCode::ServerBusy, 8},
  };
  for (const auto& [code, number] : codes) {
    EXPECT_EQ(encode({wire::ConnectionClose{code}}), ByteBuilder().u8(0x06).u32(number).bytes()) << number;
  }
}

TEST(Wire, TypeByteIsTheFrameType) {
  const std::vector<wire::Frame> one_of_each = {
      wire::Padding{1}, wire::Ping{}, wire::Data{0, 0, {}, true, false}, wire::Ack{}, wire::Join{},
      wire::PathClose{}, wire::ConnectionClose{}, wire::Backup{}, wire::Timestamp{}, wire::PathChallenge{},
      wire::PathResponse{}};
  ASSERT_EQ(one_of_each.size(), std::variant_size_v<wire::Frame>);
  for (std::size_t i = 0; i < one_of_each.size(); ++i) {
    const wire::Frame& f = one_of_each[i];
    EXPECT_EQ(static_cast<std::size_t>(wire::frame_type(f)), i);
    EXPECT_EQ(encode({f}).at(0), std::byte(i)) << wire::frame_type_name(wire::frame_type(f));
  }
}

TEST(Wire, FrameTypeNames) {
  const std::pair<FrameType, std::string_view> names[] = {
      {FrameType::Padding, "PADDING"},
      {FrameType::Ping, "PING"},
      {FrameType::Data, "DATA"},
      {FrameType::Ack, "ACK"},
      {FrameType::Join, "JOIN"},
      {FrameType::PathClose, "PATH_CLOSE"},
      {FrameType::ConnectionClose, "CONNECTION_CLOSE"},
      {FrameType::Backup, "BACKUP"},
      {FrameType::Timestamp, "TIMESTAMP"},
      {FrameType::PathChallenge, "PATH_CHALLENGE"},
      {FrameType::PathResponse, "PATH_RESPONSE"},
  };
  for (const auto& [type, name] : names) EXPECT_EQ(wire::frame_type_name(type), name);
  EXPECT_EQ(wire::frame_type_name(FrameType{0x0B}), "UNKNOWN");
}

TEST(Wire, AckElicitingFrames) {
  // RFC 9000 §13.2.1: everything but ACK, PADDING (and here TIMESTAMP and CONNECTION_CLOSE) elicits an ACK.
  EXPECT_FALSE(wire::ack_eliciting(FrameType::Padding));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::Ping));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::Data));
  EXPECT_FALSE(wire::ack_eliciting(FrameType::Ack));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::Join));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::PathClose));
  EXPECT_FALSE(wire::ack_eliciting(FrameType::ConnectionClose));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::Backup));
  EXPECT_FALSE(wire::ack_eliciting(FrameType::Timestamp));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::PathChallenge));
  EXPECT_TRUE(wire::ack_eliciting(FrameType::PathResponse));
}

// ---- round trips -------------------------------------------------------------------------------------------------

// Encodes, decodes and compares inside one scope: decoded DATA payloads are views into `bytes`.
void expect_round_trip(const std::vector<wire::Frame>& frames) {
  const auto bytes = encode(frames);
  const wire::DecodedFrames d = wire::decode_frames(bytes);
  ASSERT_TRUE(d.ok()) << wire::describe(d.error());
  EXPECT_EQ(d.frames().bytes().data(), bytes.data());
  EXPECT_EQ(d.frames().bytes().size(), bytes.size());
  const auto decoded = frames_of(d.frames());
  EXPECT_EQ(decoded, frames) << "first frame " << wire::frame_type_name(wire::frame_type(frames[0]));
  // Canonical encoding: re-encoding the decoded frames gives the same bytes.
  EXPECT_EQ(encode(decoded), bytes);
}

TEST(Wire, RoundTripEveryFrameType) {
  const std::vector<std::byte> payload(1200, std::byte{0x5A});
  const std::vector<std::byte> largest(wire::kMaxDataLength, std::byte{0xA5});
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
  wire::Ack extreme_ack;
  extreme_ack.cumulative = ~std::uint64_t{0} - 2;
  extreme_ack.data_ack = wire::kMaxStreamOffset;
  extreme_ack.window_end = wire::kMaxStreamOffset;
  extreme_ack.add_sack(~std::uint64_t{0} - 1, ~std::uint64_t{0});

  const std::vector<std::vector<wire::Frame>> cases = {
      {wire::Padding{1}},
      {wire::Padding{200}},
      {wire::Ping{}},
      {wire::Data{0, 0, payload, false, false}},
      {wire::Data{~std::uint64_t{0}, wire::kMaxStreamOffset - 1200, payload, false, true}},
      {wire::Data{5, 0, largest, true, true}},
      {wire::Data{9, 4096, {}, true, false}},  // bare FIN
      {wire::Data{9, wire::kMaxStreamOffset, {}, true, false}},
      {empty_ack},
      {full_ack},
      {extreme_ack},
      {wire::Join{1, false}},
      {wire::Join{~std::uint32_t{0}, true}},
      {wire::PathClose{1, wire::CloseCode::NoError}},
      {wire::PathClose{~std::uint32_t{0}, wire::CloseCode{0xFFFFFFFF}}},
      {wire::ConnectionClose{wire::CloseCode::ProtocolViolation}},
      {wire::ConnectionClose{wire::CloseCode{0xFFFFFFFF}}},
      {wire::Backup{false}},
      {wire::Backup{true}},
      {wire::Timestamp{Instant::from_nanos(INT64_MIN)}},
      {wire::Timestamp{Instant::from_nanos(INT64_MAX)}},
      {wire::PathChallenge{0}},
      {wire::PathChallenge{~std::uint64_t{0}}},
      {wire::PathResponse{0x0123456789ABCDEF}},
      // several frames in one payload keep their order
      {wire::Timestamp{Instant::from_nanos(5)}, full_ack, wire::Data{1, 2, payload, false, true}, wire::Ping{},
       wire::Padding{17}},
      {wire::Join{2, true}, wire::PathChallenge{77}, wire::PathResponse{78}, wire::Backup{true},
       wire::PathClose{3, wire::CloseCode::JoinRejected}, wire::ConnectionClose{wire::CloseCode::IdleTimeout}},
  };
  for (const auto& frames : cases) expect_round_trip(frames);
}

TEST(Wire, PayloadIsAViewIntoTheInput) {
  const std::vector<std::byte> payload(10, std::byte{1});
  const auto bytes = encode({wire::Ping{}, wire::Data{1, 0, payload, false, false}});
  const wire::DecodedFrames d = wire::decode_frames(bytes);
  ASSERT_TRUE(d.ok());
  const auto frames = frames_of(d.frames());
  ASSERT_EQ(frames.size(), 2u);
  const auto& data = std::get<wire::Data>(frames[1]);
  // PING 1 + DATA fixed part 20 = 21
  EXPECT_EQ(data.payload.data(), bytes.data() + 21);
  EXPECT_EQ(data.payload.size(), 10u);
}

static_assert(std::ranges::input_range<wire::FrameRange>);

TEST(Wire, FrameRangeCanBeIteratedAgain) {
  wire::Ack ack;
  ack.add_sack(3, 4);
  const auto bytes = encode({ack, wire::Ping{}, ack, wire::Timestamp{Instant::from_nanos(9)}});
  const wire::DecodedFrames d = wire::decode_frames(bytes);
  ASSERT_TRUE(d.ok());
  const wire::FrameRange range = d.frames();
  const auto first = frames_of(range);
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(frames_of(range), first);
  EXPECT_EQ(std::ranges::distance(range), 4);
  EXPECT_TRUE(wire::FrameRange{}.begin() == wire::FrameRange{}.end());
}

TEST(Wire, AdjacentPaddingRunsDecodeAsOne) {
  // A run of zero bytes is one PADDING frame, however it was written.
  const auto bytes = encode({wire::Padding{2}, wire::Padding{3}, wire::Ping{}, wire::Padding{1}});
  EXPECT_EQ(bytes, ByteBuilder().zeros(5).u8(0x01).zeros(1).bytes());
  const wire::DecodedFrames d = wire::decode_frames(bytes);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(frames_of(d.frames()), (std::vector<wire::Frame>{wire::Padding{5}, wire::Ping{}, wire::Padding{1}}));
}

TEST(Wire, EncodedSizeMatchesWrittenBytes) {
  const std::vector<std::byte> payload(77);
  wire::Ack ack;
  ack.add_sack(3, 4);
  ack.add_sack(6, 9);
  // fixed sizes from the diagram: DATA 20 + payload, ACK 38 + 16 per block, JOIN 6, PATH_CLOSE 9,
  // CONNECTION_CLOSE 5, BACKUP 2, TIMESTAMP 9, PATH_CHALLENGE/RESPONSE 9, PING 1, PADDING its length
  EXPECT_EQ(wire::kDataFrameOverhead, 20u);
  EXPECT_EQ(wire::kTimestampFrameSize, 9u);
  const std::vector<std::pair<wire::Frame, std::size_t>> cases = {
      {wire::Data{0, 0, payload, false, false}, 97},
      {wire::Data{0, 0, {}, true, false}, 20},
      {ack, 70},
      {wire::Ack{}, 38},
      {wire::Join{}, 6},
      {wire::PathClose{}, 9},
      {wire::ConnectionClose{}, 5},
      {wire::Backup{}, 2},
      {wire::Timestamp{}, 9},
      {wire::PathChallenge{}, 9},
      {wire::PathResponse{}, 9},
      {wire::Ping{}, 1},
      {wire::Padding{12}, 12}};
  for (const auto& [frame, size] : cases) {
    EXPECT_EQ(wire::encoded_size(frame), size) << wire::frame_type_name(wire::frame_type(frame));
    EXPECT_EQ(encode({frame}).size(), size) << wire::frame_type_name(wire::frame_type(frame));
  }
}

// ---- writer ------------------------------------------------------------------------------------------------------

TEST(WireWriter, EmptyBufferTakesNothing) {
  wire::FrameWriter w(std::span<std::byte>{});
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_EQ(w.append(wire::Ping{}), wire::EncodeError::BufferTooSmall);
  EXPECT_TRUE(w.append_data(0, 0, 1, false, false).empty());
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(w.bytes().empty());
}

TEST(WireWriter, FrameThatDoesNotFitWritesNothing) {
  std::array<std::byte, 25> buffer{};
  wire::FrameWriter w(buffer);
  ASSERT_FALSE(w.append(wire::Ping{}).has_value());
  EXPECT_EQ(w.remaining(), 24u);
  const std::vector<std::byte> payload(5);  // needs 25 bytes, 24 left
  EXPECT_EQ(w.append(wire::Data{0, 0, payload, false, false}), wire::EncodeError::BufferTooSmall);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.append(wire::Padding{25}), wire::EncodeError::BufferTooSmall);
  EXPECT_TRUE(w.append_data(0, 0, 5, false, false).empty());
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(std::vector<std::byte>(w.bytes().begin(), w.bytes().end()), ByteBuilder().u8(0x01).bytes());
  const std::vector<std::byte> smaller(4);  // exactly 24
  EXPECT_FALSE(w.append(wire::Data{0, 0, smaller, false, false}).has_value());
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_EQ(w.size(), 25u);
  EXPECT_EQ(w.bytes().data(), buffer.data());
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
  wire::Ack adjacent;
  adjacent.add_sack(5, 10);
  adjacent.add_sack(10, 12);
  wire::Ack empty_block;
  empty_block.add_sack(5, 5);
  wire::Ack window_below;
  window_below.data_ack = 100;
  window_below.window_end = 99;
  wire::Ack data_ack_too_far;
  data_ack_too_far.data_ack = wire::kMaxStreamOffset + 1;
  data_ack_too_far.window_end = wire::kMaxStreamOffset + 1;
  wire::Ack too_many;
  too_many.sack_count = wire::kMaxSackBlocks + 1;
  const std::vector<wire::Frame> invalid = {
      wire::Padding{0},
      wire::Data{0, 0, {}, false, false},                                 // zero length without FIN
      wire::Data{0, wire::kMaxStreamOffset - 9, payload, false, false},   // offset + length = 2^63
      wire::Data{0, wire::kMaxStreamOffset + 1, {}, true, false},         // offset 2^63
      wire::Data{0, 0, huge, false, false},                               // length does not fit 16 bits
      below_cumulative, overlapping, adjacent, empty_block, window_below, data_ack_too_far, too_many,
      wire::Join{0, false},
      wire::Join{0, true},
      wire::PathClose{0, wire::CloseCode::NoError},
  };
  std::vector<std::byte> buffer(70000);
  for (const wire::Frame& f : invalid) {
    wire::FrameWriter w(buffer);
    ASSERT_FALSE(w.append(wire::Ping{}).has_value());
    EXPECT_EQ(w.append(f), wire::EncodeError::InvalidFrame) << wire::frame_type_name(wire::frame_type(f));
    // A refused frame leaves the payload unchanged, and the writer goes on.
    EXPECT_EQ(w.size(), 1u);
    EXPECT_EQ(buffer[0], std::byte{0x01});
    ASSERT_FALSE(w.append(wire::PathChallenge{3}).has_value());
    const wire::DecodedFrames d = wire::decode_frames(w.bytes());
    ASSERT_TRUE(d.ok()) << wire::describe(d.error());
    EXPECT_EQ(frames_of(d.frames()), (std::vector<wire::Frame>{wire::Ping{}, wire::PathChallenge{3}}));
  }
}

TEST(WireWriter, AppendDataReturnsThePayloadArea) {
  std::array<std::byte, 64> buffer{};
  wire::FrameWriter w(buffer);
  ASSERT_FALSE(w.append(wire::Ping{}).has_value());
  const std::span<std::byte> area = w.append_data(7, 0x1000, 3, true, true);
  ASSERT_EQ(area.size(), 3u);
  EXPECT_EQ(area.data(), buffer.data() + 1 + 20);
  EXPECT_EQ(w.size(), 24u);
  area[0] = std::byte{0xDE};
  area[1] = std::byte{0xAD};
  area[2] = std::byte{0xBE};
  const std::vector<std::byte> written(w.bytes().begin(), w.bytes().end());
  EXPECT_EQ(written,
            ByteBuilder().u8(0x01).u8(0x02).u8(0x03).u64(7).u64(0x1000).u16(3).u8(0xDE).u8(0xAD).u8(0xBE).bytes());
  // The same bytes as append() of the equal frame.
  const std::vector<std::byte> payload{std::byte{0xDE}, std::byte{0xAD}, std::byte{0xBE}};
  EXPECT_EQ(written, encode({wire::Ping{}, wire::Data{7, 0x1000, payload, true, true}}));
  // Flags: PSH only, none.
  wire::FrameWriter v(buffer);
  ASSERT_EQ(v.append_data(1, 2, 1, false, true).size(), 1u);
  ASSERT_EQ(v.append_data(3, 4, 1, false, false).size(), 1u);
  EXPECT_EQ(buffer[1], std::byte{0x02});
  EXPECT_EQ(buffer[21 + 1], std::byte{0x00});
}

TEST(WireWriter, AppendDataBareFin) {
  // A bare FIN has no payload: the span is empty, but the frame is there (size() tells success from refusal).
  std::array<std::byte, 20> buffer{};
  wire::FrameWriter w(buffer);
  EXPECT_TRUE(w.append_data(9, 4096, 0, true, false).empty());
  EXPECT_EQ(w.size(), 20u);
  const std::vector<std::byte> written(w.bytes().begin(), w.bytes().end());
  EXPECT_EQ(written, ByteBuilder().u8(0x02).u8(0x01).u64(9).u64(4096).u16(0).bytes());
}

TEST(WireWriter, AppendDataRefusesWhatTheDecoderWouldReject) {
  std::vector<std::byte> buffer(70000);
  struct Case {
    const char* name;
    std::uint64_t offset;
    std::size_t length;
    bool fin;
  };
  const Case cases[] = {
      {"zero length without FIN", 0, 0, false},
      {"offset + length = 2^63", wire::kMaxStreamOffset - 9, 10, false},
      {"offset 2^63", wire::kMaxStreamOffset + 1, 0, true},
      {"offset 2^64 - 1", ~std::uint64_t{0}, 1, false},
      {"length above 16 bits", 0, wire::kMaxDataLength + 1, false},
  };
  for (const Case& c : cases) {
    wire::FrameWriter w(buffer);
    EXPECT_TRUE(w.append_data(1, c.offset, c.length, c.fin, false).empty()) << c.name;
    EXPECT_EQ(w.size(), 0u) << c.name;
  }
  // The limits themselves are fine.
  wire::FrameWriter w(buffer);
  EXPECT_EQ(w.append_data(1, wire::kMaxStreamOffset - 10, 10, false, false).size(), 10u);
  EXPECT_EQ(w.append_data(2, 0, wire::kMaxDataLength, false, false).size(), wire::kMaxDataLength);
  EXPECT_EQ(w.size(), 2 * wire::kDataFrameOverhead + 10 + wire::kMaxDataLength);
  EXPECT_TRUE(wire::decode_frames(w.bytes()).ok());
  // Exactly fitting, and one byte short.
  std::array<std::byte, 30> small{};
  wire::FrameWriter s(small);
  EXPECT_TRUE(s.append_data(1, 0, 11, false, false).empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.append_data(1, 0, 10, false, false).size(), 10u);
  EXPECT_EQ(s.remaining(), 0u);
}

// ---- decode errors -----------------------------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  std::vector<std::byte> bytes;
  DecodeErrorCode code;
  std::size_t offset;
};

// Offsets are payload offsets: the field at offset k of a frame's diagram, for a frame starting at p, is at p + k.
std::vector<ErrorCase> error_cases() {
  constexpr std::uint64_t kTooFar = std::uint64_t{1} << 63;  // kMaxStreamOffset + 1
  auto b = [] { return ByteBuilder(); };
  auto ack_head = [&](std::uint64_t cumulative, std::uint64_t sacks) {
    return b().u8(0x03).u64(cumulative).u64(0).u64(1000).u64(0).u32(0).u8(sacks);
  };
  return {
      {"empty payload", {}, DecodeErrorCode::EmptyPayload, 0},
      // Truncated, in every field of every frame that has one
      {"DATA without flags", b().u8(0x02).bytes(), DecodeErrorCode::Truncated, 1},
      {"DATA cut in the subflow seq", b().u8(0x02).u8(0).u32(7).bytes(), DecodeErrorCode::Truncated, 2},
      {"DATA cut in the data offset", b().u8(0x02).u8(0).u64(1).u16(0).bytes(), DecodeErrorCode::Truncated, 10},
      {"DATA cut in the length", b().u8(0x02).u8(0).u64(1).u64(2).u8(0).bytes(), DecodeErrorCode::Truncated, 18},
      {"ACK cut in the cumulative", b().u8(0x03).u32(0).bytes(), DecodeErrorCode::Truncated, 1},
      {"ACK cut in the data ack", b().u8(0x03).u64(0).u8(0).bytes(), DecodeErrorCode::Truncated, 9},
      {"ACK cut in the window end", b().u8(0x03).u64(0).u64(0).bytes(), DecodeErrorCode::Truncated, 17},
      {"ACK cut in the timestamp echo", b().u8(0x03).u64(0).u64(0).u64(0).u32(0).bytes(), DecodeErrorCode::Truncated,
       25},
      {"ACK cut in the ack delay", b().u8(0x03).u64(0).u64(0).u64(0).u64(0).u16(0).bytes(),
       DecodeErrorCode::Truncated, 33},
      {"ACK without SACK count", b().u8(0x03).u64(0).u64(0).u64(0).u64(0).u32(0).bytes(), DecodeErrorCode::Truncated,
       37},
      {"ACK cut in a block end", ack_head(0, 1).u64(1).u32(2).bytes(), DecodeErrorCode::Truncated, 46},
      {"ACK with fewer blocks than its count", ack_head(0, 2).u64(1).u64(2).bytes(), DecodeErrorCode::Truncated, 54},
      {"JOIN without flags", b().u8(0x04).bytes(), DecodeErrorCode::Truncated, 1},
      {"JOIN cut in the subflow", b().u8(0x04).u8(0).u16(0).bytes(), DecodeErrorCode::Truncated, 2},
      {"PATH_CLOSE cut in the subflow", b().u8(0x05).u16(1).bytes(), DecodeErrorCode::Truncated, 1},
      {"PATH_CLOSE cut in the code", b().u8(0x05).u32(1).u16(0).bytes(), DecodeErrorCode::Truncated, 5},
      {"CONNECTION_CLOSE without code", b().u8(0x06).bytes(), DecodeErrorCode::Truncated, 1},
      {"CONNECTION_CLOSE cut in the code", b().u8(0x06).u16(0).u8(0).bytes(), DecodeErrorCode::Truncated, 1},
      {"BACKUP without flags", b().u8(0x07).bytes(), DecodeErrorCode::Truncated, 1},
      {"TIMESTAMP cut", b().u8(0x08).u32(0).bytes(), DecodeErrorCode::Truncated, 1},
      {"PATH_CHALLENGE cut", b().u8(0x09).u32(0).u16(0).u8(0).bytes(), DecodeErrorCode::Truncated, 1},
      {"PATH_RESPONSE without data", b().u8(0x0A).bytes(), DecodeErrorCode::Truncated, 1},
      {"truncated after valid frames", b().u8(0x01).zeros(2).u8(0x08).u64(5).u8(0x09).u32(1).bytes(),
       DecodeErrorCode::Truncated, 13},
      // ReservedBits
      {"DATA flag 0x04", b().u8(0x02).u8(0x04).u64(0).u64(0).u16(1).u8(0).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"DATA flag 0x80 with FIN", b().u8(0x02).u8(0x81).u64(0).u64(0).u16(0).bytes(), DecodeErrorCode::ReservedBits,
       1},
      {"JOIN flag 0x02", b().u8(0x04).u8(0x02).u32(1).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"BACKUP flag 0x80", b().u8(0x07).u8(0x81).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"BACKUP flag after a PING", b().u8(0x01).u8(0x07).u8(0x02).bytes(), DecodeErrorCode::ReservedBits, 2},
      // UnknownFrameType
      {"frame type 0x0B", b().u8(0x0B).bytes(), DecodeErrorCode::UnknownFrameType, 0},
      {"frame type 0xFF after a PING", b().u8(0x01).u8(0xFF).bytes(), DecodeErrorCode::UnknownFrameType, 1},
      {"unknown type after padding", b().zeros(3).u8(0x42).bytes(), DecodeErrorCode::UnknownFrameType, 3},
      {"unknown type after a PATH_RESPONSE", b().u8(0x0A).u64(1).u8(0x80).bytes(), DecodeErrorCode::UnknownFrameType,
       9},
      // DATA
      {"DATA of length 0 without FIN", b().u8(0x02).u8(0x02).u64(1).u64(0).u16(0).bytes(),
       DecodeErrorCode::ZeroLengthData, 18},
      {"DATA length one past the end", b().u8(0x02).u8(0).u64(1).u64(0).u16(10).zeros(9).bytes(),
       DecodeErrorCode::LengthBeyondDatagram, 18},
      {"DATA length 0xFFFF, no payload", b().u8(0x02).u8(0).u64(1).u64(0).u16(0xFFFF).bytes(),
       DecodeErrorCode::LengthBeyondDatagram, 18},
      {"DATA offset 2^63", b().u8(0x02).u8(0).u64(1).u64(kTooFar).u16(1).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 10},
      {"DATA offset 2^64 - 1", b().u8(0x02).u8(1).u64(1).u64(~std::uint64_t{0}).u16(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 10},
      {"DATA offset + length past 2^63 - 1", b().u8(0x02).u8(0).u64(1).u64(kTooFar - 5).u16(5).zeros(5).bytes(),
       DecodeErrorCode::OffsetOverflow, 18},
      // ACK
      {"ACK data ack 2^63", b().u8(0x03).u64(0).u64(kTooFar).u64(kTooFar).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 9},
      {"ACK window end 2^63", b().u8(0x03).u64(0).u64(0).u64(kTooFar).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::OffsetOverflow, 17},
      {"ACK window end below data ack", b().u8(0x03).u64(0).u64(100).u64(99).u64(0).u32(0).u8(0).bytes(),
       DecodeErrorCode::WindowBelowDataAck, 17},
      {"17 SACK blocks", ack_head(0, 17).zeros(17 * 16).bytes(), DecodeErrorCode::TooManySackBlocks, 37},
      {"255 SACK blocks", ack_head(0, 255).bytes(), DecodeErrorCode::TooManySackBlocks, 37},
      {"SACK at the cumulative ack", ack_head(10, 1).u64(10).u64(12).bytes(), DecodeErrorCode::SackBelowCumulative,
       38},
      {"SACK below the cumulative ack", ack_head(10, 1).u64(3).u64(5).bytes(), DecodeErrorCode::SackBelowCumulative,
       38},
      {"empty SACK block", ack_head(0, 1).u64(20).u64(20).bytes(), DecodeErrorCode::SackBlockEmpty, 46},
      {"reversed SACK block", ack_head(0, 1).u64(20).u64(19).bytes(), DecodeErrorCode::SackBlockEmpty, 46},
      {"adjacent SACK blocks", ack_head(0, 2).u64(20).u64(30).u64(30).u64(40).bytes(),
       DecodeErrorCode::SackOutOfOrder, 54},
      {"overlapping SACK blocks", ack_head(0, 2).u64(20).u64(30).u64(25).u64(35).bytes(),
       DecodeErrorCode::SackOutOfOrder, 54},
      {"unsorted SACK blocks", ack_head(0, 3).u64(20).u64(30).u64(50).u64(60).u64(40).u64(45).bytes(),
       DecodeErrorCode::SackOutOfOrder, 70},
      // ZeroSubflow
      {"JOIN of subflow 0", b().u8(0x04).u8(0x00).u32(0).bytes(), DecodeErrorCode::ZeroSubflow, 2},
      {"backup JOIN of subflow 0", b().u8(0x04).u8(0x01).u32(0).bytes(), DecodeErrorCode::ZeroSubflow, 2},
      {"PATH_CLOSE of subflow 0", b().u8(0x05).u32(0).u32(0).bytes(), DecodeErrorCode::ZeroSubflow, 1},
      {"PATH_CLOSE of subflow 0 without code", b().u8(0x05).u32(0).bytes(), DecodeErrorCode::ZeroSubflow, 1},
      {"JOIN of subflow 0 after a TIMESTAMP", b().u8(0x08).u64(7).u8(0x04).u8(0).u32(0).bytes(),
       DecodeErrorCode::ZeroSubflow, 11},
      // The first problem in byte order wins.
      {"bad flags then truncated", b().u8(0x02).u8(0x10).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"JOIN flags before its subflow", b().u8(0x04).u8(0x80).u32(0).bytes(), DecodeErrorCode::ReservedBits, 1},
      {"zero subflow before an unknown frame", b().u8(0x05).u32(0).u32(0).u8(0xEE).bytes(),
       DecodeErrorCode::ZeroSubflow, 1},
      {"zero length before the missing payload", b().u8(0x02).u8(0).u64(0).u64(0).u16(0).u8(0xEE).bytes(),
       DecodeErrorCode::ZeroLengthData, 18},
  };
}

TEST(WireDecode, EveryErrorWithItsExactOffset) {
  for (const ErrorCase& c : error_cases()) {
    const wire::DecodedFrames d = wire::decode_frames(c.bytes);
    ASSERT_FALSE(d.ok()) << c.name;
    EXPECT_EQ(d.error().code, c.code) << c.name << ": got " << wire::describe(d.error());
    EXPECT_EQ(d.error().offset, c.offset) << c.name << ": got " << wire::describe(d.error());
    EXPECT_FALSE(d.error().message.empty()) << c.name;
    EXPECT_LE(d.error().offset, c.bytes.size()) << c.name;
  }
}

TEST(WireDecode, EveryErrorCodeIsExercised) {
  std::array<bool, static_cast<std::size_t>(DecodeErrorCode::ZeroSubflow) + 1> seen{};
  for (const ErrorCase& c : error_cases()) seen[static_cast<std::size_t>(c.code)] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(seen[i]) << wire::decode_error_name(static_cast<DecodeErrorCode>(i)) << " has no test case";
  }
}

TEST(WireDecode, ErrorNames) {
  const std::pair<DecodeErrorCode, std::string_view> names[] = {
      {DecodeErrorCode::Truncated, "truncated"},
      {DecodeErrorCode::ReservedBits, "reserved_bits"},
      {DecodeErrorCode::EmptyPayload, "empty_payload"},
      {DecodeErrorCode::UnknownFrameType, "unknown_frame_type"},
      {DecodeErrorCode::ZeroLengthData, "zero_length_data"},
      {DecodeErrorCode::LengthBeyondDatagram, "length_beyond_datagram"},
      {DecodeErrorCode::OffsetOverflow, "offset_overflow"},
      {DecodeErrorCode::WindowBelowDataAck, "window_below_data_ack"},
      {DecodeErrorCode::TooManySackBlocks, "too_many_sack_blocks"},
      {DecodeErrorCode::SackBelowCumulative, "sack_below_cumulative"},
      {DecodeErrorCode::SackBlockEmpty, "sack_block_empty"},
      {DecodeErrorCode::SackOutOfOrder, "sack_out_of_order"},
      {DecodeErrorCode::ZeroSubflow, "zero_subflow"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(wire::decode_error_name(code), name);
}

TEST(WireDecode, DescribeNamesCodeOffsetAndReason) {
  const wire::DecodedFrames d = wire::decode_frames(ByteBuilder().u8(0x02).u8(0).u32(7).bytes());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(wire::describe(d.error()), "wire: truncated at byte 2: a field extends past the end of the payload");
  const wire::DecodedFrames z = wire::decode_frames(ByteBuilder().u8(0x04).u8(0).u32(0).bytes());
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(wire::describe(z.error()), "wire: zero_subflow at byte 2: subflow ID 0 (subflows are numbered from 1)");
  const wire::DecodedFrames e = wire::decode_frames({});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(wire::describe(e.error()), "wire: empty_payload at byte 0: packet has no frame");
}

TEST(WireDecode, ValidPrefixesOfAValidPayloadAreRejectedAsTruncated) {
  // Every proper prefix that ends inside a frame is reported as Truncated (a DATA length that runs past the cut as
  // LengthBeyondDatagram); one that ends at a frame boundary, or inside a PADDING run, is a valid payload; the empty
  // prefix is EmptyPayload. The payload has every frame type with fields.
  wire::Ack ack;
  ack.add_sack(2, 4);
  const std::vector<std::byte> payload(3, std::byte{0x33});
  const std::vector<wire::Frame> frames = {
      ack, wire::Data{1, 2, payload, false, false}, wire::Join{5, false}, wire::PathClose{6, wire::CloseCode::Internal},
      wire::ConnectionClose{wire::CloseCode::NoError}, wire::Padding{4}, wire::Backup{true},
      wire::Timestamp{Instant::from_nanos(3)}, wire::PathChallenge{1}, wire::PathResponse{2}, wire::Ping{},
      wire::Data{3, 5, {}, true, false}};
  const auto bytes = encode(frames);
  std::vector<std::size_t> ends;  // where each frame ends
  std::size_t padding_start = 0, padding_end = 0;
  std::size_t at = 0;
  for (const wire::Frame& f : frames) {
    if (std::holds_alternative<wire::Padding>(f)) padding_start = at;
    at += wire::encoded_size(f);
    if (std::holds_alternative<wire::Padding>(f)) padding_end = at;
    ends.push_back(at);
  }
  ASSERT_EQ(at, bytes.size());
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const wire::DecodedFrames d = wire::decode_frames(as_span(bytes).first(n));
    const bool at_frame_end = std::find(ends.begin(), ends.end(), n) != ends.end();
    const bool in_padding = n > padding_start && n < padding_end;
    if (n == 0) {
      ASSERT_FALSE(d.ok());
      EXPECT_EQ(d.error().code, DecodeErrorCode::EmptyPayload);
    } else if (at_frame_end || in_padding) {
      EXPECT_TRUE(d.ok()) << n << ": " << wire::describe(d.error());
    } else if (!d.ok()) {
      EXPECT_TRUE(d.error().code == DecodeErrorCode::Truncated ||
                  d.error().code == DecodeErrorCode::LengthBeyondDatagram)
          << n << ": " << wire::describe(d.error());
      EXPECT_LE(d.error().offset, n);
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
  std::uint32_t subflow() {
    if (below(4) == 0) return ~std::uint32_t{0} - static_cast<std::uint32_t>(below(2));
    return 1 + static_cast<std::uint32_t>(below(40));
  }

  wire::Frame frame() {
    switch (below(11)) {
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
      case 4: return wire::Join{subflow(), below(2) == 0};
      case 5: return wire::PathClose{subflow(), wire::CloseCode{static_cast<std::uint32_t>(u64())}};
      case 6: return wire::ConnectionClose{wire::CloseCode{static_cast<std::uint32_t>(below(10))}};
      case 7: return wire::Backup{below(2) == 0};
      case 8: return wire::Timestamp{Instant::from_nanos(static_cast<std::int64_t>(u64()))};
      case 9: return wire::PathChallenge{u64()};
      default: return wire::PathResponse{u64()};
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

TEST(WireProperty, RandomPayloadsRoundTrip) {
  RandomFrames gen(0x5EED);
  std::array<int, std::variant_size_v<wire::Frame>> seen{};
  for (int i = 0; i < 3000; ++i) {
    std::vector<wire::Frame> frames(1 + gen.below(8));
    std::size_t size = 0;
    for (auto& f : frames) {
      f = gen.frame();
      size += wire::encoded_size(f);
      ++seen[f.index()];
    }
    const auto bytes = encode(frames);
    ASSERT_EQ(bytes.size(), size) << "payload " << i;
    const wire::DecodedFrames d = wire::decode_frames(bytes);
    ASSERT_TRUE(d.ok()) << "payload " << i << ": " << wire::describe(d.error());
    const auto decoded = frames_of(d.frames());
    ASSERT_EQ(decoded, merge_padding(frames)) << "payload " << i;
    EXPECT_EQ(encode(decoded), bytes) << "payload " << i;
  }
  for (std::size_t t = 0; t < seen.size(); ++t) EXPECT_GT(seen[t], 100) << t;
}

TEST(WireProperty, MutatedPayloadsFailCleanlyOrRoundTrip) {
  // The fuzz target's property on a few thousand cheap mutants: flip, truncate, extend or overwrite a valid
  // payload; the decoder must either reject it at an offset within the input or accept it, in which case
  // re-encoding gives the same bytes.
  RandomFrames gen(0xF00D);
  int rejected = 0, accepted = 0;
  for (int i = 0; i < 6000; ++i) {
    std::vector<wire::Frame> frames(1 + gen.below(4));
    for (auto& f : frames) f = gen.frame();
    auto bytes = encode(frames);
    switch (gen.below(4)) {
      case 0: bytes[gen.below(bytes.size())] ^= std::byte(1u << gen.below(8)); break;
      case 1: bytes.resize(gen.below(bytes.size())); break;
      case 2: bytes.push_back(std::byte(gen.below(256))); break;
      default: bytes[gen.below(bytes.size())] = std::byte(gen.below(256)); break;
    }
    const wire::DecodedFrames d = wire::decode_frames(bytes);
    if (!d.ok()) {
      ++rejected;
      EXPECT_LE(d.error().offset, bytes.size()) << "mutant " << i;
      continue;
    }
    ++accepted;
    EXPECT_EQ(encode(frames_of(d.frames())), bytes) << "mutant " << i;
  }
  EXPECT_GT(rejected, 1000);  // the mutations do reach the error paths
  EXPECT_GT(accepted, 1000);  // and the success path
}

TEST(WireProperty, RandomBytesFailCleanlyOrRoundTrip) {
  // Unstructured input, biased towards zero bytes and the defined frame types so that some of it is valid.
  std::mt19937_64 rng(0xB17E5);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> bytes(rng() % 48);
    for (auto& x : bytes) {
      const std::uint64_t kind = rng() % 4;
      x = std::byte(kind <= 1 ? 0 : kind == 2 ? rng() % 0x0C : rng() % 256);
    }
    const wire::DecodedFrames d = wire::decode_frames(bytes);
    if (!d.ok()) {
      EXPECT_LE(d.error().offset, bytes.size()) << "input " << i;
      continue;
    }
    ++accepted;
    EXPECT_EQ(encode(frames_of(d.frames())), bytes) << "input " << i;
  }
  EXPECT_GT(accepted, 300);
}

}  // namespace
}  // namespace progmp::transport::testing

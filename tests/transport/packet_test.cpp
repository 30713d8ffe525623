// The datagram headers of wire format version 2 (packet.hpp): the layout of every packet type byte by byte (expected
// bytes laid out by hand from the diagrams, not produced by the writers), parse round trips, every ErrorCode with
// its offset, foreign-version INITIATIONs, the writers' refusals, randomised and mutated datagrams (the fuzz
// target's property in small), and the generated seed corpus fuzz/corpus/packet/.
#include "progmp/transport/packet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <string>

#include "transport/wire_support.hpp"

namespace progmp::transport::testing {
namespace {

using packet::ErrorCode;

constexpr std::uint64_t kDcid = 0x0102030405060708;
constexpr std::uint64_t kScid = 0x1112131415161718;
constexpr std::uint64_t kOdcid = 0x2122232425262728;

std::vector<std::byte> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::byte(static_cast<std::uint8_t>(seed + 37 * i) | 0x01);
  return v;
}

std::array<std::byte, packet::kResetTokenSize> reset_token(std::uint8_t seed) {
  std::array<std::byte, packet::kResetTokenSize> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = std::byte(seed + i);
  return t;
}

std::vector<std::byte> to_vector(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// Runs a writer on a large buffer pre-filled with 0xEE and returns what it wrote.
template <class Write>
std::vector<std::byte> written(Write write) {
  std::vector<std::byte> buffer(70000, std::byte{0xEE});
  const std::size_t n = write(std::span<std::byte>(buffer));
  EXPECT_GT(n, 0u);
  EXPECT_TRUE(std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(n), buffer.end(),
                          [](std::byte b) { return b == std::byte{0xEE}; }))
      << "the writer wrote past the bytes it reported";
  buffer.resize(n);
  return buffer;
}

bool within(std::span<const std::byte> part, std::span<const std::byte> whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// ---- layout ------------------------------------------------------------------------------------------------------

TEST(Packet, Constants) {
  EXPECT_EQ(packet::kMagic, 0xA0);
  EXPECT_EQ(packet::kVersion, 2);
  EXPECT_EQ(packet::kProtectedHeaderSize, 22u);
  EXPECT_EQ(packet::kMinInitiationSize, 1200u);
  EXPECT_EQ(packet::kInitiationPrologueSize, 18u);
  EXPECT_EQ(packet::kMaxTokenSize, 64u);
  EXPECT_EQ(packet::kResetTokenSize, 16u);
  EXPECT_EQ(packet::kResetSize, 26u);
}

TEST(Packet, ProtectedHeaderLayout) {
  const packet::ProtectedHeader h{ConnectionId{kDcid}, PathId{0x0A0B0C0D}, 0x3132333435363738};
  const auto bytes = written([&](std::span<std::byte> out) { return packet::write_protected_header(out, h); });
  // A2 | type 0 | dcid | path | packet number
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x00).u64(kDcid).u32(0x0A0B0C0D).u64(0x3132333435363738).bytes());
  EXPECT_EQ(bytes.size(), packet::kProtectedHeaderSize);
}

TEST(Packet, InitiationLayout) {
  const auto token = ByteBuilder().u8(0x71).u8(0x72).u8(0x73).bytes();
  const auto handshake = ByteBuilder().u8(0xC1).u8(0xC2).u8(0xC3).u8(0xC4).u8(0xC5).bytes();
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, token, handshake);
  });
  // A2 | type 1 | dcid | scid | token length 3 | token | handshake length 5 | handshake | zeros up to 1200
  const auto expected = ByteBuilder()
                            .u8(0xA2)
                            .u8(0x01)
                            .u64(kDcid)
                            .u64(kScid)
                            .u8(3)
                            .u8(0x71).u8(0x72).u8(0x73)
                            .u16(5)
                            .u8(0xC1).u8(0xC2).u8(0xC3).u8(0xC4).u8(0xC5)
                            .zeros(1200 - 18 - 1 - 3 - 2 - 5)
                            .bytes();
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(bytes.size(), packet::kMinInitiationSize);
}

TEST(Packet, InitiationWithoutToken) {
  const auto handshake = ByteBuilder().u8(0xC1).bytes();
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, {}, handshake);
  });
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x01).u64(kDcid).u64(kScid).u8(0).u16(1).u8(0xC1).zeros(1200 - 22)
                       .bytes());
}

TEST(Packet, InitiationAboveTheMinimumIsNotPadded) {
  const auto handshake = pattern(1500, 9);
  const auto token = pattern(64, 3);
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, token, handshake);
  });
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x01).u64(kDcid).u64(kScid).u8(64).raw(token).u16(1500).raw(handshake)
                       .bytes());
  // Exactly 1200 without padding: 18 + 1 + 2 + 1179.
  const auto exact = pattern(1179, 5);
  const auto bytes2 = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, {}, exact);
  });
  EXPECT_EQ(bytes2, ByteBuilder().u8(0xA2).u8(0x01).u64(kDcid).u64(kScid).u8(0).u16(1179).raw(exact).bytes());
}

TEST(Packet, ResponseLayout) {
  const auto handshake = ByteBuilder().u8(0xD1).u8(0xD2).u8(0xD3).u8(0xD4).bytes();
  const auto bytes = written(
      [&](std::span<std::byte> out) { return packet::write_response(out, ConnectionId{kDcid}, handshake); });
  // A2 | type 2 | dcid | handshake length 4 | handshake
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x02).u64(kDcid).u16(4).u8(0xD1).u8(0xD2).u8(0xD3).u8(0xD4).bytes());
  const auto empty =
      written([&](std::span<std::byte> out) { return packet::write_response(out, ConnectionId{kDcid}, {}); });
  EXPECT_EQ(empty, ByteBuilder().u8(0xA2).u8(0x02).u64(kDcid).u16(0).bytes());
}

TEST(Packet, RetryLayout) {
  const auto token = ByteBuilder().u8(0xE1).u8(0xE2).bytes();
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_retry(out, ConnectionId{kDcid}, ConnectionId{kOdcid}, token);
  });
  // A2 | type 3 | dcid | original dcid | token length 2 | token
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x03).u64(kDcid).u64(kOdcid).u8(2).u8(0xE1).u8(0xE2).bytes());
  const auto empty = written(
      [&](std::span<std::byte> out) { return packet::write_retry(out, ConnectionId{kDcid}, ConnectionId{kOdcid}, {}); });
  EXPECT_EQ(empty, ByteBuilder().u8(0xA2).u8(0x03).u64(kDcid).u64(kOdcid).u8(0).bytes());
}

TEST(Packet, StatelessResetLayout) {
  const auto token = reset_token(0xF0);
  const auto bytes = written(
      [&](std::span<std::byte> out) { return packet::write_stateless_reset(out, ConnectionId{kDcid}, token); });
  // A2 | type 4 | dcid | reset token F0 F1 ... FF
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x04).u64(kDcid).u64(0xF0F1F2F3F4F5F6F7).u64(0xF8F9FAFBFCFDFEFF).bytes());
  EXPECT_EQ(bytes.size(), packet::kResetSize);
}

TEST(Packet, VersionMismatchLayout) {
  const auto bytes =
      written([&](std::span<std::byte> out) { return packet::write_version_mismatch(out, ConnectionId{kDcid}); });
  // A2 | type 5 | dcid | count 1 | version 2
  EXPECT_EQ(bytes, ByteBuilder().u8(0xA2).u8(0x05).u64(kDcid).u8(1).u8(2).bytes());
}

TEST(Packet, PrologueIsTheFirst18BytesOfTheInitiation) {
  const auto prologue = packet::initiation_prologue(ConnectionId{kDcid}, ConnectionId{kScid});
  EXPECT_EQ(to_vector(prologue), ByteBuilder().u8(0xA2).u8(0x01).u64(kDcid).u64(kScid).bytes());
  const auto token = pattern(10, 1);
  const auto handshake = pattern(200, 2);
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, token, handshake);
  });
  EXPECT_TRUE(std::equal(prologue.begin(), prologue.end(), bytes.begin()));
  const packet::Parsed p = packet::parse(bytes);
  ASSERT_TRUE(p.ok()) << packet::describe(p.error());
  const auto& init = std::get<packet::Initiation>(p.packet());
  EXPECT_EQ(init.prologue.data(), bytes.data());
  EXPECT_EQ(init.prologue.size(), packet::kInitiationPrologueSize);
  EXPECT_EQ(to_vector(init.prologue), to_vector(prologue));
}

// ---- parse round trips -------------------------------------------------------------------------------------------

TEST(PacketParse, Protected) {
  for (const packet::ProtectedHeader h :
       {packet::ProtectedHeader{ConnectionId{kDcid}, PathId{1}, 0},
        packet::ProtectedHeader{ConnectionId{~std::uint64_t{0}}, PathId{~std::uint32_t{0}}, ~std::uint64_t{0}},
        packet::ProtectedHeader{ConnectionId{0}, PathId{0}, 1}}) {
    std::vector<std::byte> bytes(packet::kProtectedHeaderSize);
    ASSERT_EQ(packet::write_protected_header(bytes, h), packet::kProtectedHeaderSize);
    for (const std::size_t ciphertext : {std::size_t{0}, std::size_t{1}, std::size_t{16}, std::size_t{1400}}) {  // parse() reads the header only
      auto datagram = bytes;
      const auto body = pattern(ciphertext, 4);
      datagram.insert(datagram.end(), body.begin(), body.end());
      const packet::Parsed p = packet::parse(datagram);
      ASSERT_TRUE(p.ok()) << packet::describe(p.error());
      const auto& got = std::get<packet::ProtectedHeader>(p.packet());
      EXPECT_EQ(got.dcid, h.dcid);
      EXPECT_EQ(got.path, h.path);
      EXPECT_EQ(got.packet_number, h.packet_number);
    }
  }
}

TEST(PacketParse, Initiation) {
  for (const std::size_t token_size : {std::size_t{0}, std::size_t{1}, packet::kMaxTokenSize}) {
    for (const std::size_t hs_size : {std::size_t{0}, std::size_t{96}, std::size_t{1179}, std::size_t{3000}}) {
      const auto token = pattern(token_size, 7);
      const auto handshake = pattern(hs_size, 8);
      const auto bytes = written([&](std::span<std::byte> out) {
        return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, token, handshake);
      });
      EXPECT_EQ(bytes.size(), std::max<std::size_t>(1200, 21 + token_size + hs_size));
      const packet::Parsed p = packet::parse(bytes);
      ASSERT_TRUE(p.ok()) << packet::describe(p.error());
      const auto& got = std::get<packet::Initiation>(p.packet());
      EXPECT_EQ(got.dcid, ConnectionId{kDcid});
      EXPECT_EQ(got.scid, ConnectionId{kScid});
      EXPECT_EQ(to_vector(got.token), token);
      EXPECT_EQ(to_vector(got.handshake), handshake);
      // Views into the datagram, where the diagram puts them.
      EXPECT_EQ(got.token.data(), bytes.data() + 19);
      EXPECT_EQ(got.handshake.data(), bytes.data() + 21 + token_size);
    }
  }
}

TEST(PacketParse, InitiationWithExtraPadding) {
  // More zero padding than needed is fine (a client may pad to its path MTU).
  const auto handshake = pattern(1300, 1);
  auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, {}, handshake);
  });
  bytes.resize(1452, std::byte{0});
  const packet::Parsed p = packet::parse(bytes);
  ASSERT_TRUE(p.ok()) << packet::describe(p.error());
  EXPECT_EQ(to_vector(std::get<packet::Initiation>(p.packet()).handshake), handshake);
}

TEST(PacketParse, Response) {
  for (const std::size_t hs_size : {std::size_t{0}, std::size_t{80}, std::size_t{0xFFFF}}) {
    const auto handshake = pattern(hs_size, 2);
    const auto bytes = written(
        [&](std::span<std::byte> out) { return packet::write_response(out, ConnectionId{kDcid}, handshake); });
    EXPECT_EQ(bytes.size(), 12 + hs_size);
    const packet::Parsed p = packet::parse(bytes);
    ASSERT_TRUE(p.ok()) << packet::describe(p.error());
    const auto& got = std::get<packet::Response>(p.packet());
    EXPECT_EQ(got.dcid, ConnectionId{kDcid});
    EXPECT_EQ(to_vector(got.handshake), handshake);
    EXPECT_EQ(got.handshake.data(), bytes.data() + 12);
  }
}

TEST(PacketParse, Retry) {
  for (const std::size_t token_size : {std::size_t{0}, std::size_t{32}, packet::kMaxTokenSize}) {
    const auto token = pattern(token_size, 3);
    const auto bytes = written([&](std::span<std::byte> out) {
      return packet::write_retry(out, ConnectionId{kDcid}, ConnectionId{kOdcid}, token);
    });
    EXPECT_EQ(bytes.size(), 19 + token_size);
    const packet::Parsed p = packet::parse(bytes);
    ASSERT_TRUE(p.ok()) << packet::describe(p.error());
    const auto& got = std::get<packet::Retry>(p.packet());
    EXPECT_EQ(got.dcid, ConnectionId{kDcid});
    EXPECT_EQ(got.original_dcid, ConnectionId{kOdcid});
    EXPECT_EQ(to_vector(got.token), token);
    EXPECT_EQ(got.token.data(), bytes.data() + 19);
  }
}

TEST(PacketParse, StatelessReset) {
  const auto token = reset_token(0x30);
  const auto bytes = written(
      [&](std::span<std::byte> out) { return packet::write_stateless_reset(out, ConnectionId{kDcid}, token); });
  const packet::Parsed p = packet::parse(bytes);
  ASSERT_TRUE(p.ok()) << packet::describe(p.error());
  const auto& got = std::get<packet::StatelessReset>(p.packet());
  EXPECT_EQ(got.dcid, ConnectionId{kDcid});
  EXPECT_TRUE(std::equal(got.token.begin(), got.token.end(), token.begin(), token.end()));
  EXPECT_EQ(got.token.data(), bytes.data() + 10);
}

TEST(PacketParse, VersionMismatch) {
  const auto bytes =
      written([&](std::span<std::byte> out) { return packet::write_version_mismatch(out, ConnectionId{kDcid}); });
  const packet::Parsed p = packet::parse(bytes);
  ASSERT_TRUE(p.ok()) << packet::describe(p.error());
  const auto& got = std::get<packet::VersionMismatch>(p.packet());
  EXPECT_EQ(got.dcid, ConnectionId{kDcid});
  EXPECT_EQ(to_vector(got.versions), (std::vector<std::byte>{std::byte{packet::kVersion}}));
  EXPECT_EQ(got.versions.data(), bytes.data() + 11);
  // From a peer that speaks other versions, or none.
  const auto several = ByteBuilder().u8(0xA2).u8(0x05).u64(kDcid).u8(3).u8(2).u8(3).u8(4).bytes();
  const packet::Parsed q = packet::parse(several);
  ASSERT_TRUE(q.ok()) << packet::describe(q.error());
  EXPECT_EQ(to_vector(std::get<packet::VersionMismatch>(q.packet()).versions),
            ByteBuilder().u8(2).u8(3).u8(4).bytes());
  const auto none = ByteBuilder().u8(0xA2).u8(0x05).u64(kDcid).u8(0).bytes();
  const packet::Parsed r = packet::parse(none);
  ASSERT_TRUE(r.ok()) << packet::describe(r.error());
  EXPECT_TRUE(std::get<packet::VersionMismatch>(r.packet()).versions.empty());
}

TEST(PacketParse, TypeIsTheVariantIndex) {
  const std::vector<std::pair<std::vector<std::byte>, packet::Type>> cases = {
      {ByteBuilder().u8(0xA2).u8(0).u64(1).u32(2).u64(3).bytes(), packet::Type::Protected},
      {ByteBuilder().u8(0xA2).u8(1).u64(1).u64(2).u8(0).u16(0).zeros(1179).bytes(), packet::Type::Initiation},
      {ByteBuilder().u8(0xA2).u8(2).u64(1).u16(0).bytes(), packet::Type::Response},
      {ByteBuilder().u8(0xA2).u8(3).u64(1).u64(2).u8(0).bytes(), packet::Type::Retry},
      {ByteBuilder().u8(0xA2).u8(4).u64(1).u64(2).u64(3).bytes(), packet::Type::StatelessReset},
      {ByteBuilder().u8(0xA2).u8(5).u64(1).u8(1).u8(2).bytes(), packet::Type::VersionMismatch},
  };
  for (const auto& [bytes, type] : cases) {
    const packet::Parsed p = packet::parse(bytes);
    ASSERT_TRUE(p.ok()) << packet::describe(p.error());
    EXPECT_TRUE(static_cast<bool>(p));
    EXPECT_EQ(p.packet().index(), static_cast<std::size_t>(type));
  }
}

// ---- errors ------------------------------------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  std::vector<std::byte> bytes;
  ErrorCode code;
  std::size_t offset;
};

// An INITIATION laid out by hand: token length byte and token, handshake length and handshake, then `padding`.
ByteBuilder initiation(std::uint8_t version, std::uint64_t token_length, std::size_t token_bytes,
                       std::uint64_t hs_length, std::size_t hs_bytes) {
  ByteBuilder b;
  b.u8(0xA0 | version).u8(0x01).u64(kDcid).u64(kScid).u8(token_length).raw(pattern(token_bytes, 1));
  b.u16(hs_length).raw(pattern(hs_bytes, 2));
  return b;
}
std::vector<std::byte> padded(ByteBuilder b, std::size_t size) { return b.zeros(size - b.size()).bytes(); }

std::vector<ErrorCase> error_cases() {
  auto h = [](std::uint8_t type) { return ByteBuilder().u8(0xA2).u8(type); };
  std::vector<std::byte> nonzero_last = padded(initiation(2, 0, 0, 10, 10), 1200);
  nonzero_last.back() = std::byte{1};
  std::vector<std::byte> nonzero_first = padded(initiation(2, 4, 4, 10, 10), 1200);
  nonzero_first[18 + 1 + 4 + 2 + 10] = std::byte{0x80};
  std::vector<std::byte> nonzero_late = padded(initiation(2, 0, 0, 1250, 1250), 1400);
  nonzero_late[1300] = std::byte{0xFF};
  std::vector<std::byte> small_and_dirty = padded(initiation(2, 0, 0, 10, 10), 1199);
  small_and_dirty.back() = std::byte{1};
  return {
      // Truncated, at each field
      {"empty datagram", {}, ErrorCode::Truncated, 0},
      {"first byte only", ByteBuilder().u8(0xA2).bytes(), ErrorCode::Truncated, 1},
      {"no destination connection ID", h(0).bytes(), ErrorCode::Truncated, 2},
      {"cut in the destination connection ID", h(3).u32(1).bytes(), ErrorCode::Truncated, 2},
      {"PROTECTED without path ID", h(0).u64(kDcid).bytes(), ErrorCode::Truncated, 10},
      {"PROTECTED cut in the path ID", h(0).u64(kDcid).u16(0).bytes(), ErrorCode::Truncated, 10},
      {"PROTECTED without packet number", h(0).u64(kDcid).u32(1).bytes(), ErrorCode::Truncated, 14},
      {"PROTECTED cut in the packet number", h(0).u64(kDcid).u32(1).u32(0).u16(0).u8(0).bytes(),
       ErrorCode::Truncated, 14},
      // The handshake message's truncation is reported at its length field (unlike a token's, see the report).
      {"INITIATION handshake one byte past the end", padded(initiation(2, 0, 0, 1180, 1179), 1200),
       ErrorCode::Truncated, 19},
      {"INITIATION handshake length 0xFFFF", padded(initiation(2, 3, 3, 0xFFFF, 0), 1200), ErrorCode::Truncated, 22},
      {"RESPONSE without handshake length", h(2).u64(kDcid).bytes(), ErrorCode::Truncated, 10},
      {"RESPONSE cut in the handshake length", h(2).u64(kDcid).u8(0).bytes(), ErrorCode::Truncated, 10},
      {"RESPONSE handshake shorter than its length", h(2).u64(kDcid).u16(5).u32(0).bytes(), ErrorCode::Truncated, 10},
      {"RETRY cut in the original connection ID", h(3).u64(kDcid).u32(0).bytes(), ErrorCode::Truncated, 10},
      {"RETRY without token length", h(3).u64(kDcid).u64(kOdcid).bytes(), ErrorCode::Truncated, 18},
      {"RETRY token shorter than its length", h(3).u64(kDcid).u64(kOdcid).u8(8).zeros(7).bytes(),
       ErrorCode::Truncated, 19},
      {"STATELESS_RESET without token", h(4).u64(kDcid).bytes(), ErrorCode::Truncated, 10},
      {"STATELESS_RESET cut in the token", h(4).u64(kDcid).u64(1).zeros(7).bytes(), ErrorCode::Truncated, 10},
      {"VERSION_MISMATCH without count", h(5).u64(kDcid).bytes(), ErrorCode::Truncated, 10},
      {"VERSION_MISMATCH with fewer versions than its count", h(5).u64(kDcid).u8(2).u8(2).bytes(),
       ErrorCode::Truncated, 11},
      // BadMagic: checked first
      {"magic 0xB", ByteBuilder().u8(0xB2).u8(0).u64(kDcid).u32(1).u64(1).bytes(), ErrorCode::BadMagic, 0},
      {"magic 0x0", ByteBuilder().u8(0x02).u8(1).bytes(), ErrorCode::BadMagic, 0},
      {"plain zero byte", ByteBuilder().u8(0x00).bytes(), ErrorCode::BadMagic, 0},
      {"0xFF", ByteBuilder().u8(0xFF).u8(0xFF).bytes(), ErrorCode::BadMagic, 0},
      {"bad magic and bad version", ByteBuilder().u8(0x51).bytes(), ErrorCode::BadMagic, 0},
      // UnknownVersion
      {"a version-1 datagram", ByteBuilder().u8(0xA1).u8(0).u64(kDcid).u32(1).u8(1).bytes(),
       ErrorCode::UnknownVersion, 0},
      {"version 1, first byte only", ByteBuilder().u8(0xA1).bytes(), ErrorCode::UnknownVersion, 0},
      {"version 0", ByteBuilder().u8(0xA0).u8(0).u64(kDcid).u32(1).u64(1).bytes(), ErrorCode::UnknownVersion, 0},
      {"version 3 INITIATION", padded(initiation(3, 0, 0, 10, 10), 1200), ErrorCode::UnknownVersion, 0},
      {"version 15", ByteBuilder().u8(0xAF).u8(5).u64(kDcid).u8(1).u8(15).bytes(), ErrorCode::UnknownVersion, 0},
      // UnknownType
      {"type 6", h(6).u64(kDcid).bytes(), ErrorCode::UnknownType, 1},
      {"type 0x80", h(0x80).u64(kDcid).u32(1).u64(1).bytes(), ErrorCode::UnknownType, 1},
      {"type 0xFF", h(0xFF).u64(kDcid).zeros(1200).bytes(), ErrorCode::UnknownType, 1},
      // InitiationTooSmall: reported at the end of the datagram, where the padding should have continued
      {"INITIATION of 1199 bytes", padded(initiation(2, 0, 0, 10, 10), 1199), ErrorCode::InitiationTooSmall, 1199},
      {"INITIATION without padding", initiation(2, 0, 0, 10, 10).bytes(), ErrorCode::InitiationTooSmall, 31},
      {"INITIATION of 10 bytes", h(1).u64(kDcid).bytes(), ErrorCode::InitiationTooSmall, 10},
      {"INITIATION of 1199 bytes with non-zero padding", small_and_dirty, ErrorCode::InitiationTooSmall, 1199},
      // TokenTooLong: at the token length byte
      {"INITIATION token of 65 bytes", padded(initiation(2, 65, 65, 10, 10), 1200), ErrorCode::TokenTooLong, 18},
      {"INITIATION token length 255", padded(initiation(2, 255, 0, 0, 0), 1200), ErrorCode::TokenTooLong, 18},
      {"RETRY token of 65 bytes", h(3).u64(kDcid).u64(kOdcid).u8(65).zeros(65).bytes(), ErrorCode::TokenTooLong, 18},
      {"RETRY token length 255 without token", h(3).u64(kDcid).u64(kOdcid).u8(255).bytes(), ErrorCode::TokenTooLong,
       18},
      // NonZeroPadding: at the first non-zero byte
      {"INITIATION with its last byte 1", nonzero_last, ErrorCode::NonZeroPadding, 1199},
      {"INITIATION with its first padding byte 0x80", nonzero_first, ErrorCode::NonZeroPadding, 35},
      {"INITIATION above 1200 with non-zero padding", nonzero_late, ErrorCode::NonZeroPadding, 1300},
      // TrailingBytes: at the first byte after the packet
      {"RESPONSE with a trailing byte", h(2).u64(kDcid).u16(3).u8(1).u8(2).u8(3).u8(0).bytes(),
       ErrorCode::TrailingBytes, 15},
      {"empty RESPONSE with trailing bytes", h(2).u64(kDcid).u16(0).u32(7).bytes(), ErrorCode::TrailingBytes, 12},
      {"RETRY with a trailing byte", h(3).u64(kDcid).u64(kOdcid).u8(2).u16(9).u8(0xFF).bytes(),
       ErrorCode::TrailingBytes, 21},
      {"STATELESS_RESET with a trailing byte", h(4).u64(kDcid).u64(1).u64(2).u8(0).bytes(), ErrorCode::TrailingBytes,
       26},
      {"VERSION_MISMATCH with a trailing byte", h(5).u64(kDcid).u8(1).u8(2).u8(2).bytes(), ErrorCode::TrailingBytes,
       12},
  };
}

TEST(PacketParse, EveryErrorWithItsOffset) {
  for (const ErrorCase& c : error_cases()) {
    const packet::Parsed p = packet::parse(c.bytes);
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_FALSE(static_cast<bool>(p)) << c.name;
    EXPECT_EQ(p.error().code, c.code) << c.name << ": got " << packet::describe(p.error());
    EXPECT_EQ(p.error().offset, c.offset) << c.name << ": got " << packet::describe(p.error());
    EXPECT_LE(p.error().offset, c.bytes.size()) << c.name;
  }
}

TEST(PacketParse, EveryErrorCodeIsExercised) {
  std::array<bool, static_cast<std::size_t>(ErrorCode::TrailingBytes) + 1> seen{};
  for (const ErrorCase& c : error_cases()) seen[static_cast<std::size_t>(c.code)] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_TRUE(seen[i]) << packet::error_name(static_cast<ErrorCode>(i)) << " has no test case";
  }
}

TEST(PacketParse, ErrorNamesAndDescribe) {
  const std::pair<ErrorCode, std::string_view> names[] = {
      {ErrorCode::Truncated, "truncated"},
      {ErrorCode::BadMagic, "bad_magic"},
      {ErrorCode::UnknownVersion, "unknown_version"},
      {ErrorCode::UnknownType, "unknown_type"},
      {ErrorCode::InitiationTooSmall, "initiation_too_small"},
      {ErrorCode::TokenTooLong, "token_too_long"},
      {ErrorCode::NonZeroPadding, "non_zero_padding"},
      {ErrorCode::TrailingBytes, "trailing_bytes"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(packet::error_name(code), name);
  EXPECT_EQ(packet::describe(packet::Error{ErrorCode::Truncated, 10}),
            "packet: truncated at byte 10: a field extends past the end of the datagram");
  EXPECT_EQ(packet::describe(packet::Error{ErrorCode::InitiationTooSmall, 1199}),
            "packet: initiation_too_small at byte 1199: an INITIATION must be at least 1200 bytes");
}

TEST(PacketParse, PrefixesOfValidPacketsAreRejected) {
  // Every proper prefix of a fixed-size or length-delimited packet is Truncated at an offset within it; a prefix of
  // an INITIATION is too small once its connection ID is complete; a PROTECTED packet needs its 22-byte header.
  const std::vector<std::byte> hs = pattern(20, 1);
  const std::vector<std::byte> token = pattern(5, 2);
  const auto reset = reset_token(3);
  const std::vector<std::vector<std::byte>> packets = {
      written([&](std::span<std::byte> o) { return packet::write_response(o, ConnectionId{kDcid}, hs); }),
      written([&](std::span<std::byte> o) {
        return packet::write_retry(o, ConnectionId{kDcid}, ConnectionId{kOdcid}, token);
      }),
      written([&](std::span<std::byte> o) { return packet::write_stateless_reset(o, ConnectionId{kDcid}, reset); }),
      written([&](std::span<std::byte> o) { return packet::write_version_mismatch(o, ConnectionId{kDcid}); }),
  };
  for (const auto& bytes : packets) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const packet::Parsed p = packet::parse(std::span(bytes).first(n));
      ASSERT_FALSE(p.ok()) << "type " << int(bytes[1]) << ", " << n << " bytes";
      EXPECT_EQ(p.error().code, ErrorCode::Truncated) << n << ": " << packet::describe(p.error());
      EXPECT_LE(p.error().offset, n);
    }
    EXPECT_TRUE(packet::parse(bytes).ok());
  }
  const auto init = written([&](std::span<std::byte> o) {
    return packet::write_initiation(o, ConnectionId{kDcid}, ConnectionId{kScid}, token, hs);
  });
  for (std::size_t n = 0; n < init.size(); ++n) {
    const packet::Parsed p = packet::parse(std::span(init).first(n));
    ASSERT_FALSE(p.ok()) << n;
    if (n < 10) {
      EXPECT_EQ(p.error().code, ErrorCode::Truncated) << n;
      EXPECT_EQ(p.error().offset, std::min<std::size_t>(n, 2)) << n;
    } else {
      EXPECT_EQ(p.error().code, ErrorCode::InitiationTooSmall) << n;
      EXPECT_EQ(p.error().offset, n);
    }
  }
  std::vector<std::byte> header(packet::kProtectedHeaderSize);
  ASSERT_GT(packet::write_protected_header(header, {ConnectionId{kDcid}, PathId{1}, 2}), 0u);
  for (std::size_t n = 0; n < header.size(); ++n) {
    const packet::Parsed p = packet::parse(std::span(header).first(n));
    ASSERT_FALSE(p.ok()) << n;
    EXPECT_EQ(p.error().code, ErrorCode::Truncated) << n;
  }
}

// ---- foreign versions --------------------------------------------------------------------------------------------

TEST(PacketForeign, Version3InitiationIsRecognised) {
  // A version-3 client: byte 0, the type and both connection IDs where every version keeps them; the rest is
  // whatever version 3 puts there (not zero padding, no token field this side understands).
  auto bytes = ByteBuilder().u8(0xA3).u8(0x01).u64(kDcid).u64(kScid).raw(pattern(1182, 9)).bytes();
  ASSERT_EQ(bytes.size(), 1200u);
  const packet::Parsed p = packet::parse(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::UnknownVersion);
  EXPECT_EQ(p.error().offset, 0u);
  packet::ForeignInitiation f;
  ASSERT_TRUE(packet::parse_foreign_initiation(bytes, f));
  EXPECT_EQ(f.version, 3);
  EXPECT_EQ(f.dcid, ConnectionId{kDcid});
  EXPECT_EQ(f.scid, ConnectionId{kScid});
  // The answer the server sends: VERSION_MISMATCH to the client's connection ID, listing version 2.
  const auto answer =
      written([&](std::span<std::byte> out) { return packet::write_version_mismatch(out, f.scid); });
  EXPECT_EQ(answer, ByteBuilder().u8(0xA2).u8(0x05).u64(kScid).u8(1).u8(2).bytes());
  // Larger, and the highest version nibble.
  bytes.resize(1500, std::byte{0x77});
  bytes[0] = std::byte{0xAF};
  ASSERT_TRUE(packet::parse_foreign_initiation(bytes, f));
  EXPECT_EQ(f.version, 15);
}

TEST(PacketForeign, OwnVersionInitiationReadsTheSame) {
  // parse_foreign_initiation() reads the invariant layout, whatever the version.
  const auto bytes = written([&](std::span<std::byte> out) {
    return packet::write_initiation(out, ConnectionId{kDcid}, ConnectionId{kScid}, {}, pattern(50, 1));
  });
  packet::ForeignInitiation f;
  ASSERT_TRUE(packet::parse_foreign_initiation(bytes, f));
  EXPECT_EQ(f.version, packet::kVersion);
  EXPECT_EQ(f.dcid, ConnectionId{kDcid});
  EXPECT_EQ(f.scid, ConnectionId{kScid});
}

TEST(PacketForeign, NotAnInitiation) {
  const packet::ForeignInitiation sentinel{9, ConnectionId{99}, ConnectionId{98}};
  auto v3 = [](std::uint8_t first, std::uint8_t type, std::size_t size) {
    return ByteBuilder().u8(first).u8(type).u64(kDcid).u64(kScid).zeros(size - 18).bytes();
  };
  const std::vector<std::pair<const char*, std::vector<std::byte>>> cases = {
      {"1199 bytes", v3(0xA3, 1, 1199)},
      {"empty", {}},
      {"18 bytes", v3(0xA3, 1, 18)},
      {"PROTECTED of version 3", v3(0xA3, 0, 1200)},
      {"type 2", v3(0xA3, 2, 1200)},
      {"bad magic", v3(0xB3, 1, 1200)},
      {"magic 0", v3(0x03, 1, 1200)},
  };
  for (const auto& [name, bytes] : cases) {
    packet::ForeignInitiation f = sentinel;
    EXPECT_FALSE(packet::parse_foreign_initiation(bytes, f)) << name;
    EXPECT_EQ(f.version, sentinel.version) << name << ": out changed";
    EXPECT_EQ(f.dcid, sentinel.dcid) << name;
    EXPECT_EQ(f.scid, sentinel.scid) << name;
  }
}

// ---- writer refusals ---------------------------------------------------------------------------------------------

TEST(PacketWriter, ReturnsZeroOnATooSmallBuffer) {
  const auto token = pattern(packet::kMaxTokenSize, 1);
  const auto handshake = pattern(300, 2);
  const auto big_handshake = pattern(1500, 3);
  const auto reset = reset_token(4);
  using Writer = std::function<std::size_t(std::span<std::byte>)>;
  const std::vector<std::pair<const char*, Writer>> writers = {
      {"PROTECTED",
       [](std::span<std::byte> o) { return packet::write_protected_header(o, {ConnectionId{1}, PathId{2}, 3}); }},
      {"INITIATION",
       [&](std::span<std::byte> o) {
         return packet::write_initiation(o, ConnectionId{1}, ConnectionId{2}, token, handshake);
       }},
      {"INITIATION above 1200",
       [&](std::span<std::byte> o) {
         return packet::write_initiation(o, ConnectionId{1}, ConnectionId{2}, token, big_handshake);
       }},
      {"RESPONSE", [&](std::span<std::byte> o) { return packet::write_response(o, ConnectionId{1}, handshake); }},
      {"RETRY",
       [&](std::span<std::byte> o) { return packet::write_retry(o, ConnectionId{1}, ConnectionId{2}, token); }},
      {"STATELESS_RESET", [&](std::span<std::byte> o) { return packet::write_stateless_reset(o, ConnectionId{1}, reset); }},
      {"VERSION_MISMATCH", [](std::span<std::byte> o) { return packet::write_version_mismatch(o, ConnectionId{1}); }},
  };
  const std::size_t expected_sizes[] = {22, 1200, 18 + 1 + 64 + 2 + 1500, 12 + 300, 19 + 64, 26, 12};
  for (std::size_t i = 0; i < writers.size(); ++i) {
    const auto& [name, write] = writers[i];
    const std::size_t need = expected_sizes[i];
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, need / 2, need - 1}) {
      std::vector<std::byte> buffer(size, std::byte{0xEE});
      EXPECT_EQ(write(buffer), 0u) << name << " in " << size << " bytes";
      EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](std::byte b) { return b == std::byte{0xEE}; }))
          << name << " wrote into a buffer it refused";
    }
    std::vector<std::byte> exact(need);
    EXPECT_EQ(write(exact), need) << name;
    EXPECT_TRUE(packet::parse(exact).ok()) << name;
  }
}

TEST(PacketWriter, ReturnsZeroForFieldsOutOfRange) {
  const auto long_token = pattern(packet::kMaxTokenSize + 1, 1);
  const auto huge_handshake = pattern(0x10000, 2);
  std::vector<std::byte> buffer(0x20000, std::byte{0xEE});
  EXPECT_EQ(packet::write_initiation(buffer, ConnectionId{1}, ConnectionId{2}, long_token, {}), 0u);
  EXPECT_EQ(packet::write_initiation(buffer, ConnectionId{1}, ConnectionId{2}, {}, huge_handshake), 0u);
  EXPECT_EQ(packet::write_retry(buffer, ConnectionId{1}, ConnectionId{2}, long_token), 0u);
  EXPECT_EQ(packet::write_response(buffer, ConnectionId{1}, huge_handshake), 0u);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](std::byte b) { return b == std::byte{0xEE}; }));
  // The largest values that fit.
  const auto largest = std::span(huge_handshake).first(0xFFFF);
  EXPECT_EQ(packet::write_response(buffer, ConnectionId{1}, largest), 12u + 0xFFFF);
  EXPECT_EQ(packet::write_initiation(buffer, ConnectionId{1}, ConnectionId{2}, std::span(long_token).first(64),
                                     largest),
            21u + 64 + 0xFFFF);
  EXPECT_TRUE(packet::parse(std::span(buffer).first(21 + 64 + 0xFFFF)).ok());
}

// ---- randomised and mutated datagrams ----------------------------------------------------------------------------

// The fuzz target's check (fuzz/packet_fuzz.cpp) for a parsed datagram: the spans lie inside the input, and writing
// the packet again gives the input back where the format is canonical. Empty if all is well, else what is wrong.
std::string canonical_problem(std::span<const std::byte> input, const packet::Packet& pkt) {
  std::vector<std::byte> buffer(std::max<std::size_t>(input.size(), packet::kMinInitiationSize) + 64);
  auto same = [&](std::size_t n) {
    return n == input.size() && std::equal(input.begin(), input.end(), buffer.begin());
  };
  if (const auto* p = std::get_if<packet::ProtectedHeader>(&pkt)) {
    const std::size_t n = packet::write_protected_header(buffer, *p);
    if (n != packet::kProtectedHeaderSize || input.size() < n ||
        !std::equal(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n), input.begin())) {
      return "PROTECTED header differs";
    }
  } else if (const auto* p = std::get_if<packet::Initiation>(&pkt)) {
    if (!within(p->token, input) || !within(p->handshake, input) || p->prologue.data() != input.data() ||
        p->prologue.size() != packet::kInitiationPrologueSize) {
      return "INITIATION span outside the input";
    }
    const std::size_t n = packet::write_initiation(buffer, p->dcid, p->scid, p->token, p->handshake);
    if (n == 0 || n > input.size() || input.size() < packet::kMinInitiationSize) return "INITIATION size";
    if (!std::equal(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n), input.begin())) {
      return "INITIATION differs";
    }
    if (!std::all_of(input.begin() + static_cast<std::ptrdiff_t>(n), input.end(),
                     [](std::byte b) { return b == std::byte{0}; })) {
      return "INITIATION padding not zero";
    }
  } else if (const auto* p = std::get_if<packet::Response>(&pkt)) {
    if (!within(p->handshake, input)) return "RESPONSE span outside the input";
    if (!same(packet::write_response(buffer, p->dcid, p->handshake))) return "RESPONSE differs";
  } else if (const auto* p = std::get_if<packet::Retry>(&pkt)) {
    if (!within(p->token, input)) return "RETRY span outside the input";
    if (!same(packet::write_retry(buffer, p->dcid, p->original_dcid, p->token))) return "RETRY differs";
  } else if (const auto* p = std::get_if<packet::StatelessReset>(&pkt)) {
    if (!within(p->token, input)) return "STATELESS_RESET span outside the input";
    if (!same(packet::write_stateless_reset(buffer, p->dcid, p->token))) return "STATELESS_RESET differs";
  } else if (const auto* p = std::get_if<packet::VersionMismatch>(&pkt)) {
    if (!within(p->versions, input) || input.size() != 11 + p->versions.size()) return "VERSION_MISMATCH span";
    // The writer lists this side's version only; other lists (from other implementations) have their own bytes.
    const std::size_t n = packet::write_version_mismatch(buffer, p->dcid);
    if (n < 10 || !std::equal(buffer.begin(), buffer.begin() + 10, input.begin())) return "VERSION_MISMATCH header";
    if (p->versions.size() == 1 && p->versions[0] == std::byte{packet::kVersion} && !same(n)) {
      return "VERSION_MISMATCH differs";
    }
  }
  return {};
}

class RandomPackets {
 public:
  explicit RandomPackets(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t u64() { return rng_(); }
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  std::vector<std::byte> bytes(std::size_t n) {
    std::vector<std::byte> v(n);
    for (auto& b : v) b = std::byte(below(256));
    return v;
  }

  // A valid datagram of a random type, written by the writers.
  std::vector<std::byte> datagram() {
    std::vector<std::byte> out(70000);
    const ConnectionId dcid{u64()}, other{u64()};
    std::size_t n = 0;
    switch (below(6)) {
      case 0: {
        n = packet::write_protected_header(out, {dcid, PathId{static_cast<std::uint32_t>(u64())}, u64()});
        const auto body = bytes(below(100));
        std::copy(body.begin(), body.end(), out.begin() + static_cast<std::ptrdiff_t>(n));
        n += body.size();
        break;
      }
      case 1: {
        const auto token = bytes(below(packet::kMaxTokenSize + 1));
        const auto hs = bytes(below(4) == 0 ? 1100 + below(400) : below(200));
        n = packet::write_initiation(out, dcid, other, token, hs);
        break;
      }
      case 2: n = packet::write_response(out, dcid, bytes(below(300))); break;
      case 3: n = packet::write_retry(out, dcid, other, bytes(below(packet::kMaxTokenSize + 1))); break;
      case 4: {
        std::array<std::byte, packet::kResetTokenSize> t{};
        for (auto& b : t) b = std::byte(below(256));
        n = packet::write_stateless_reset(out, dcid, t);
        break;
      }
      default: n = packet::write_version_mismatch(out, dcid); break;
    }
    EXPECT_GT(n, 0u);
    out.resize(n);
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(PacketProperty, RandomPacketsParseAndRewrite) {
  RandomPackets gen(0x9AC);
  std::array<int, std::variant_size_v<packet::Packet>> seen{};
  for (int i = 0; i < 3000; ++i) {
    const auto bytes = gen.datagram();
    const packet::Parsed p = packet::parse(bytes);
    ASSERT_TRUE(p.ok()) << "datagram " << i << ": " << packet::describe(p.error());
    ++seen[p.packet().index()];
    EXPECT_EQ(canonical_problem(bytes, p.packet()), "") << "datagram " << i;
    if (const auto* init = std::get_if<packet::Initiation>(&p.packet())) {
      packet::ForeignInitiation f;
      ASSERT_TRUE(packet::parse_foreign_initiation(bytes, f));
      EXPECT_EQ(f.version, packet::kVersion);
      EXPECT_EQ(f.dcid, init->dcid);
      EXPECT_EQ(f.scid, init->scid);
    }
  }
  for (std::size_t t = 0; t < seen.size(); ++t) EXPECT_GT(seen[t], 300) << "type " << t;
}

TEST(PacketProperty, MutatedDatagramsFailCleanlyOrRewrite) {
  // Flip, truncate, extend or overwrite a valid datagram: parse() either rejects it at an offset within the input
  // or accepts it, and then the canonical parts rewrite to the input.
  RandomPackets gen(0xBEEF);
  int rejected = 0, accepted = 0;
  for (int i = 0; i < 8000; ++i) {
    auto bytes = gen.datagram();
    switch (gen.below(5)) {
      case 0: bytes[gen.below(bytes.size())] ^= std::byte(1u << gen.below(8)); break;
      case 1: bytes.resize(gen.below(bytes.size())); break;
      case 2: bytes.push_back(std::byte(gen.below(4) == 0 ? 0 : gen.below(256))); break;
      case 3: bytes[gen.below(std::min<std::size_t>(bytes.size(), 24))] = std::byte(gen.below(256)); break;
      default: bytes[gen.below(bytes.size())] = std::byte(gen.below(256)); break;
    }
    const packet::Parsed p = packet::parse(bytes);
    if (!p.ok()) {
      ++rejected;
      EXPECT_LE(p.error().offset, bytes.size()) << "mutant " << i << ": " << packet::describe(p.error());
      EXPECT_FALSE(packet::describe(p.error()).empty());
      continue;
    }
    ++accepted;
    EXPECT_EQ(canonical_problem(bytes, p.packet()), "") << "mutant " << i;
  }
  EXPECT_GT(rejected, 2000);
  EXPECT_GT(accepted, 1000);
}

TEST(PacketProperty, RandomBytesFailCleanlyOrRewrite) {
  // Unstructured input, biased towards a valid first byte and type so that the type-specific paths are reached.
  RandomPackets gen(0x5151);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto bytes = gen.bytes(gen.below(4) == 0 ? 1200 + gen.below(100) : gen.below(48));
    if (bytes.size() >= 1 && gen.below(4) != 0) bytes[0] = std::byte{0xA2};
    if (bytes.size() >= 2 && gen.below(4) != 0) bytes[1] = std::byte(gen.below(7));
    if (bytes.size() > 40 && gen.below(2) == 0) std::fill(bytes.begin() + 40, bytes.end(), std::byte{0});
    const packet::Parsed p = packet::parse(bytes);
    packet::ForeignInitiation f;
    const bool foreign = packet::parse_foreign_initiation(bytes, f);
    if (foreign) {
      EXPECT_GE(bytes.size(), packet::kMinInitiationSize);
      EXPECT_EQ(bytes[1], std::byte{1});
      EXPECT_EQ(std::to_integer<std::uint8_t>(bytes[0]), 0xA0 | f.version);
    }
    if (!p.ok()) {
      EXPECT_LE(p.error().offset, bytes.size()) << "input " << i;
      if (p.error().code == ErrorCode::UnknownVersion && bytes.size() >= packet::kMinInitiationSize &&
          bytes[1] == std::byte{1}) {
        EXPECT_TRUE(foreign) << "input " << i;
      }
      continue;
    }
    ++accepted;
    EXPECT_EQ(canonical_problem(bytes, p.packet()), "") << "input " << i;
    EXPECT_EQ(foreign, std::holds_alternative<packet::Initiation>(p.packet())) << "input " << i;
  }
  EXPECT_GT(accepted, 500);
}

// ---- seed corpus -------------------------------------------------------------------------------------------------

// The fuzz seed corpus fuzz/corpus/packet/ is generated here (as wire_corpus_test.cpp does for fuzz/corpus/wire/):
// a few valid packets of each type and a few near misses. PROGMP_UPDATE_CORPUS=1 rewrites the files.
struct PacketSeed {
  std::string file;
  std::vector<std::byte> bytes;
  bool valid;
};

std::vector<PacketSeed> packet_seeds() {
  auto w = [](auto write) {
    std::vector<std::byte> out(70000);
    out.resize(write(std::span<std::byte>(out)));
    return out;
  };
  auto protected_packet = [&](packet::ProtectedHeader h, std::size_t ciphertext) {
    auto out = w([&](std::span<std::byte> o) { return packet::write_protected_header(o, h); });
    const auto body = pattern(ciphertext, 0x42);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  };
  const ConnectionId client{0xC11E47C11E47C11E}, server{0x5E4FE45E4FE45E4F}, random_id{0x4A4D0F4A4D0F4A4D};
  const auto handshake1 = pattern(96, 0x11);   // a Noise IK first message's size
  const auto handshake2 = pattern(64, 0x22);
  const auto token = pattern(40, 0x33);
  std::vector<PacketSeed> out = {
      {"protected.bin", protected_packet({server, PathId{1}, 0}, 1200), true},
      {"protected_ack_only.bin", protected_packet({server, PathId{2}, 0x123456}, 16 + 39), true},
      {"protected_extreme.bin", protected_packet({ConnectionId{~std::uint64_t{0}}, PathId{~std::uint32_t{0}},
                                                  ~std::uint64_t{0}}, 16), true},
      {"initiation.bin",
       w([&](std::span<std::byte> o) { return packet::write_initiation(o, random_id, client, {}, handshake1); }), true},
      {"initiation_token.bin",
       w([&](std::span<std::byte> o) { return packet::write_initiation(o, random_id, client, token, handshake1); }),
       true},
      {"initiation_large.bin",
       w([&](std::span<std::byte> o) {
         return packet::write_initiation(o, random_id, client, token, pattern(1300, 0x44));
       }),
       true},
      {"response.bin", w([&](std::span<std::byte> o) { return packet::write_response(o, client, handshake2); }), true},
      {"retry.bin", w([&](std::span<std::byte> o) { return packet::write_retry(o, client, random_id, token); }), true},
      {"retry_max_token.bin",
       w([&](std::span<std::byte> o) {
         return packet::write_retry(o, client, random_id, pattern(packet::kMaxTokenSize, 0x55));
       }),
       true},
      {"stateless_reset.bin",
       w([&](std::span<std::byte> o) { return packet::write_stateless_reset(o, server, reset_token(0x66)); }), true},
      {"version_mismatch.bin", w([&](std::span<std::byte> o) { return packet::write_version_mismatch(o, client); }),
       true},
      {"version_mismatch_many.bin", ByteBuilder().u8(0xA2).u8(0x05).u64(0xC11E47C11E47C11E).u8(3).u8(2).u8(3).u8(4)
                                        .bytes(), true},
  };
  // Near misses: an INITIATION of version 3 (parse_foreign_initiation's case), one byte short of the minimum, and
  // with non-zero padding; a RESPONSE with a trailing byte.
  auto v3 = out[3].bytes;
  v3[0] = std::byte{0xA3};
  out.push_back({"initiation_v3.bin", v3, false});
  auto short_init = out[3].bytes;
  short_init.pop_back();
  out.push_back({"initiation_short.bin", short_init, false});
  auto dirty = out[3].bytes;
  dirty.back() = std::byte{1};
  out.push_back({"initiation_dirty_padding.bin", dirty, false});
  auto trailing = out[6].bytes;
  trailing.push_back(std::byte{0});
  out.push_back({"response_trailing.bin", trailing, false});
  return out;
}

TEST(PacketCorpus, SeedFilesAreCurrent) {
  std::vector<SeedFile> files;
  std::array<bool, std::variant_size_v<packet::Packet>> types{};
  for (const PacketSeed& s : packet_seeds()) {
    const packet::Parsed p = packet::parse(s.bytes);
    EXPECT_EQ(p.ok(), s.valid) << s.file << (p.ok() ? "" : ": " + packet::describe(p.error()));
    if (p.ok()) {
      types[p.packet().index()] = true;
      EXPECT_EQ(canonical_problem(s.bytes, p.packet()), "") << s.file;
    }
    files.push_back({s.file, s.bytes});
  }
  for (std::size_t t = 0; t < types.size(); ++t) EXPECT_TRUE(types[t]) << "no seed of type " << t;
  check_or_update_corpus("packet", files);
}

}  // namespace
}  // namespace progmp::transport::testing

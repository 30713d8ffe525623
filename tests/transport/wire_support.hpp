// Helpers for the wire tests: a big-endian byte builder written independently of the codec (so that the decoder
// is checked against bytes laid out by hand from the diagram in wire.hpp), and encode/decode shorthands.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "progmp/transport/wire.hpp"

namespace progmp::transport::testing {

class ByteBuilder {
 public:
  ByteBuilder& u8(std::uint64_t v) { return put(v, 1); }
  ByteBuilder& u16(std::uint64_t v) { return put(v, 2); }
  ByteBuilder& u32(std::uint64_t v) { return put(v, 4); }
  ByteBuilder& u64(std::uint64_t v) { return put(v, 8); }
  ByteBuilder& zeros(std::size_t n) {
    bytes_.insert(bytes_.end(), n, std::byte{0});
    return *this;
  }
  // The version-1 header of connection 0x0102030405060708, path 0x0A0B0C0D.
  ByteBuilder& header() { return u8(0xA1).u8(0).u64(0x0102030405060708).u32(0x0A0B0C0D); }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  ByteBuilder& put(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) bytes_.push_back(std::byte((v >> (8 * i)) & 0xFF));
    return *this;
  }
  std::vector<std::byte> bytes_;
};

inline const wire::Header kHeader{ConnectionId{0x0102030405060708}, PathId{0x0A0B0C0D}};

// Encodes the frames into a fresh datagram; fails the test if any frame is refused.
inline std::vector<std::byte> encode(const wire::Header& header, const std::vector<wire::Frame>& frames) {
  std::vector<std::byte> buffer(70000);
  auto w = wire::Writer::begin(buffer, header);
  EXPECT_TRUE(w.has_value());
  if (!w) return {};
  for (const wire::Frame& f : frames) {
    const auto error = w->append(f);
    EXPECT_FALSE(error.has_value()) << "frame " << wire::frame_type_name(wire::frame_type(f)) << " refused";
  }
  return {w->bytes().begin(), w->bytes().end()};
}

inline std::vector<wire::Frame> frames_of(const wire::Datagram& d) {
  std::vector<wire::Frame> out;
  for (const wire::Frame& f : d.frames) out.push_back(f);
  return out;
}

}  // namespace progmp::transport::testing

// The fuzz seed corpus fuzz/corpus/wire/ is generated here, so the seeds always decode under the current format.
// A seed is a frame payload (the plaintext of a protected packet, wire.hpp), not a whole datagram. The test compares
// each seed file with the payload built below; run with PROGMP_UPDATE_CORPUS=1 to rewrite the files after a
// deliberate format change (as golden files are regenerated on purpose, style anchor 8).
#include <gtest/gtest.h>

#include <string>

#include "transport/wire_support.hpp"

namespace progmp::transport::testing {
namespace {

using namespace progmp::literals;

struct Seed {
  std::string file;
  std::vector<std::byte> bytes;
  bool valid;
};

std::vector<Seed> seeds() {
  static const std::vector<std::byte> payload = [] {
    std::vector<std::byte> v(1200);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::byte('a' + i % 26);
    return v;
  }();
  const std::span<const std::byte> p(payload);
  wire::Ack ack;
  ack.cumulative = 17;
  ack.data_ack = 24000;
  ack.window_end = 24000 + 4 * 1024 * 1024;
  ack.timestamp_echo = Instant::epoch() + 1500_ms;
  ack.ack_delay_us = 40000;
  ack.add_sack(19, 22);
  ack.add_sack(25, 26);
  ack.add_sack(30, 41);
  wire::Ack full;
  full.cumulative = 1000;
  full.data_ack = 1 << 24;
  full.window_end = wire::kMaxStreamOffset;
  for (std::uint64_t i = 0; i < wire::kMaxSackBlocks; ++i) full.add_sack(1002 + 10 * i, 1005 + 10 * i);

  std::vector<Seed> out = {
      {"data.bin", encode({wire::Timestamp{Instant::epoch() + 1_s}, wire::Data{0, 0, p, false, true}}), true},
      {"data_fin.bin", encode({wire::Data{41, 48000, p.first(300), true, true}}), true},
      {"bare_fin.bin", encode({wire::Data{42, 48300, {}, true, false}}), true},
      {"ack_sack.bin", encode({wire::Timestamp{Instant::epoch() + 1520_ms}, ack}), true},
      {"ack_full.bin", encode({full}), true},
      // The first packet on a new path: JOIN with its PATH_CHALLENGE (wire.hpp), and the answer.
      {"join.bin", encode({wire::Join{2, true}, wire::PathChallenge{0x8BADF00DDEADBEEF}, wire::Timestamp{}}), true},
      {"path_response.bin", encode({wire::PathResponse{0x8BADF00DDEADBEEF}, ack, wire::Ping{}}), true},
      {"control.bin",
       encode({wire::Backup{false}, wire::PathClose{3, wire::CloseCode::IdleTimeout},
               wire::ConnectionClose{wire::CloseCode::ProtocolViolation}, wire::Ping{}, wire::Padding{4}}),
       true},
      // A path MTU probe: a 1200-byte datagram is 22 header + 16 tag + 1162 frame bytes.
      {"mtu_probe.bin", encode({wire::Ping{}, wire::Padding{1200 - 22 - 16 - 1}}), true},
      {"data_and_ack.bin", encode({ack, wire::Data{7, 1200, p.first(100), false, false}}), true},
  };
  // Near misses, so that the fuzzer starts next to the error paths too.
  std::vector<std::byte> cut = out[3].bytes;
  cut.resize(cut.size() - 5);
  out.push_back({"ack_truncated.bin", cut, false});
  out.push_back({"sack_overlap.bin",
                 ByteBuilder().u8(0x03).u64(0).u64(0).u64(0).u64(0).u32(0).u8(2).u64(5).u64(9).u64(7).u64(12).bytes(),
                 false});
  out.push_back({"zero_subflow.bin", ByteBuilder().u8(0x04).u8(0x01).u32(0).u8(0x09).u64(1).bytes(), false});
  return out;
}

TEST(WireCorpus, SeedFilesAreCurrent) {
  std::vector<SeedFile> files;
  for (const Seed& s : seeds()) {
    const wire::DecodedFrames d = wire::decode_frames(s.bytes);
    EXPECT_EQ(d.ok(), s.valid) << s.file << (d.ok() ? "" : ": " + wire::describe(d.error()));
    files.push_back({s.file, s.bytes});
  }
  check_or_update_corpus("wire", files);
}

}  // namespace
}  // namespace progmp::transport::testing

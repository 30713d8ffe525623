// The fuzz seed corpus fuzz/corpus/wire/ is generated here, so the seeds always decode under the current format.
// The test compares each seed file with the datagram built below; run with PROGMP_UPDATE_CORPUS=1 to rewrite the
// files after a deliberate format change (as golden files are regenerated on purpose, style anchor 8).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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
  const wire::Header second_path{ConnectionId{0xC0FFEE}, PathId{2}};

  std::vector<Seed> out = {
      {"data.bin",
       encode(kHeader, {wire::Timestamp{Instant::epoch() + 1_s}, wire::Data{0, 0, p, false, true}}), true},
      {"data_fin.bin", encode(kHeader, {wire::Data{41, 48000, p.first(300), true, true}}), true},
      {"bare_fin.bin", encode(kHeader, {wire::Data{42, 48300, {}, true, false}}), true},
      {"ack_sack.bin", encode(kHeader, {wire::Timestamp{Instant::epoch() + 1520_ms}, ack}), true},
      {"ack_full.bin", encode(kHeader, {full}), true},
      {"join.bin", encode(second_path, {wire::Join{0x8BADF00DDEADBEEF, true}, wire::Timestamp{}}), true},
      {"control.bin",
       encode(second_path, {wire::Backup{false}, wire::Close{wire::CloseCode::IdleTimeout},
                            wire::Reset{wire::CloseCode::ProtocolViolation}, wire::Ping{}, wire::Padding{4}}),
       true},
      {"mtu_probe.bin", encode(kHeader, {wire::Ping{}, wire::Padding{1200 - wire::kHeaderSize - 1}}), true},
      {"data_and_ack.bin", encode(kHeader, {ack, wire::Data{7, 1200, p.first(100), false, false}}), true},
  };
  // Two near misses, so that the fuzzer starts next to the error paths too.
  std::vector<std::byte> cut = out[3].bytes;
  cut.resize(cut.size() - 5);
  out.push_back({"ack_truncated.bin", cut, false});
  out.push_back({"sack_overlap.bin",
                 ByteBuilder().header().u8(0x03).u64(0).u64(0).u64(0).u64(0).u32(0).u8(2).u64(5).u64(9).u64(7).u64(12)
                     .bytes(),
                 false});
  return out;
}

TEST(WireCorpus, SeedFilesAreCurrent) {
  const std::filesystem::path dir = std::filesystem::path(PROGMP_SOURCE_DIR) / "fuzz" / "corpus" / "wire";
  const char* update = std::getenv("PROGMP_UPDATE_CORPUS");
  const bool rewrite = update != nullptr && std::string(update) == "1";
  if (rewrite) std::filesystem::create_directories(dir);
  for (const Seed& s : seeds()) {
    EXPECT_EQ(wire::decode(s.bytes).ok(), s.valid) << s.file;
    const auto path = dir / s.file;
    if (rewrite) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size()));
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " is missing; run with PROGMP_UPDATE_CORPUS=1";
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(raw.size());
    std::transform(raw.begin(), raw.end(), bytes.begin(), [](char c) { return std::byte(c); });
    EXPECT_EQ(bytes, s.bytes) << path << " is stale; run with PROGMP_UPDATE_CORPUS=1";
  }
}

}  // namespace
}  // namespace progmp::transport::testing

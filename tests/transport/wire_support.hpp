// Helpers for the wire and packet tests: a big-endian byte builder written independently of the codecs (so that the
// decoders are checked against bytes laid out by hand from the diagrams in wire.hpp and packet.hpp), encode/decode
// shorthands for frame payloads, and a reader for the generated fuzz seed corpora.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
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
  ByteBuilder& raw(const std::vector<std::byte>& b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  ByteBuilder& put(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) bytes_.push_back(std::byte((v >> (8 * i)) & 0xFF));
    return *this;
  }
  std::vector<std::byte> bytes_;
};

// Encodes the frames into a fresh payload (the plaintext of a protected packet); fails the test if any frame is
// refused.
inline std::vector<std::byte> encode(const std::vector<wire::Frame>& frames) {
  std::vector<std::byte> buffer(70000);
  wire::FrameWriter w(buffer);
  for (const wire::Frame& f : frames) {
    const auto error = w.append(f);
    EXPECT_FALSE(error.has_value()) << "frame " << wire::frame_type_name(wire::frame_type(f)) << " refused";
  }
  return {w.bytes().begin(), w.bytes().end()};
}

inline std::vector<wire::Frame> frames_of(const wire::FrameRange& range) {
  std::vector<wire::Frame> out;
  for (const wire::Frame& f : range) out.push_back(f);
  return out;
}

// A generated seed corpus fuzz/corpus/<name>/: with PROGMP_UPDATE_CORPUS=1 the files are (re)written and files of
// no seed are deleted (the directory holds generated seeds only; scripts/test.sh fuzzes a scratch copy); otherwise
// each file must exist with exactly the seed's bytes, and no other file may be there.
struct SeedFile {
  std::string file;
  std::vector<std::byte> bytes;
};

inline void check_or_update_corpus(const std::string& name, const std::vector<SeedFile>& seeds) {
  const std::filesystem::path dir = std::filesystem::path(PROGMP_SOURCE_DIR) / "fuzz" / "corpus" / name;
  const char* update = std::getenv("PROGMP_UPDATE_CORPUS");
  const bool rewrite = update != nullptr && std::string(update) == "1";
  std::set<std::string> names;
  for (const SeedFile& s : seeds) EXPECT_TRUE(names.insert(s.file).second) << "duplicate seed " << s.file;
  if (rewrite) {
    std::filesystem::create_directories(dir);
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.is_regular_file() && names.count(entry.path().filename().string()) == 0) {
        std::filesystem::remove(entry.path());
      }
    }
  }
  for (const SeedFile& s : seeds) {
    const auto path = dir / s.file;
    if (rewrite) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size()));
      EXPECT_TRUE(out.good()) << path;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path << " is missing; run with PROGMP_UPDATE_CORPUS=1";
    if (!in) continue;
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(raw.size());
    std::transform(raw.begin(), raw.end(), bytes.begin(), [](char c) { return std::byte(c); });
    EXPECT_EQ(bytes, s.bytes) << path << " is stale; run with PROGMP_UPDATE_CORPUS=1";
  }
  if (!std::filesystem::is_directory(dir)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_TRUE(names.count(entry.path().filename().string()) == 1)
        << entry.path() << " is no seed of the current format; run with PROGMP_UPDATE_CORPUS=1 to delete it";
  }
}

}  // namespace progmp::transport::testing

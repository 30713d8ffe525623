// The application bytes of a simulation (private to src/sim): a fixed function of the stream offset with period
// 251 (a prime, so no power-of-two buffer boundary lines up with it). The sending side sends slices of it; the
// receiving side checks every byte it reads against it, so "delivered exactly once, in order, unchanged" is
// verified on every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace progmp::sim {

class StreamPattern {
 public:
  static constexpr std::size_t kPeriod = 251;
  static constexpr std::size_t kChunk = 64 * 1024;  // longest slice

  StreamPattern() : bytes_(kChunk + kPeriod) {
    for (std::size_t i = 0; i < bytes_.size(); ++i) bytes_[i] = byte_at(i);
  }
  static std::byte byte_at(std::uint64_t offset) { return static_cast<std::byte>((offset * 131 + 7) % kPeriod); }
  // The stream's bytes [offset, offset + n), n ≤ kChunk.
  std::span<const std::byte> slice(std::uint64_t offset, std::size_t n) const {
    return {bytes_.data() + offset % kPeriod, n};
  }

 private:
  std::vector<std::byte> bytes_;
};

class StreamChecker {
 public:
  // Bytes read at `offset`; every call must continue where the previous one ended.
  void check(std::uint64_t offset, std::span<const std::byte> bytes) {
    if (offset != next_) intact_ = false;
    for (std::size_t done = 0; done < bytes.size();) {
      const std::size_t n = std::min(bytes.size() - done, StreamPattern::kChunk);
      if (std::memcmp(bytes.data() + done, pattern_.slice(offset + done, n).data(), n) != 0) intact_ = false;
      done += n;
    }
    next_ = offset + bytes.size();
  }
  bool intact() const { return intact_; }
  std::uint64_t checked() const { return next_; }

 private:
  StreamPattern pattern_;
  std::uint64_t next_ = 0;
  bool intact_ = true;
};

}  // namespace progmp::sim

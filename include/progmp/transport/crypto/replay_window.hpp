// Replay protection for one direction of one path: remembers which of the last 2048 packet numbers were accepted, as
// a ring of 64-bit blocks (RFC 6479): constant time per packet, no allocation, 33 × 8 bytes.
//
// Use: check fresh() BEFORE decrypting (cheap rejection of duplicates and stale packets) and call accept() only AFTER
// the packet authenticated. Accepting before authentication would let a forged packet with a huge packet number
// slide the window forward and make every genuine packet look stale.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace progmp::transport::crypto {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kWindow = 2048;

  // True if `pn` was never accepted and is within the window: newer than highest(), or at least highest() - 2047.
  // Everything is fresh in an empty window.
  bool fresh(std::uint64_t pn) const;
  // Records `pn`; precondition fresh(pn) (a number that is not fresh is ignored, so the window stays consistent).
  void accept(std::uint64_t pn);
  std::uint64_t highest() const { return highest_; }  // 0 while empty()
  bool empty() const { return empty_; }

 private:
  // One block more than the window needs: the 2048 numbers of a window that is not 64-aligned touch 33 blocks.
  static constexpr std::size_t kBlocks = kWindow / 64 + 1;
  static_assert(kWindow % 64 == 0);

  std::array<std::uint64_t, kBlocks> bits_{};
  std::uint64_t highest_ = 0;
  bool empty_ = true;
};

}  // namespace progmp::transport::crypto

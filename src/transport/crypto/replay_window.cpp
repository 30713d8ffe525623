#include "progmp/transport/crypto/replay_window.hpp"

namespace progmp::transport::crypto {

namespace {
constexpr std::uint64_t bit_of(std::uint64_t pn) { return std::uint64_t{1} << (pn % 64); }
}  // namespace

bool ReplayWindow::fresh(std::uint64_t pn) const {
  if (empty_ || pn > highest_) return true;
  if (highest_ - pn >= kWindow) return false;
  return (bits_[(pn / 64) % kBlocks] & bit_of(pn)) == 0;
}

void ReplayWindow::accept(std::uint64_t pn) {
  if (!fresh(pn)) return;
  if (empty_) {
    bits_.fill(0);
    empty_ = false;
    highest_ = pn;
  } else if (pn > highest_) {
    // Clear the blocks the window slides into: they still hold numbers a whole ring older.
    const std::uint64_t current = highest_ / 64;
    const std::uint64_t target = pn / 64;
    const std::uint64_t slide = target - current < kBlocks ? target - current : kBlocks;
    for (std::uint64_t i = 1; i <= slide; ++i) bits_[(current + i) % kBlocks] = 0;
    highest_ = pn;
  }
  bits_[(pn / 64) % kBlocks] |= bit_of(pn);
}

}  // namespace progmp::transport::crypto

// The decaying one-second byte-rate estimator of runtime.md §3.2 (BW_OUT_SEND, BW_OUT_ACK). Integer arithmetic
// with 128-bit intermediates so that large byte counts cannot overflow; results truncate.
#pragma once

#include <cstdint>

namespace progmp::runtime {

class RateEstimator {
 public:
  static constexpr std::int64_t kWindowUs = 1'000'000;

  // A sample of `bytes` at time `t_us`: restarts after a gap of a second or more, else decays and adds.
  void sample(std::int64_t t_us, std::uint64_t bytes);
  // Bytes per second as of `t_us` (the snapshot time): 0 when empty or older than one second.
  std::int64_t value(std::int64_t t_us) const;
  // Sets the state directly (the playground seeds `acc` = the view's value at the view's time).
  void seed(std::uint64_t acc, std::int64_t last_us) {
    acc_ = acc;
    last_us_ = last_us;
    has_last_ = true;
  }
  void reset() { *this = RateEstimator{}; }

 private:
  std::uint64_t acc_ = 0;
  std::int64_t last_us_ = 0;
  bool has_last_ = false;
};

}  // namespace progmp::runtime

// Decaying one-second estimator (runtime.md §3.2).
#include "progmp/runtime/estimator.hpp"

namespace progmp::runtime {
namespace {
using u128 = unsigned __int128;
}

void RateEstimator::sample(std::int64_t t_us, std::uint64_t bytes) {
  if (!has_last_ || t_us - last_us_ >= kWindowUs) {
    acc_ = bytes;
  } else {
    // t − last < 1 s; a clock that went backwards is treated as no elapsed time.
    const std::int64_t dt = t_us > last_us_ ? t_us - last_us_ : 0;
    const u128 decayed = static_cast<u128>(acc_) * static_cast<u128>(kWindowUs - dt) / kWindowUs;
    const u128 sum = decayed + bytes;
    acc_ = sum > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(sum);
  }
  last_us_ = t_us;
  has_last_ = true;
}

std::int64_t RateEstimator::value(std::int64_t t_us) const {
  if (!has_last_ || t_us - last_us_ > kWindowUs) return 0;
  const std::int64_t dt = t_us > last_us_ ? t_us - last_us_ : 0;
  const u128 v = static_cast<u128>(acc_) * static_cast<u128>(kWindowUs - dt) / kWindowUs;
  return v > static_cast<u128>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace progmp::runtime

// The transport's RandomSource on real networks: the operating system's cryptographically secure generator, via
// libsodium (randombytes_buf, i.e. getrandom()). Connection IDs, keys and path challenges must be unpredictable.
// Constructing one initialises libsodium and aborts the process if that is impossible: without a secure random
// source the driver must not run at all.
#pragma once

#include <cstddef>
#include <span>

#include "progmp/transport/random.hpp"

namespace progmp::net {

class SystemRandom final : public progmp::transport::RandomSource {
 public:
  SystemRandom();
  void fill(std::span<std::byte> out) override;
};

}  // namespace progmp::net

// The real-time clock of the UDP driver: CLOCK_MONOTONIC in nanoseconds. The transport's Instants on real networks
// are this value (its epoch is the machine's boot; only differences matter).
#pragma once

#include <cstdint>

namespace progmp::net {

std::int64_t monotonic_now_ns();

}  // namespace progmp::net

// Stream output of the unit types, for test failure messages and traces. Picks the largest unit that keeps the value
// exact, so a printed value reads back to the same number.
#include "progmp/transport/units.hpp"

#include <ostream>

namespace progmp::transport {

std::ostream& operator<<(std::ostream& os, Duration d) {
  const std::int64_t ns = d.ns();
  if (ns != 0 && ns % 1'000'000'000 == 0) return os << ns / 1'000'000'000 << "s";
  if (ns != 0 && ns % 1'000'000 == 0) return os << ns / 1'000'000 << "ms";
  if (ns != 0 && ns % 1'000 == 0) return os << ns / 1'000 << "us";
  return os << ns << "ns";
}

std::ostream& operator<<(std::ostream& os, Instant t) { return os << "t+" << (t - Instant::epoch()); }

std::ostream& operator<<(std::ostream& os, Bytes b) { return os << b.count() << "B"; }

std::ostream& operator<<(std::ostream& os, DataRate r) {
  const std::uint64_t bps = r.bps();
  if (bps != 0 && bps % 1'000'000'000 == 0) return os << bps / 1'000'000'000 << "gbps";
  if (bps != 0 && bps % 1'000'000 == 0) return os << bps / 1'000'000 << "mbps";
  if (bps != 0 && bps % 1'000 == 0) return os << bps / 1'000 << "kbps";
  return os << bps << "bps";
}

}  // namespace progmp::transport

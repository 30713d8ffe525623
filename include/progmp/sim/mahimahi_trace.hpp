// Trace-driven link rate in the Mahimahi packet-delivery format: one integer millisecond timestamp per line, each
// line one delivery opportunity for one MTU-sized packet. Timestamps are non-decreasing (repeats mean several
// opportunities in the same millisecond). As in Mahimahi the trace loops with period = the last timestamp, and an
// opportunity that finds the queue empty is wasted.
// Simplification (documented in docs/simulator.md): one opportunity carries one packet of any size up to the MTU,
// rather than Mahimahi's byte-accurate packing of several small packets into one opportunity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/sim/simulator.hpp"

namespace progmp::sim {

class MahimahiTrace {
 public:
  static constexpr std::int64_t kMaxTimestampMs = 86'400'000;
  // Parses trace text. Error contract: returns false and sets `error` to "LINE: message" (1-based line) for a
  // non-numeric line, a timestamp beyond kMaxTimestampMs, a decreasing timestamp, or a trace with no opportunity or a zero period. Blank lines are
  // skipped. Never throws.
  static bool parse(std::string_view text, MahimahiTrace& out, std::string& error);
  // Reads and parses a file; errors are "FILE:LINE: message" (or "FILE: cannot open file").
  static bool load(const std::string& path, MahimahiTrace& out, std::string& error);

  const std::vector<std::int64_t>& timestamps_ms() const { return ms_; }
  Duration period() const { return Duration::millis(ms_.back()); }

  // Cursor over the looping trace; each next() call consumes one opportunity.
  class Cursor {
   public:
    explicit Cursor(const MahimahiTrace& trace) : trace_(&trace) {}
    // The earliest unused opportunity at or after `t`, which is then consumed. Opportunities before t are wasted.
    Instant next(Instant t);

   private:
    const MahimahiTrace* trace_;
    std::size_t index_ = 0;
    std::int64_t loop_ = 0;
  };

 private:
  std::vector<std::int64_t> ms_;
};

}  // namespace progmp::sim

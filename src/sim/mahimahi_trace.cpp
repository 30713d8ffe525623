// Mahimahi trace parsing and the looping opportunity cursor (format in mahimahi_trace.hpp).
#include "progmp/sim/mahimahi_trace.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace progmp::sim {

bool MahimahiTrace::parse(std::string_view text, MahimahiTrace& out, std::string& error) {
  out.ms_.clear();
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc{} || ptr != line.data() + line.size() || v < 0) {
      error = std::to_string(line_no) + ": expected a non-negative millisecond timestamp, got '" + std::string(line) +
              "'";
      return false;
    }
    // One day, the longest scenario (scenario.hpp); also keeps loop arithmetic in ns far from overflow.
    if (v > kMaxTimestampMs) {
      error = std::to_string(line_no) + ": timestamp " + std::to_string(v) + " exceeds one day (" +
              std::to_string(kMaxTimestampMs) + " ms)";
      return false;
    }
    if (!out.ms_.empty() && v < out.ms_.back()) {
      error = std::to_string(line_no) + ": timestamp " + std::to_string(v) + " is smaller than the previous one (" +
              std::to_string(out.ms_.back()) + ")";
      return false;
    }
    out.ms_.push_back(v);
  }
  if (out.ms_.empty()) {
    error = std::to_string(line_no) + ": trace has no delivery opportunity";
    return false;
  }
  if (out.ms_.back() == 0) {
    error = std::to_string(line_no) + ": last timestamp must be positive (it is the loop period)";
    return false;
  }
  return true;
}

bool MahimahiTrace::load(const std::string& path, MahimahiTrace& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open file";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (parse(ss.str(), out, error)) return true;
  error = path + ":" + error;
  return false;
}

Instant MahimahiTrace::Cursor::next(Instant t) {
  const auto& ms = trace_->ms_;
  const std::int64_t period_ns = ms.back() * 1'000'000;
  const std::int64_t target = t.ns_since_epoch();
  // Jump whole loops that lie entirely before t, so a long idle period costs O(1).
  if (loop_ * period_ns + ms.back() * 1'000'000 < target) {
    loop_ = target / period_ns;
    index_ = 0;
  }
  for (;;) {
    const std::int64_t at = loop_ * period_ns + ms[index_] * 1'000'000;
    if (++index_ == ms.size()) {
      index_ = 0;
      ++loop_;
    }
    if (at >= target) return Instant::from_nanos(at);
  }
}

}  // namespace progmp::sim

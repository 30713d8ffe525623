// The text report of a profile (progmp/runtime/profile_report.hpp).
#include "progmp/runtime/profile_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "profile_lines.hpp"

namespace progmp::runtime {

std::string format_profile_header(const ProgramProfile& p) {
  const double n = static_cast<double>(p.executions);
  std::string out = fmt::format("profile {}: {} executions, {:.3f} ms ({:.0f} ns per execution), {:.2f} steps per "
                                "execution\n",
                                p.label, p.executions, static_cast<double>(p.time_ns) / 1e6,
                                p.executions ? static_cast<double>(p.time_ns) / n : 0.0,
                                p.executions ? static_cast<double>(p.steps) / n : 0.0);
  out += "ends:";
  bool any = false;
  for (int e = 0; e < kExecEndCount; ++e) {
    if (p.ends[static_cast<std::size_t>(e)] == 0) continue;
    out += fmt::format("{} {} {}", any ? "," : "", exec_end_name(static_cast<ExecEnd>(e)),
                       p.ends[static_cast<std::size_t>(e)]);
    any = true;
  }
  out += any ? "\n" : " none\n";
  return out;
}

std::string format_profile_source(const ProgramProfile& p) {
  const std::vector<std::string_view> text = split_lines(p.source);
  const std::vector<std::optional<std::uint64_t>> counts = p.line_counts();
  const std::size_t n = std::max(text.size(), counts.size());
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::optional<std::uint64_t> c = i < counts.size() ? counts[i] : std::nullopt;
    const std::string count = !c ? std::string() : *c == 0 ? std::string("#####") : std::to_string(*c);
    const std::string_view line = i < text.size() ? text[i] : std::string_view();
    // No trailing blanks after the separator when the source line is empty.
    out += fmt::format("{:>9} | {:>4} |{}{}\n", count, i + 1, line.empty() ? "" : " ", line);
  }
  return out;
}

std::string format_profile(const ProgramProfile& p) { return format_profile_header(p) + format_profile_source(p); }

}  // namespace progmp::runtime

// Mapping instruction counts back to source lines (progmp/runtime/profile.hpp).
#include "progmp/runtime/profile.hpp"

#include <algorithm>

#include "profile_lines.hpp"

namespace progmp::runtime {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<std::optional<std::uint64_t>> ProgramProfile::line_counts() const {
  std::uint32_t n = static_cast<std::uint32_t>(split_lines(source).size());
  const std::size_t instrs = std::min(instr_lines.size(), instr_counts.size());
  // Without the text, still give every line the IR mentions.
  for (std::size_t pc = 0; pc < instrs; ++pc) n = std::max(n, instr_lines[pc]);
  std::vector<std::optional<std::uint64_t>> out(n);
  // The first instruction of a line is its statement's entry: lowering emits it first, and the passes never move an
  // instruction ahead of another (they remove, replace in place or merge into an existing instruction).
  for (std::size_t pc = 0; pc < instrs; ++pc) {
    const std::uint32_t line = instr_lines[pc];
    if (line == 0 || out[line - 1]) continue;
    out[line - 1] = instr_counts[pc];
  }
  return out;
}

}  // namespace progmp::runtime

// Where the runtime's observable text goes: the JSON-lines trace (runtime.md §12) and the process log of runtime
// diagnostics. Both are plain interfaces owned by the caller; the runtime never closes or frees them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace progmp::runtime {

// Receives one JSON object per call, without the trailing newline.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void write(std::string_view line) = 0;
};

// Collects the lines in memory (tests, tools).
class MemoryTraceSink final : public TraceSink {
 public:
  void write(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

// Trace levels (§12.1): 0 print, print_suppressed, diag and load records; 1 also round records; 2 also exec records.
inline constexpr int kTraceLevelMax = 2;

// The process log: one line per runtime diagnostic, `progmp: conn <i> [<name>@<v>]: <severity>[<code>]: <msg>`,
// without a newline. The default writes the line and a newline to stderr.
using LogSink = std::function<void(std::string_view line)>;
LogSink stderr_log_sink();

}  // namespace progmp::runtime

// The playground behind `progmp run` (runtime.md §14): a JSON scheduler view (§14.2) is validated and turned into
// a connection, one round of up to N executions runs against it with the same settle/apply code as live
// connections (§14.3), and the result is reported as the JSON object of §14.4 or as readable text.
//
// Usage: parse_view(text) → run_playground(code, name, view, options) → playground_json / playground_text.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "progmp/runtime/program.hpp"
#include "progmp/runtime/round.hpp"

namespace progmp::runtime {

struct ViewSubflow {
  std::int64_t id = 0;
  std::int64_t rtt = 10000;
  std::int64_t rtt_var = 0;
  std::int64_t cwnd = 10;
  std::int64_t ssthresh = 2147483647;
  std::int64_t skbs_in_flight = 0;
  std::int64_t queued = 0;
  std::int64_t lost_skbs = 0;
  bool is_backup = false;
  bool throttled = false;
  bool lossy = false;
  std::optional<std::int64_t> delay_in;
  std::optional<std::int64_t> delay_out;
  std::int64_t bw_out_send = 0;
  std::int64_t bw_out_ack = 0;
  std::int64_t bw = 0;
  std::int64_t loss_rate = 0;
  std::int64_t user = 0;
};

struct ViewPacket {
  std::int64_t seq = 0;
  std::int64_t length = 0;
  std::int64_t user = 0;
  bool psh = false;
  std::int64_t age_ms = 0;
  std::vector<std::int64_t> sent_on;    // ascending
  std::vector<std::int64_t> queued_on;  // ascending, ⊆ sent_on
  bool in_q = false;
  bool in_qu = false;
  bool in_rq = false;
};

// A validated view. Subflows ascending by id, packets (each distinct packet once) ascending by SEQ.
struct PlaygroundView {
  std::int64_t version = 1;
  std::int64_t time_ms = 0;
  std::array<std::int64_t, 6> registers{};
  std::uint64_t random_seed = 0;
  std::int64_t window_end = INT64_MAX;  // INT64_MAX: unlimited (null)
  std::int64_t mss = 1400;
  std::vector<ViewSubflow> subflows;
  std::vector<ViewPacket> packets;
};

struct ViewError {
  std::string pointer;  // RFC 6901 JSON pointer, "" for the whole document
  std::string problem;
  // "<file>: <pointer>: <problem>", the message `progmp run` prints.
  std::string message(std::string_view file) const;
};

struct ViewParse {
  std::optional<PlaygroundView> view;
  std::optional<ViewError> error;  // set iff !view
};

// Parses and validates a view: unknown or duplicate keys, wrong types, numbers with a fraction or exponent,
// out-of-range values and the consistency rules of §14.2 are errors; the first one in document order (syntax and
// duplicates first, then field checks, then consistency checks) is reported.
ViewParse parse_view(std::string_view json);

// The canonical JSON form of a view (§14.2): every key, arrays sorted, RQ as bare SEQs, one line.
std::string view_to_json(const PlaygroundView& view);

struct PlaygroundOptions {
  std::uint64_t executions = 1;              // N ≥ 1
  EngineChoice engine = EngineChoice::Interp;
};

struct PlaygroundExecution {
  std::uint32_t index = 0;
  ExecEnd end = ExecEnd::End;
  bool aborted = false;
  std::uint64_t steps = 0;
  std::vector<ActionReport> actions;
  std::vector<PopReport> pops;
  std::array<std::int64_t, 6> registers{};
  std::vector<std::string> prints;
  Progress progress = Progress::None;
  std::uint32_t discarded = 0;
  std::vector<std::string> discarded_prints;
};

struct PlaygroundResult {
  std::string scheduler;
  std::vector<PlaygroundExecution> executions;
  RoundEnd round_end = RoundEnd::NoProgress;
  PlaygroundView view_after;
  std::vector<std::string> runtime_diagnostics;  // process-log lines of R0001…R0004 raised by the round
  std::string engine_error;  // non-empty: the chosen engine cannot run the program (nothing was run)
};

// Runs one round over the view. `code` must have compiled (code.ok).
PlaygroundResult run_playground(const CompiledCode& code, std::string_view name, const PlaygroundView& view,
                                const PlaygroundOptions& options);

// §14.4: {"status":"ok","scheduler":…,"diagnostics":…,"executions":[…],"round_end":…,"view_after":{…}} on one
// line. `diagnostics_json` is the warnings array in the JSON form of language.md §14.2.
std::string playground_json(const PlaygroundResult& result, std::string_view diagnostics_json);
// {"status":"compile_error","scheduler":…,"diagnostics":[…]}
std::string playground_compile_error_json(std::string_view scheduler, std::string_view diagnostics_json);
// A readable report (not a stable format).
std::string playground_text(const PlaygroundResult& result);

}  // namespace progmp::runtime

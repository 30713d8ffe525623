// Statistics (runtime.md §13): per connection and per scheduler version. Every counter is unsigned 64-bit; the
// JSON keys are the member names. Time values are wall-clock and therefore not deterministic.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace progmp::runtime {

struct Stats {
  std::uint64_t rounds = 0;
  std::uint64_t executions = 0;            // including aborted ones
  std::uint64_t executions_aborted = 0;
  std::uint64_t executions_rerouted = 0;   // answered Unsupported, then run on the interpreter (§7.6)
  std::uint64_t exec_time_ns_total = 0;
  std::uint64_t exec_time_ns_max = 0;
  std::array<std::uint64_t, 32> exec_time_hist{};  // [i]: executions taking [2^i, 2^(i+1)) ns (0 ns → [0])
  std::uint64_t steps = 0;
  std::uint64_t actions_push = 0;          // actions of non-aborted executions
  std::uint64_t actions_drop = 0;
  std::uint64_t actions_set_user = 0;
  std::uint64_t pushes_queued = 0;
  std::uint64_t pushes_deduplicated = 0;
  std::uint64_t drop_refused = 0;
  std::uint64_t pops_returned = 0;         // Q and RQ pops with outcome returned
  std::uint64_t budget_exhausted = 0;
  std::uint64_t fallbacks = 0;
  std::uint64_t bytes_pushed = 0;
  std::uint64_t bytes_pushed_new = 0;
  std::uint64_t bytes_redundant = 0;
  std::uint64_t prints = 0;
  std::uint64_t prints_suppressed = 0;

  void add(const Stats& o);                // sums counters, max of exec_time_ns_max
  void add_exec_time(std::uint64_t ns);    // total, max and histogram
};

struct ConnectionStats : Stats {
  // Every subflow the connection has created, ascending ID, with its bytes of queued PUSHes.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> bytes_pushed_by_subflow;
};

struct SchedulerStats : Stats {
  std::uint64_t connections = 0;        // using this version now
  std::uint64_t connections_total = 0;  // ever used it
};

// One JSON object, keys in the order of §13, one line.
std::string to_json(const ConnectionStats& s);
std::string to_json(const SchedulerStats& s);

}  // namespace progmp::runtime

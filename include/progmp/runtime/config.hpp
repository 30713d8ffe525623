// Limits and parameters of one runtime instance (runtime.md §10.1, §16). All have the spec's defaults; tests and
// the simulator lower them to provoke the limits cheaply.
#pragma once

#include <cstdint>

namespace progmp::runtime {

struct RuntimeConfig {
  std::uint64_t max_steps_per_execution = 1'000'000;     // MAX_STEPS_PER_EXECUTION
  std::uint64_t max_steps_per_round = 67'108'864;        // MAX_STEPS_PER_ROUND
  std::uint64_t max_executions_per_round = 262'144;      // upper bound of the execution cap (§6.1)
  std::uint64_t exec_cap_base = 1024;                    // cap = min(max, base + per_item × items × max(1,|SUBFLOWS|))
  std::uint64_t exec_cap_per_item = 8;
  std::uint32_t state_only_streak = 5;                   // consecutive state-only executions per round
  std::uint32_t fallback_after = 3;                      // exhaustions before the fallback (N)
  std::int64_t idle_tick_ms = 20;                        // idle timer (§5)
  std::int64_t stall_warn_ms = 5000;                     // R0004 (§9)
  std::uint64_t snd_buf_bytes = 4u << 20;                // send buffer: bound on unacknowledged bytes (§11.1)
  std::uint64_t runtime_seed = 0;                        // seeds every connection's generator (§7.4)
  bool print_rate_limit = true;                          // §12.2; the playground turns it off (§14.3)
  std::int64_t print_lines_per_second = 100;
  std::int64_t print_burst = 200;
};

}  // namespace progmp::runtime

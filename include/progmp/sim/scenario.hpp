// A simulation scenario as plain data, parsed and validated from TOML (docs/scenarios.md lists every key, default
// and unit). Units are the file's (Mbit/s, ms, s, KiB) so that a Scenario prints back as its file reads; builders
// convert to units.hpp types when they wire links.
//
// Error contract of every function here: returns false and sets `error` to "FILE:LINE:COL: message" (the position
// of the offending key or value; TOML syntax errors likewise), leaving `out` unspecified. Never throws: toml++ is
// built with exceptions, so its parse_error is caught at the boundary. Parsing stops at the first error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "progmp/sim/link.hpp"

namespace progmp::sim {

// One direction's settings in file units.
struct LinkSpec {
  double rate_mbit = 10;
  double delay_ms = 10;
  double jitter_ms = 0;
  double loss = 0;                // probability per packet (Bernoulli p, or Gilbert-Elliott's loss_bad)
  std::string loss_model = "bernoulli";  // "bernoulli" | "gilbert"
  double gilbert_p = 0;           // P(Good→Bad)
  double gilbert_r = 1;           // P(Bad→Good)
  double gilbert_loss_good = 0;
  std::uint64_t queue_pkts = 100;
  std::uint64_t queue_bytes = 0;  // 0 = no byte limit
  std::string trace;              // Mahimahi trace file (relative to the scenario file); empty = fixed rate
  // The model the link runs (loss 0 → none).
  LossModel loss_model_value() const;
  // The link configuration (trace must be attached by the caller, which owns the parsed trace).
  LinkConfig to_config() const;
};

// A [[path.change]] entry: engaged fields change at at_s (on both directions unless reverse_ is given).
struct PathChange {
  double at_s = 0;
  std::optional<double> rate_mbit, delay_ms, loss;
  std::optional<bool> up;
  LinkChange to_link_change() const;
};

struct PathSpec {
  std::string name;
  bool backup = false;
  LinkSpec forward;
  LinkSpec reverse;  // defaults to forward's values; reverse_<key> overrides one
  std::vector<PathChange> changes;
};

struct TransportSpec {
  std::string cc = "lia";
  std::uint32_t mss = 1400;
  std::uint64_t rcv_buf_kb = 4096;
  std::uint64_t snd_buf_kb = 4096;
  bool encrypt = false;              // real ChaCha20-Poly1305 on every packet (off: same sizes, no cost)
  std::int64_t path_timeout_ms = 0;  // silent-path detection (TransportConfig::path_timeout); 0 = off
  bool pacing = false;
};

struct SchedulerSpec {
  std::string file;  // exactly one of file / name; both empty = the runtime's default scheduler
  std::string name;
  std::vector<std::int64_t> registers;  // at most 6 (R1..R6)
};

// An application signal to the scheduler: at at_s, set register R<reg> (1..6) to value ([[workload.signal]]).
struct RegisterSignal {
  double at_s = 0;
  int reg = 1;
  std::int64_t value = 0;
};

struct BulkWorkload {
  std::uint64_t bytes = 0;  // 0 = send until the scenario ends
  double start_s = 0;
  std::vector<RegisterSignal> signals;
};
struct FlowsWorkload {
  std::vector<std::uint64_t> sizes;  // request sizes in bytes, used in order (cycled up to count)
  std::uint64_t count = 0;           // 0 = sizes.size()
  std::string arrival = "sequential";  // "sequential" | "poisson"
  double rate_per_s = 1;             // Poisson arrival rate
  double start_s = 0;
  int end_of_flow_register = 0;      // 1..6: set to 1 when a flow's last byte is written, 0 when the next starts
  std::vector<RegisterSignal> signals;
};
struct CbrPhase {
  double at_s = 0;
  double rate_mbyte_s = 1;
};
struct CbrWorkload {
  std::vector<CbrPhase> phases;    // at least one; sorted by at_s
  std::uint64_t block_bytes = 1024;
  std::uint32_t slices_per_s = 10;
  std::int64_t user = 0;
  int target_register = 0;         // 1..6: set to each phase's rate in bytes/s when it starts (TAP's target)
  std::vector<RegisterSignal> signals;
};
struct MessagesWorkload {
  std::uint64_t count = 100;
  std::uint64_t size = 1000;
  double interval_ms = 100;
  std::int64_t user = 0;
  double start_s = 0;
  // If set, each message's USER is its absolute deadline in ms: due time + deadline_ms (deadline_aware).
  std::optional<std::int64_t> deadline_ms;
  std::vector<RegisterSignal> signals;
};
struct Http2Workload {
  std::uint64_t html_bytes = 20'000;      // HTML + headers carrying the dependency information
  std::uint64_t critical_bytes = 200'000; // CSS/JS needed for the initial view
  std::uint64_t images_bytes = 800'000;   // non-critical images
  double start_s = 0;
  int dependency_register = 1;            // set to the stream offset where the HTML ends (http2_aware's R1)
  std::vector<RegisterSignal> signals;
};
using Workload = std::variant<BulkWorkload, FlowsWorkload, CbrWorkload, MessagesWorkload, Http2Workload>;

struct Scenario {
  std::string name;
  double duration_s = 10;
  std::uint64_t seed = 1;
  std::vector<PathSpec> paths;
  TransportSpec transport;
  SchedulerSpec scheduler;
  std::vector<Workload> workloads;
  // The TOML text of each [[workload]] table (as parsed), so that --set workload.<i>.<key> can re-validate it.
  std::vector<std::string> workload_tables;
};

// Parses TOML text; `file_name` only labels error messages.
bool parse_scenario(std::string_view text, std::string_view file_name, Scenario& out, std::string& error);
// Reads and parses a file.
bool load_scenario(const std::string& path, Scenario& out, std::string& error);
// Applies "key=value" (the CLI's --set): keys name, duration_s, seed, transport.<k>, scheduler.<k>,
// path.<index|name>.<k> for any path key, path.*.<k> for every path, workload.<index>.<k> for a top-level key of a
// [[workload]] table (e.g. workload.0.sizes=[1000]); the value is a TOML value ("20", "0.02", "\"cubic\"", "true", "[1,2]").
// Errors are "--set KEY: message".
bool apply_override(Scenario& scenario, std::string_view assignment, std::string& error);

}  // namespace progmp::sim

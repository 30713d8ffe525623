// Running a sweep and what it produces: one row per run (results.json, results.csv), aggregates over repetitions
// (aggregates.csv) and the verdicts of the claims.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "progmp/experiment/experiment.hpp"

namespace progmp::experiment {

struct Row {
  RunSpec spec;
  std::uint64_t seed = 0;
  nlohmann::json result;  // the `progmp sim --json` object (per-flow lists removed)
  std::string error;      // non-empty if the run could not start
};

// Turns a scheduler name of the experiment into (registration name, source); empty source = built-in.
using SchedulerResolver =
    std::function<bool(const std::string& name, std::string& reg_name, std::string& source, std::string& error)>;

struct SweepOptions {
  unsigned jobs = 1;
  unsigned shard = 0, shards = 1;  // run only indexes ≡ shard (mod shards)
  std::function<void(std::size_t done, std::size_t total)> progress;  // called from worker threads, serialised
};

// Runs the selected runs in parallel; rows come back in run order.
std::vector<Row> run_sweep(const Experiment& e, const SchedulerResolver& resolve, const SweepOptions& options);

// Result columns: the JSON object flattened with '.'-joined keys; path lists keyed by name
// (paths.wifi.bytes_sent), workload lists by index (workloads.0.fct_ms_mean); per-flow lists and the time series
// left out (flows are summarised by fct_ms_mean/p50/p95).
std::map<std::string, nlohmann::json> flatten(const nlohmann::json& result);

// Writes results.json and results.csv into `dir` (created).
bool write_results(const std::filesystem::path& dir, const Experiment& e, const std::vector<Row>& rows,
                   std::string& error);
// Reads results.json of a previous (possibly sharded) run; rows are appended.
bool read_results(const std::filesystem::path& dir, std::vector<Row>& rows, std::string& experiment_file,
                  std::string& error);

struct Aggregate {
  std::vector<std::string> point;  // axis values
  std::string scheduler;
  std::string metric;
  std::size_t n = 0;
  double mean = 0, median = 0, p5 = 0, p95 = 0, ci95 = 0;  // ci95: half-width, Student t over repetitions
};

// Every numeric column of the rows, per grid point and scheduler.
std::vector<Aggregate> aggregate(const Experiment& e, const std::vector<Row>& rows);
bool write_aggregates(const std::filesystem::path& dir, const Experiment& e, const std::vector<Aggregate>& a,
                      std::string& error);

struct ClaimVerdict {
  bool holds = false;
  std::string detail;  // the numbers, one line per grid point checked
};
std::vector<ClaimVerdict> check_claims(const Experiment& e, const std::vector<Aggregate>& a);

}  // namespace progmp::experiment

// An experiment: a scenario template swept over a parameter grid × schedulers × seeded repetitions, with the plots
// to draw and the paper's claims to check (docs/experiments.md has the file format).
//
// Determinism: the runs of an experiment are numbered in a fixed order (grid points in file order, the last axis
// fastest; then schedulers; then repetitions), run r of a point uses seed base_seed + r, and every run owns a fresh
// simulator and runtime, so a run's result depends only on its number — not on --jobs or --shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace progmp::experiment {

struct Axis {
  std::string key;                  // a --set key ("path.*.loss") or "scheduler.registers"
  std::vector<std::string> values;  // TOML value texts, passed to --set as they are
};

struct PlotSpec {
  std::string name;                 // output file stem
  std::string x, y;                 // x: an axis key; y: a result column ("workloads.0.fct_ms_mean")
  std::string kind = "line";        // "line" (mean ± 95 % CI per x), "bar", or "timeseries" (per-path throughput
                                    // over time from the runs' time series; y = a path name or "*", no x)
  std::string title, xlabel, ylabel;
  bool logx = false, logy = false;
};

struct ClaimSpec {
  std::string text;
  std::string metric;               // result column
  std::string statistic = "mean";   // over repetitions: mean, median, p5, p95
  std::string subject;              // scheduler whose statistic is tested
  std::string op = "<=";            // <, <=, >, >=
  std::string reference;            // scheduler to compare with, or empty with `value`
  std::optional<double> value;      // a fixed bound instead of a reference scheduler
  double factor = 1.0;              // subject op factor × reference (or value)
  // Only grid points whose axis `where_key` compares true with where_value (op where_op), if set.
  std::string where_key, where_op;
  double where_value = 0;
};

struct Experiment {
  std::filesystem::path file;       // the experiment file
  std::string name;
  std::string description;
  std::filesystem::path scenario;   // resolved against the file's folder
  std::vector<std::string> schedulers;
  int runs = 3;
  std::vector<Axis> grid;
  std::vector<PlotSpec> plots;
  std::vector<ClaimSpec> claims;
};

// Parses the file; with `quick`, the [quick] table's runs and grid replace the full ones. Errors are
// "FILE:LINE:COL: message".
bool load_experiment(const std::filesystem::path& file, bool quick, Experiment& out, std::string& error);

// One run of the sweep.
struct RunSpec {
  std::size_t index = 0;
  std::vector<std::string> values;  // one per grid axis
  std::string scheduler;
  int repetition = 0;
};

// How results name a scheduler entry: a .progmp file by its stem ("dir/blest.progmp" → "blest"), a library
// name as written. Claims and plots use these labels.
std::string scheduler_label(const std::string& entry);

// All runs in their fixed order.
std::vector<RunSpec> expand(const Experiment& e);

}  // namespace progmp::experiment

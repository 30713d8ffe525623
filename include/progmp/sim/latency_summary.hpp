// Summary statistics of latency samples (ms) as the simulator reports them: p50, p90, p95, p99, mean, max.
// Percentiles use the nearest-rank definition: the p-th percentile of n sorted samples is the ceil(p/100 · n)-th
// smallest, so every reported value is an observed sample.
#pragma once

#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace progmp::sim {

struct LatencySummary {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, mean = 0, max = 0;
  std::size_t count = 0;
};

// Sorts a copy; an empty input gives count 0 and zeros.
LatencySummary summarize(std::vector<double> samples_ms);
// Nearest-rank percentile of sorted samples (p in (0, 100]); 0 for none.
double nearest_rank(const std::vector<double>& sorted, double p);
// {"p50":…,"p90":…,"p95":…,"p99":…,"mean":…,"max":…}, or null without samples.
void to_json(nlohmann::json& out, const LatencySummary& s);

}  // namespace progmp::sim

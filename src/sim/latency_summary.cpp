#include "progmp/sim/latency_summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

namespace progmp::sim {

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

LatencySummary summarize(std::vector<double> v) {
  LatencySummary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = nearest_rank(v, 50);
  s.p90 = nearest_rank(v, 90);
  s.p95 = nearest_rank(v, 95);
  s.p99 = nearest_rank(v, 99);
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  s.max = v.back();
  return s;
}

void to_json(nlohmann::json& out, const LatencySummary& s) {
  if (s.count == 0) {
    out = nullptr;
    return;
  }
  out = nlohmann::json{{"p50", s.p50}, {"p90", s.p90}, {"p95", s.p95}, {"p99", s.p99}, {"mean", s.mean}, {"max", s.max}};
}

}  // namespace progmp::sim
